#include "graph/graph_edit.h"

#include <gtest/gtest.h>

#include "graph/tensor_data.h"
#include "support/model_builder.h"

namespace qac {
namespace {

using testing::ModelBuilder;

onnx::ModelProto chain_model() {
  ModelBuilder b;
  b.input("x", {1, 4}).output("y");
  b.initializer("w", {4}, {1, 2, 3, 4});
  b.initializer("unused", {1}, {0});
  b.node("Relu", {"x"}, {"r"}, "relu");
  b.node("Mul", {"r", "w"}, {"m"}, "mul");
  b.node("Add", {"m", "r"}, {"y"}, "add");
  return b.build();
}

TEST(NameGenerator, AvoidsEveryNameInTheGraphAndPreviousResults) {
  const auto model = chain_model();
  NameGenerator names(model.graph());
  EXPECT_EQ(names.make("fresh"), "fresh");
  EXPECT_EQ(names.make("fresh"), "fresh_1");
  EXPECT_EQ(names.make("r"), "r_1");      // value name
  EXPECT_EQ(names.make("relu"), "relu_1");  // node name
  EXPECT_EQ(names.make("w"), "w_1");      // initializer
  names.reserve("taken");
  EXPECT_EQ(names.make("taken"), "taken_1");
}

TEST(GraphEdit, ReplaceUsesRedirectsOnlyTheListedSlots) {
  auto model = chain_model();
  auto& graph = *model.mutable_graph();
  ASSERT_TRUE(replace_uses(graph, "r", "r_q", {ValueUse{2, 1}}).ok());
  EXPECT_EQ(graph.node(1).input(0), "r");
  EXPECT_EQ(graph.node(2).input(1), "r_q");
}

TEST(GraphEdit, ReplaceUsesRejectsMismatchedSlotsWithoutEditing) {
  auto model = chain_model();
  auto& graph = *model.mutable_graph();
  Status s = replace_uses(graph, "r", "r_q", {ValueUse{1, 0}, ValueUse{1, 1}});
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(graph.node(1).input(0), "r");  // untouched although the first use was valid
  EXPECT_EQ(replace_uses(graph, "r", "q", {ValueUse{7, 0}}).code(), StatusCode::kInvalidArgument);
}

TEST(GraphEdit, ReplaceAllUsesCountsChangedInputs) {
  auto model = chain_model();
  EXPECT_EQ(replace_all_uses(*model.mutable_graph(), "r", "z"), 2);
  EXPECT_EQ(model.graph().node(2).input(1), "z");
}

TEST(GraphEdit, InsertNodeThenTopologicalSortRestoresOrder) {
  auto model = chain_model();
  auto& graph = *model.mutable_graph();
  onnx::NodeProto neg;
  neg.set_op_type("Neg");
  neg.set_name("neg");
  neg.add_input("r");
  neg.add_output("r_neg");
  onnx::NodeProto* inserted = insert_node(graph, neg, 0);  // before its producer
  EXPECT_EQ(inserted->name(), "neg");
  ASSERT_EQ(graph.node_size(), 4);
  EXPECT_EQ(graph.node(0).name(), "neg");
  ASSERT_TRUE(replace_uses(graph, "r", "r_neg", {ValueUse{3, 1}}).ok());

  ASSERT_TRUE(topological_sort(graph).ok());
  std::vector<std::string> order;
  for (const auto& n : graph.node()) order.push_back(n.name());
  EXPECT_EQ(order, (std::vector<std::string>{"relu", "neg", "mul", "add"}));
}

TEST(GraphEdit, TopologicalSortReportsCycles) {
  auto model = chain_model();
  auto& graph = *model.mutable_graph();
  graph.mutable_node(0)->set_input(0, "y");  // relu reads add's output
  Status s = topological_sort(graph);
  EXPECT_EQ(s.code(), StatusCode::kInvalidModel);
}

TEST(GraphEdit, RemoveNodesKeepsTheOthersInOrder) {
  auto model = chain_model();
  auto& graph = *model.mutable_graph();
  remove_nodes(graph, {1, 1});
  ASSERT_EQ(graph.node_size(), 2);
  EXPECT_EQ(graph.node(0).name(), "relu");
  EXPECT_EQ(graph.node(1).name(), "add");
}

TEST(GraphEdit, AddInitializerRejectsDuplicatesAndEmptyNames) {
  auto model = chain_model();
  auto& graph = *model.mutable_graph();
  auto added = add_initializer(graph, make_float_tensor("w2", {2}, {5, 6}));
  ASSERT_TRUE(added.ok());
  EXPECT_EQ((*added)->name(), "w2");
  EXPECT_EQ(add_initializer(graph, make_float_tensor("w", {1}, {0})).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(add_initializer(graph, make_float_tensor("", {1}, {0})).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(GraphEdit, RemoveUnusedInitializersHonoursCandidates) {
  auto model = chain_model();
  auto& graph = *model.mutable_graph();
  const std::set<std::string> only_w = {"w"};
  EXPECT_TRUE(remove_unused_initializers(graph, &only_w).empty());  // w is read
  EXPECT_EQ(remove_unused_initializers(graph), (std::vector<std::string>{"unused"}));
  ASSERT_EQ(graph.initializer_size(), 1);
  EXPECT_EQ(graph.initializer(0).name(), "w");
}

TEST(GraphEdit, RemoveUnreadNodesFollowsProducersThatBecomeUnread) {
  ModelBuilder b;
  b.input("x", {-1, 4}).output("y").output("kept");
  b.initializer_i64("index", {}, {0});
  b.node("Shape", {"x"}, {"s"}, "shape");
  b.node("Gather", {"s", "index"}, {"g"}, "gather");  // read by nothing: dead, then Shape too
  b.node("Shape", {"x"}, {"s2"}, "shape_kept");
  b.node("Identity", {"s2"}, {"kept"}, "kept");      // a graph output: stays
  b.node("Relu", {"x"}, {"y"}, "relu");
  onnx::ModelProto model = b.build();
  std::set<std::string> values = {"g", "kept", "y"};
  auto removed = remove_unread_nodes(*model.mutable_graph(), values);
  ASSERT_TRUE(removed.ok()) << removed.status().to_string();
  EXPECT_EQ(*removed, 2);
  std::vector<std::string> names;
  for (const auto& n : model.graph().node()) names.push_back(n.name());
  EXPECT_EQ(names, (std::vector<std::string>{"shape_kept", "kept", "relu"}));
  EXPECT_TRUE(values.count("index") && values.count("s") && values.count("x"));
  remove_unused_initializers(*model.mutable_graph(), &values);
  EXPECT_EQ(model.graph().initializer_size(), 0);
}

TEST(GraphEdit, RemoveStaleValueInfo) {
  ModelBuilder b;
  b.input("x", {2}).output("y").value_info("gone", {2}).value_info("r", {2});
  b.node("Relu", {"x"}, {"r"});
  b.node("Neg", {"r"}, {"y"});
  auto model = b.build();
  remove_stale_value_info(*model.mutable_graph());
  ASSERT_EQ(model.graph().value_info_size(), 1);
  EXPECT_EQ(model.graph().value_info(0).name(), "r");
}

TEST(TensorData, ReadsInt64AndInt32ValuesAndRejectsOthers) {
  onnx::TensorProto t;
  t.set_data_type(onnx::TensorProto_DataType_INT64);
  t.add_dims(2);
  t.add_int64_data(-1);
  t.add_int64_data(7);
  EXPECT_EQ(read_int_tensor(t), (std::vector<int64_t>{-1, 7}));
  onnx::TensorProto r;
  r.set_data_type(onnx::TensorProto_DataType_INT32);
  r.add_dims(2);
  const int32_t raw[2] = {3, -4};
  r.set_raw_data(std::string(reinterpret_cast<const char*>(raw), sizeof(raw)));
  EXPECT_EQ(read_int_tensor(r), (std::vector<int64_t>{3, -4}));
  r.set_raw_data(r.raw_data().substr(1));  // a truncated element
  EXPECT_FALSE(read_int_tensor(r).has_value());
  onnx::TensorProto f;
  f.set_data_type(onnx::TensorProto_DataType_FLOAT);
  f.add_float_data(1.0f);
  EXPECT_FALSE(read_int_tensor(f).has_value());
}

TEST(TensorData, ReadsRawAndTypedFloatDataAndRejectsMismatches) {
  auto raw = make_float_tensor("raw", {2, 2}, {1, 2, 3, 4});
  auto values = read_float_tensor(raw);
  ASSERT_TRUE(values.ok());
  EXPECT_EQ(*values, (std::vector<float>{1, 2, 3, 4}));

  onnx::TensorProto typed;
  typed.set_name("typed");
  typed.set_data_type(onnx::TensorProto_DataType_FLOAT);
  typed.add_dims(3);
  for (float v : {0.5f, -1.0f, 2.0f}) typed.add_float_data(v);
  ASSERT_TRUE(read_float_tensor(typed).ok());
  EXPECT_EQ(read_float_tensor(typed)->at(1), -1.0f);

  write_float_tensor(typed, {7, 8, 9});
  EXPECT_EQ(typed.float_data_size(), 0);
  EXPECT_EQ(*read_float_tensor(typed), (std::vector<float>{7, 8, 9}));

  typed.add_dims(2);  // dims now claim 6 elements
  auto bad = read_float_tensor(typed);
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidModel);
  EXPECT_NE(bad.status().message().find("'typed'"), std::string::npos);

  onnx::TensorProto ints;
  ints.set_name("ints");
  ints.set_data_type(onnx::TensorProto_DataType_INT64);
  EXPECT_EQ(read_float_tensor(ints).status().code(), StatusCode::kUnsupported);
}

}  // namespace
}  // namespace qac
