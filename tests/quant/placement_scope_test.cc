// Placement under an ignored scope and under model_type=transformer.
#include <gtest/gtest.h>

#include "quant/op_table.h"
#include "quant/placement.h"
#include "quant/placement_test_util.h"
#include "support/model_builder.h"

namespace qac {
namespace {

using testing::activation_tensors;
using testing::Consumers;
using testing::contains;
using testing::find_activation;
using testing::find_skipped;
using testing::ModelBuilder;
using testing::weight_nodes;

// x -> Conv block1.conv -> Relu block1.relu -> MaxPool pool -> Conv block2.conv -> y
ModelBuilder two_blocks() {
  ModelBuilder b;
  b.input("x", {1, 3, 8, 8}).output("y");
  b.random_initializer("w1", {4, 3, 3, 3}, 1).random_initializer("w2", {8, 4, 1, 1}, 2);
  b.node("Conv", {"x", "w1"}, {"c1"}, "block1.conv");
  b.node("Relu", {"c1"}, {"r"}, "block1.relu");
  b.node("MaxPool", {"r"}, {"p"}, "pool").ints("kernel_shape", {2, 2});
  b.node("Conv", {"p", "w2"}, {"y"}, "block2.conv");
  return b;
}

PlacementOptions ignoring(IgnoredScope scope) {
  PlacementOptions options;
  options.ignored_scope = std::move(scope);
  return options;
}

TEST(PlacementIgnoredScope, IgnoredByNameGetsNoInputNorWeightQuantizer) {
  auto setup = place_quantizers(two_blocks().model(), ignoring({{"block2.conv"}, {}, {}}));
  ASSERT_TRUE(setup.ok()) << setup.status().to_string();
  EXPECT_EQ(activation_tensors(*setup), (std::set<std::string>{"x"}));
  EXPECT_EQ(weight_nodes(*setup), (std::set<std::string>{"block1.conv"}));
  const auto* s = find_skipped(*setup, "block2.conv");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->reason, "ignored scope: name 'block2.conv'");
}

TEST(PlacementIgnoredScope, IgnoredByType) {
  auto setup = place_quantizers(two_blocks().model(), ignoring({{}, {"Conv"}, {}}));
  ASSERT_TRUE(setup.ok());
  EXPECT_TRUE(setup->activations.empty());
  EXPECT_TRUE(setup->weights.empty());
  EXPECT_TRUE(contains(find_skipped(*setup, "block1.conv")->reason, "type 'Conv'"));
}

TEST(PlacementIgnoredScope, IgnoredByPatternMatchingFromTheStartOfTheName) {
  auto setup = place_quantizers(two_blocks().model(), ignoring({{}, {}, {"block1\\..*"}}));
  ASSERT_TRUE(setup.ok());
  EXPECT_EQ(weight_nodes(*setup), (std::set<std::string>{"block2.conv"}));
  EXPECT_TRUE(contains(find_skipped(*setup, "block1.relu")->reason, "pattern 'block1\\..*'"));
  // "conv" alone does not match from the first character (Python re.match semantics).
  auto anchored = place_quantizers(two_blocks().model(), ignoring({{}, {}, {"conv"}}));
  EXPECT_FALSE(anchored.ok());
}

TEST(PlacementIgnoredScope, IgnoredAgnosticOpStopsTheQuantizerBelowIt) {
  auto setup = place_quantizers(two_blocks().model(), ignoring({{"pool"}, {}, {}}));
  ASSERT_TRUE(setup.ok());
  EXPECT_EQ(activation_tensors(*setup), (std::set<std::string>{"x", "p"}));
  EXPECT_TRUE(contains(find_activation(*setup, "p")->reason, "ignored scope")) <<
      find_activation(*setup, "p")->reason;
  // Without the ignored scope the quantizer moves above the MaxPool.
  auto plain = place_quantizers(two_blocks().model(), {});
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(activation_tensors(*plain), (std::set<std::string>{"x", "r"}));
}

TEST(PlacementIgnoredScope, UnmatchedEntriesAreAnErrorNamingThem) {
  auto setup = place_quantizers(two_blocks().model(),
                                ignoring({{"block2.conv", "no_such_node"}, {"LSTM"}, {"zzz.*"}}));
  ASSERT_FALSE(setup.ok());
  EXPECT_EQ(setup.status().code(), StatusCode::kInvalidArgument);
  const std::string message = setup.status().message();
  EXPECT_TRUE(contains(message, "'no_such_node'")) << message;
  EXPECT_TRUE(contains(message, "'LSTM'")) << message;
  EXPECT_TRUE(contains(message, "'zzz.*'")) << message;
  EXPECT_FALSE(contains(message, "'block2.conv'")) << message;

  PlacementOptions lenient = ignoring({{"block2.conv", "no_such_node"}, {}, {}});
  lenient.strict_ignored_scope = false;
  auto relaxed = place_quantizers(two_blocks().model(), lenient);
  ASSERT_TRUE(relaxed.ok());
  EXPECT_NE(find_skipped(*relaxed, "block2.conv"), nullptr);
}

TEST(PlacementIgnoredScope, InvalidPatternIsAnError) {
  auto setup = place_quantizers(two_blocks().model(), ignoring({{}, {}, {"block(1"}}));
  ASSERT_FALSE(setup.ok());
  EXPECT_EQ(setup.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(contains(setup.status().message(), "'block(1'"));
}

// One attention block: q/k/v projections, scores = q @ k^T, softmax, context = p @ v, output
// projection, residual Add, then a final projection (so the Add is not post-processing).
ModelBuilder attention_block() {
  ModelBuilder b;
  b.input("x", {1, 4, 8}).output("y");
  for (const std::string w : {"wq", "wk", "wv", "wo", "wf"}) {
    b.random_initializer(w, {8, 8}, static_cast<uint32_t>(w[1]));
  }
  b.node("MatMul", {"x", "wq"}, {"q"}, "q_proj");
  b.node("MatMul", {"x", "wk"}, {"k"}, "k_proj");
  b.node("MatMul", {"x", "wv"}, {"v"}, "v_proj");
  b.node("Transpose", {"k"}, {"kt"}, "k_transpose").ints("perm", {0, 2, 1});
  b.node("MatMul", {"q", "kt"}, {"scores"}, "scores");
  b.node("Softmax", {"scores"}, {"probs"}, "softmax").i("axis", -1);
  b.node("MatMul", {"probs", "v"}, {"context"}, "context");
  b.node("MatMul", {"context", "wo"}, {"o"}, "o_proj");
  b.node("Add", {"x", "o"}, {"res"}, "residual");
  b.node("MatMul", {"res", "wf"}, {"y"}, "final_proj");
  return b;
}

TEST(PlacementTransformer, AttentionMatMulsGetSymmetricQuantizersAndElementwiseStaysFloat) {
  PlacementOptions options;
  options.model_type = ModelType::kTransformer;
  auto setup = place_quantizers(attention_block().model(), options);
  ASSERT_TRUE(setup.ok()) << setup.status().to_string();
  EXPECT_EQ(activation_tensors(*setup),
            (std::set<std::string>{"x", "q", "k", "probs", "v", "context", "res"}));
  // Two-activation MatMuls: symmetric on both inputs; k moved above the Transpose.
  for (const std::string t : {"q", "k", "probs", "v"}) {
    EXPECT_TRUE(find_activation(*setup, t)->force_symmetric) << t;
  }
  EXPECT_EQ(find_activation(*setup, "k")->consumers, (Consumers{{3, 0}}));
  EXPECT_TRUE(contains(find_activation(*setup, "probs")->reason, "Softmax"));
  EXPECT_TRUE(contains(find_activation(*setup, "probs")->reason, "uint8"));
  for (const std::string t : {"x", "context", "res"}) {
    EXPECT_FALSE(find_activation(*setup, t)->force_symmetric) << t;
  }
  EXPECT_EQ(find_activation(*setup, "x")->consumers, (Consumers{{0, 0}, {1, 0}, {2, 0}}));
  const auto* add = find_skipped(*setup, "residual");
  ASSERT_NE(add, nullptr);
  EXPECT_TRUE(contains(add->reason, "model_type=transformer")) << add->reason;
  EXPECT_EQ(weight_nodes(*setup),
            (std::set<std::string>{"q_proj", "k_proj", "v_proj", "o_proj", "final_proj"}));
  EXPECT_EQ(setup->quantized_ops_per_type, (std::map<std::string, int>{{"MatMul", 7}}));
}

TEST(PlacementTransformer, DefaultModelTypeQuantizesTheResidualAddAndIsNotForcedSymmetric) {
  auto setup = place_quantizers(attention_block().model(), {});
  ASSERT_TRUE(setup.ok());
  EXPECT_TRUE(activation_tensors(*setup).count("o"));  // Add input
  EXPECT_EQ(find_activation(*setup, "x")->consumers,
            (Consumers{{0, 0}, {1, 0}, {2, 0}, {8, 0}}));
  for (const auto& q : setup->activations) EXPECT_FALSE(q.force_symmetric) << q.tensor;
  EXPECT_EQ(setup->quantized_ops_per_type,
            (std::map<std::string, int>{{"Add", 1}, {"MatMul", 7}}));
}

TEST(OpTable, KindsAndTransformerDifferences) {
  EXPECT_EQ(op_kind("Conv", ModelType::kDefault), OpKind::kWeighted);
  EXPECT_EQ(op_kind("Add", ModelType::kDefault), OpKind::kQuantizableInputs);
  EXPECT_EQ(op_kind("Add", ModelType::kTransformer), OpKind::kFloat);
  EXPECT_EQ(op_kind("ReduceMean", ModelType::kTransformer), OpKind::kFloat);
  EXPECT_EQ(op_kind("AveragePool", ModelType::kTransformer), OpKind::kQuantizableInputs);
  EXPECT_EQ(op_kind("MaxPool", ModelType::kDefault), OpKind::kAgnostic);
  EXPECT_EQ(op_kind("Concat", ModelType::kTransformer), OpKind::kAgnostic);
  EXPECT_EQ(op_kind("Softmax", ModelType::kDefault), OpKind::kFloat);
  EXPECT_EQ(op_kind("SomeCustomOp", ModelType::kDefault), OpKind::kFloat);
  onnx::NodeProto custom;
  custom.set_op_type("Conv");
  custom.set_domain("com.example");
  EXPECT_EQ(node_kind(custom, ModelType::kDefault), OpKind::kFloat);
  EXPECT_EQ(weighted_op_layout("Conv")->bias_input, 2);
  EXPECT_EQ(weighted_op_layout("MatMul")->bias_input, -1);
  EXPECT_FALSE(weighted_op_layout("Relu").has_value());
}

}  // namespace
}  // namespace qac
