// End-to-end normalization: a model with If subgraphs, and the OCR models when present.
#include "onnx/normalize.h"

#include <gtest/gtest.h>

#include <filesystem>

#include <unistd.h>

#include "onnx/graph_walk.h"
#include "onnx_test_util.h"

namespace qac {
namespace {
namespace fs = std::filesystem;
using namespace qac::testing;

onnx::GraphProto branch(const std::string& name, const std::vector<onnx::NodeProto>& nodes,
                        const std::vector<onnx::TensorProto>& initializers, const std::string& output) {
  onnx::GraphProto g;
  g.set_name(name);
  for (const auto& n : nodes) *g.add_node() = n;
  for (const auto& t : initializers) *g.add_initializer() = t;
  *g.add_output() = float_info(output, {1, 2, 3});
  return g;
}

// If(cond) with two branches holding opset-11 Unsqueeze (axes attribute); the then-branch
// reads the outer-scope value `x`, the else-branch also has its own initializer.
onnx::ModelProto if_model() {
  onnx::NodeProto then_unsqueeze = node("Unsqueeze", {"x"}, {"then_out"}, "then_unsqueeze");
  add_ints(then_unsqueeze, "axes", {0});
  onnx::NodeProto else_add = node("Add", {"x", "else_bias"}, {"else_sum"}, "else_add");
  onnx::NodeProto else_unsqueeze = node("Unsqueeze", {"else_sum"}, {"else_out"}, "else_unsqueeze");
  add_ints(else_unsqueeze, "axes", {0});
  const onnx::TensorProto bias = to_proto(float_tensor({2, 3}, {10, 20, 30, 40, 50, 60}), "else_bias");

  onnx::NodeProto if_node = node("If", {"cond"}, {"y"}, "branch");
  auto* then_attr = if_node.add_attribute();
  then_attr->set_name("then_branch");
  then_attr->set_type(onnx::AttributeProto::GRAPH);
  *then_attr->mutable_g() = branch("then", {then_unsqueeze}, {}, "then_out");
  auto* else_attr = if_node.add_attribute();
  else_attr->set_name("else_branch");
  else_attr->set_type(onnx::AttributeProto::GRAPH);
  *else_attr->mutable_g() = branch("else", {else_add, else_unsqueeze}, {bias}, "else_out");

  onnx::NodeProto relu = node("Relu", {"x_in"}, {"x"}, "relu");
  return make_model(11, {relu, if_node},
                    {float_info("x_in", {2, 3}), value_info("cond", onnx::TensorProto::BOOL, {})},
                    {float_info("y", {1, 2, 3})}, {}, 6);
}

Tensor bool_scalar(bool v) {
  Tensor t(DType::kBool, {});
  t.bytes[0] = v ? 1 : 0;
  return t;
}

TEST(NormalizeTest, IfSubgraphsAreUpgradedAndSurviveSaveAndReload) {
  const onnx::ModelProto original = if_model();
  const Tensor x = random_tensor({2, 3}, 7);
  std::vector<Tensor> expected;
  for (bool cond : {true, false}) {
    auto r = run_model(original, {{"x_in", x}, {"cond", bool_scalar(cond)}});
    ASSERT_TRUE(r.ok()) << r.status().to_string();
    expected.push_back(r->at(0));
  }

  onnx::ModelProto model = original;
  NormalizeLog log;
  Status s = normalize(model, log);
  ASSERT_TRUE(s.ok()) << s.to_string();
  EXPECT_EQ(default_opset_version(model), 13);
  EXPECT_GE(model.ir_version(), 7);

  const fs::path path = fs::temp_directory_path() / ("qac_if_" + std::to_string(::getpid()) + ".onnx");
  ASSERT_TRUE(save_model(model, path).ok());
  auto reloaded = load_model(path);
  fs::remove(path);
  ASSERT_TRUE(reloaded.ok()) << reloaded.status().to_string();

  // Both branches now feed axes to Unsqueeze as an input; the else branch keeps its initializer.
  int unsqueezes = 0;
  visit_graphs(reloaded->graph(), [&](const onnx::GraphProto& g) {
    for (const auto& n : g.node()) {
      if (n.op_type() != "Unsqueeze") continue;
      ++unsqueezes;
      EXPECT_EQ(n.input_size(), 2) << n.name();
      EXPECT_EQ(n.attribute_size(), 0) << n.name();
    }
    if (g.name() == "else") {
      bool has_bias = false;
      for (const auto& t : g.initializer()) has_bias = has_bias || t.name() == "else_bias";
      EXPECT_TRUE(has_bias);
    }
  });
  EXPECT_EQ(unsqueezes, 2);

  for (bool cond : {true, false}) {
    auto r = run_model(*reloaded, {{"x_in", x}, {"cond", bool_scalar(cond)}});
    ASSERT_TRUE(r.ok()) << r.status().to_string();
    EXPECT_TRUE(tensors_close(r->at(0), expected[cond ? 0 : 1], 0, 0)) << "cond=" << cond;
  }
}

TEST(NormalizeTest, InvalidModelIsReportedWithThePass) {
  // Add with one input only: the checker rejects it, naming the node.
  onnx::ModelProto m = make_model(13, {node("Add", {"x"}, {"y"}, "lonely_add")}, {float_info("x", {2})},
                                  {float_info("y", {2})});
  NormalizeLog log;
  Status s = normalize(m, log);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kInvalidModel);
  EXPECT_NE(s.message().find("lonely_add"), std::string::npos) << s.message();
}

TEST(NormalizeTest, OpsetNewerThanTheOnnxLibraryPassesThroughWithWarnings) {
  // ReduceMean-18 takes axes as an input, a form ONNX 1.12 does not know.
  onnx::NodeProto reduce = node("ReduceMean", {"x", "axes"}, {"y"}, "mean18");
  add_int(reduce, "keepdims", 0);
  onnx::ModelProto m = make_model(18, {reduce}, {float_info("x", {2, 3})}, {float_info("y", {2})},
                                  {to_proto(int64_tensor({1}, {1}), "axes")}, 8);
  const std::string before = serialize(m);
  NormalizeLog log;
  Status s = normalize(m, log);
  ASSERT_TRUE(s.ok()) << s.to_string();
  EXPECT_EQ(serialize(m), before);
  bool warned = false;
  for (const auto& e : log.entries) warned = warned || e.rfind("warning: infer_shapes: skipped", 0) == 0;
  EXPECT_TRUE(warned);
  auto r = run_model(m, {{"x", float_tensor({2, 3}, {1, 2, 3, 4, 5, 6})}});
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->at(0).to_float(), (std::vector<float>{2, 5}));
}

// ---- the OCR models (PP-OCR det/rec/cls, Constant-node weights, opsets 9 and 11) ------------

struct RealModel {
  const char* file;
  std::vector<int64_t> input_shape;  // for the dynamic dims
};

class RealModelTest : public ::testing::TestWithParam<RealModel> {};

TEST_P(RealModelTest, NormalizedModelMatchesOriginal) {
  const fs::path path = fs::path(QAC_SOURCE_DIR) / "assets/models/ocr" / GetParam().file;
  if (!fs::exists(path)) GTEST_SKIP() << path << " is absent (scripts/fetch_models.sh)";
  auto original = load_model(path);
  ASSERT_TRUE(original.ok()) << original.status().to_string();
  onnx::ModelProto model = *original;
  NormalizeLog log;
  Status s = normalize(model, log);
  ASSERT_TRUE(s.ok()) << s.to_string();
  EXPECT_EQ(default_opset_version(model), 13);
  for (const auto& n : model.graph().node()) EXPECT_NE(n.op_type(), "Constant") << n.name();
  EXPECT_GT(model.graph().initializer_size(), 0);
  onnx::ModelProto again = model;  // normalizing twice changes nothing more
  NormalizeLog log_again;
  ASSERT_TRUE(normalize(again, log_again).ok());
  EXPECT_EQ(again.graph().node_size(), model.graph().node_size());
  EXPECT_EQ(again.graph().initializer_size(), model.graph().initializer_size());

  const std::string input = model.graph().input(0).name();
  const Tensor x = random_tensor(GetParam().input_shape, 3, 0.0f, 1.0f);
  auto before = run_model(*original, {{input, x}});
  ASSERT_TRUE(before.ok()) << before.status().to_string();
  auto after = run_model(model, {{input, x}});
  ASSERT_TRUE(after.ok()) << after.status().to_string();
  ASSERT_EQ(before->size(), after->size());
  for (size_t i = 0; i < before->size(); ++i) {
    EXPECT_TRUE(tensors_close(after->at(i), before->at(i), 1e-4, 1e-4)) << "output " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Ocr, RealModelTest,
                         ::testing::Values(RealModel{"rec.onnx", {1, 3, 48, 320}},
                                           RealModel{"det.onnx", {1, 3, 320, 320}},
                                           RealModel{"cls.onnx", {1, 3, 48, 192}}),
                         [](const ::testing::TestParamInfo<RealModel>& info) {
                           std::string name = info.param.file;
                           return name.substr(0, name.find('.'));
                         });

}  // namespace
}  // namespace qac
