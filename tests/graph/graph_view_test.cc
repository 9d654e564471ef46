#include "graph/graph_view.h"

#include <gtest/gtest.h>

#include "support/model_builder.h"

namespace qac {
namespace {

using testing::ModelBuilder;

// x -> Relu(a) -> Add(b, with x) -> y ; nodes stored out of order (Add before Relu).
onnx::ModelProto out_of_order_model() {
  ModelBuilder b;
  b.input("x", {1, 4}).output("y", {1, 4});
  b.value_info("r", {1, -1});
  b.initializer("c", {4}, {1, 2, 3, 4});
  b.node("Add", {"r", "x"}, {"y"}, "add");
  b.node("Relu", {"x"}, {"r"}, "relu");
  return b.build();
}

TEST(GraphView, IndexesProducersConsumersAndBoundaries) {
  const auto model = out_of_order_model();
  auto view = GraphView::build(model.graph());
  ASSERT_TRUE(view.ok()) << view.status().to_string();
  EXPECT_EQ(view->num_nodes(), 2);
  EXPECT_EQ(view->producer("r"), 1);
  EXPECT_EQ(view->producer("y"), 0);
  EXPECT_EQ(view->producer("x"), -1);
  EXPECT_EQ(view->producer("nothing"), -1);
  ASSERT_TRUE(view->source("y").has_value());
  EXPECT_EQ(view->source("y")->slot, 0);

  const auto& readers_of_x = view->consumers("x");
  ASSERT_EQ(readers_of_x.size(), 2u);
  EXPECT_EQ(readers_of_x[0], (ValueUse{0, 1}));  // Add, slot 1
  EXPECT_EQ(readers_of_x[1], (ValueUse{1, 0}));  // Relu, slot 0
  EXPECT_TRUE(view->consumers("y").empty());

  EXPECT_TRUE(view->is_graph_input("x"));
  EXPECT_FALSE(view->is_graph_input("r"));
  EXPECT_TRUE(view->is_graph_output("y"));
  EXPECT_TRUE(view->is_initializer("c"));
  EXPECT_EQ(view->initializer("c")->dims(0), 4);
  EXPECT_EQ(view->initializer("x"), nullptr);
}

TEST(GraphView, TopologicalOrderPutsProducersFirst) {
  const auto model = out_of_order_model();
  auto view = GraphView::build(model.graph());
  ASSERT_TRUE(view.ok());
  EXPECT_EQ(view->topological_order(), (std::vector<int>{1, 0}));
}

TEST(GraphView, TopologicalOrderIsStableForIndependentNodes) {
  ModelBuilder b;
  b.input("x", {2}).output("a").output("b").output("c");
  b.node("Relu", {"x"}, {"a"});
  b.node("Neg", {"x"}, {"b"});
  b.node("Abs", {"x"}, {"c"});
  auto view = GraphView::build(b.model().graph());
  ASSERT_TRUE(view.ok());
  EXPECT_EQ(view->topological_order(), (std::vector<int>{0, 1, 2}));
}

TEST(GraphView, ShapesAndTypesFromValueInfoInputsOutputsAndInitializers) {
  const auto model = out_of_order_model();
  auto view = GraphView::build(model.graph());
  ASSERT_TRUE(view.ok());
  EXPECT_EQ(view->shape("x"), (std::vector<int64_t>{1, 4}));
  EXPECT_EQ(view->shape("r"), (std::vector<int64_t>{1, -1}));  // symbolic dim
  EXPECT_EQ(view->shape("c"), (std::vector<int64_t>{4}));
  EXPECT_FALSE(view->shape("unknown").has_value());
  EXPECT_EQ(view->elem_type("y"), onnx::TensorProto_DataType_FLOAT);
  EXPECT_EQ(view->elem_type("c"), onnx::TensorProto_DataType_FLOAT);
  EXPECT_FALSE(view->elem_type("unknown").has_value());
  ASSERT_NE(view->value_info("r"), nullptr);
}

TEST(GraphView, LabelsUnnamedNodesByTypeIndexAndOutput) {
  ModelBuilder b;
  b.input("x", {2}).output("y");
  b.node("Relu", {"x"}, {"y"});
  auto view = GraphView::build(b.model().graph());
  ASSERT_TRUE(view.ok());
  EXPECT_EQ(view->node_label(0), "Relu#0 (y)");
}

TEST(GraphView, RejectsValueProducedTwice) {
  ModelBuilder b;
  b.input("x", {2}).output("y");
  b.node("Relu", {"x"}, {"y"}, "first");
  b.node("Neg", {"x"}, {"y"}, "second");
  auto view = GraphView::build(b.model().graph());
  ASSERT_FALSE(view.ok());
  EXPECT_EQ(view.status().code(), StatusCode::kInvalidModel);
  EXPECT_NE(view.status().message().find("'first'"), std::string::npos);
  EXPECT_NE(view.status().message().find("'second'"), std::string::npos);
}

TEST(GraphView, RejectsUndefinedInputNamingNodeAndValue) {
  ModelBuilder b;
  b.input("x", {2}).output("y");
  b.node("Add", {"x", "ghost"}, {"y"}, "adder");
  auto view = GraphView::build(b.model().graph());
  ASSERT_FALSE(view.ok());
  EXPECT_NE(view.status().message().find("'adder'"), std::string::npos);
  EXPECT_NE(view.status().message().find("'ghost'"), std::string::npos);
  // Subgraphs may read from the enclosing scope.
  EXPECT_TRUE(GraphView::build(b.model().graph(), /*allow_outer_scope=*/true).ok());
}

TEST(GraphView, RejectsCycles) {
  ModelBuilder b;
  b.input("x", {2}).output("b");
  b.node("Add", {"x", "b"}, {"a"}, "loop_a");
  b.node("Relu", {"a"}, {"b"}, "loop_b");
  auto view = GraphView::build(b.model().graph());
  ASSERT_FALSE(view.ok());
  EXPECT_EQ(view.status().code(), StatusCode::kInvalidModel);
  EXPECT_NE(view.status().message().find("cycle"), std::string::npos);
}

TEST(GraphView, SubgraphCapturesOrderTheOwnerAfterTheProducer) {
  // If node (index 0) whose branches read "r" produced by the Relu stored after it.
  ModelBuilder then_branch;
  then_branch.output("t");
  then_branch.node("Identity", {"r"}, {"t"});
  ModelBuilder else_branch;
  else_branch.output("e");
  else_branch.node("Neg", {"r"}, {"e"});

  ModelBuilder b;
  b.input("x", {2}).input("cond", {}, onnx::TensorProto_DataType_BOOL).output("y");
  b.node("If", {"cond"}, {"y"}, "branch")
      .graph("then_branch", then_branch.model().graph())
      .graph("else_branch", else_branch.model().graph());
  b.node("Relu", {"x"}, {"r"}, "relu");
  auto view = GraphView::build(b.model().graph());
  ASSERT_TRUE(view.ok()) << view.status().to_string();
  EXPECT_EQ(view->topological_order(), (std::vector<int>{1, 0}));
  EXPECT_TRUE(view->has_subgraphs(0));
  EXPECT_FALSE(view->has_subgraphs(1));
  EXPECT_EQ(view->captures("r"), (std::vector<int>{0}));
  EXPECT_TRUE(view->consumers("r").empty());
  EXPECT_EQ(outer_scope_reads(then_branch.model().graph()), (std::set<std::string>{"r"}));
}

}  // namespace
}  // namespace qac
