// Placement rules of docs/design.md §4 on small hand-built models.
#include "quant/placement.h"

#include <gtest/gtest.h>

#include "quant/placement_test_util.h"
#include "support/model_builder.h"

namespace qac {
namespace {

using testing::activation_tensors;
using testing::Consumers;
using testing::contains;
using testing::find_activation;
using testing::find_skipped;
using testing::find_weight;
using testing::ModelBuilder;
using testing::weight_nodes;

QuantizerSetup place(const ModelBuilder& b, PlacementOptions options = {}) {
  auto setup = place_quantizers(b.model(), options);
  EXPECT_TRUE(setup.ok()) << setup.status().to_string();
  return setup.ok() ? std::move(setup).value() : QuantizerSetup{};
}

// x -> Conv c1 (+bias) -> Relu r -> Conv c2 -> y
ModelBuilder conv_relu_conv() {
  ModelBuilder b;
  b.input("x", {1, 3, 8, 8}).output("y");
  b.random_initializer("w1", {4, 3, 3, 3}, 1).random_initializer("b1", {4}, 2);
  b.random_initializer("w2", {8, 4, 1, 1}, 3);
  b.node("Conv", {"x", "w1", "b1"}, {"c1"}, "c1").ints("pads", {1, 1, 1, 1});
  b.node("Relu", {"c1"}, {"r"}, "relu");
  b.node("Conv", {"r", "w2"}, {"y"}, "c2");
  return b;
}

TEST(Placement, ConvReluConvQuantizesInputsAfterReluAndWeightsPerChannel) {
  const auto setup = place(conv_relu_conv());
  EXPECT_EQ(activation_tensors(setup), (std::set<std::string>{"x", "r"}));
  const auto* r = find_activation(setup, "r");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->consumers, (Consumers{{2, 0}}));
  EXPECT_EQ(r->id, "act:r");
  EXPECT_TRUE(contains(r->reason, "'c2'")) << r->reason;
  EXPECT_FALSE(r->force_symmetric);
  EXPECT_TRUE(r->unified_scale_group.empty());
  EXPECT_EQ(find_activation(setup, "c1"), nullptr);  // never between Conv and its Relu

  ASSERT_EQ(setup.weights.size(), 2u);
  EXPECT_EQ(setup.weights[0].node_name, "c1");
  EXPECT_EQ(setup.weights[0].initializer, "w1");
  EXPECT_EQ(setup.weights[0].axis, 0);
  EXPECT_EQ(setup.weights[0].input_slot, 1);
  EXPECT_EQ(setup.weights[0].node, 0);
  EXPECT_EQ(setup.weights[1].initializer, "w2");
  EXPECT_EQ(setup.quantized_ops_per_type, (std::map<std::string, int>{{"Conv", 2}}));
  EXPECT_TRUE(setup.skipped.empty());
}

TEST(Placement, WeightAxisFollowsTheOpLayout) {
  ModelBuilder b;
  b.input("x", {2, 6}).output("y");
  b.random_initializer("w_ct", {6, 2, 2, 2}, 1);
  b.random_initializer("g_t", {5, 6}, 2).random_initializer("g_n", {5, 4}, 3);
  b.random_initializer("m", {4, 3}, 4);
  b.node("Gemm", {"x", "g_t"}, {"a"}, "gemm_transposed").i("transB", 1);
  b.node("Relu", {"a"}, {"ra"}, "relu");
  b.node("Gemm", {"ra", "g_n"}, {"c"}, "gemm_plain");
  b.node("MatMul", {"c", "m"}, {"d"}, "matmul");
  b.node("Reshape", {"d", "shape"}, {"d4"}, "to4d");
  b.initializer_i64("shape", {4}, {1, 6, 1, 1});
  b.node("ConvTranspose", {"d4", "w_ct"}, {"y"}, "deconv");
  const auto setup = place(b);
  EXPECT_EQ(find_weight(setup, "gemm_transposed")->axis, 0);
  EXPECT_EQ(find_weight(setup, "gemm_plain")->axis, 1);
  EXPECT_EQ(find_weight(setup, "matmul")->axis, 1);
  EXPECT_EQ(find_weight(setup, "deconv")->axis, 1);
}

TEST(Placement, QuantizerMovesAboveMaxPoolAndReshapeWhenEveryReaderIsQuantized) {
  ModelBuilder b;
  b.input("x", {1, 3, 8, 8}).output("y");
  b.random_initializer("w1", {4, 3, 3, 3}, 1).random_initializer("wg", {10, 64}, 2);
  b.initializer_i64("shape", {2}, {1, 64});
  b.node("Conv", {"x", "w1"}, {"c1"}, "c1").ints("pads", {1, 1, 1, 1});
  b.node("Relu", {"c1"}, {"r"}, "relu");
  b.node("MaxPool", {"r"}, {"p"}, "pool").ints("kernel_shape", {2, 2}).ints("strides", {2, 2});
  b.node("Reshape", {"p", "shape"}, {"f"}, "flat");
  b.node("Gemm", {"f", "wg"}, {"y"}, "fc").i("transB", 1);
  const auto setup = place(b);
  EXPECT_EQ(activation_tensors(setup), (std::set<std::string>{"x", "r"}));
  const auto* r = find_activation(setup, "r");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->consumers, (Consumers{{2, 0}}));  // read by MaxPool
  EXPECT_TRUE(contains(r->reason, "MaxPool 'pool'")) << r->reason;
  EXPECT_TRUE(contains(r->reason, "Reshape 'flat'")) << r->reason;
  EXPECT_TRUE(contains(r->reason, "input 0 of Gemm 'fc'")) << r->reason;
  EXPECT_EQ(setup.quantized_ops_per_type, (std::map<std::string, int>{{"Conv", 1}, {"Gemm", 1}}));
}

TEST(Placement, QuantizerStaysBelowAgnosticOpWhoseOutputIsAGraphOutput) {
  ModelBuilder b;
  b.input("x", {1, 4, 8, 8}).output("p").output("y");
  b.random_initializer("w", {4, 4, 1, 1}, 1);
  b.node("Relu", {"x"}, {"r"}, "relu");
  b.node("MaxPool", {"r"}, {"p"}, "pool").ints("kernel_shape", {2, 2});
  b.node("Conv", {"p", "w"}, {"y"}, "conv");
  const auto setup = place(b);
  EXPECT_EQ(activation_tensors(setup), (std::set<std::string>{"p"}));
  const auto* p = find_activation(setup, "p");
  EXPECT_EQ(p->consumers, (Consumers{{2, 0}}));
  EXPECT_TRUE(contains(p->reason, "graph output")) << p->reason;
}

TEST(Placement, QuantizerStaysBelowAgnosticOpWithAFloatReader) {
  ModelBuilder b;
  b.input("x", {1, 4, 8, 8}).output("y").output("s");
  b.random_initializer("w", {4, 4, 1, 1}, 1);
  b.node("MaxPool", {"x"}, {"p"}, "pool").ints("kernel_shape", {2, 2});
  b.node("Conv", {"p", "w"}, {"y"}, "conv");
  b.node("Softmax", {"p"}, {"s"}, "softmax");
  const auto setup = place(b);
  EXPECT_EQ(activation_tensors(setup), (std::set<std::string>{"p"}));
  EXPECT_TRUE(contains(find_activation(setup, "p")->reason, "Softmax 'softmax'"));
}

TEST(Placement, ConcatInputsFeedingAConvShareOneScale) {
  ModelBuilder b;
  b.input("x", {1, 3, 8, 8}).output("y");
  b.random_initializer("wa", {4, 3, 1, 1}, 1).random_initializer("wb", {4, 3, 1, 1}, 2);
  b.random_initializer("wc", {2, 8, 1, 1}, 3);
  b.node("Conv", {"x", "wa"}, {"ca"}, "conv_a");
  b.node("Relu", {"ca"}, {"ra"}, "relu_a");
  b.node("Conv", {"x", "wb"}, {"cb"}, "conv_b");
  b.node("Relu", {"cb"}, {"rb"}, "relu_b");
  b.node("Concat", {"ra", "rb"}, {"cat"}, "concat").i("axis", 1);
  b.node("Conv", {"cat", "wc"}, {"y"}, "conv_c");
  const auto setup = place(b);
  EXPECT_EQ(activation_tensors(setup), (std::set<std::string>{"x", "ra", "rb"}));
  const auto* x = find_activation(setup, "x");
  EXPECT_EQ(x->consumers, (Consumers{{0, 0}, {2, 0}}));  // one quantizer, both convs
  const auto* ra = find_activation(setup, "ra");
  const auto* rb = find_activation(setup, "rb");
  EXPECT_EQ(ra->consumers, (Consumers{{4, 0}}));
  EXPECT_EQ(rb->consumers, (Consumers{{4, 1}}));
  EXPECT_FALSE(ra->unified_scale_group.empty());
  EXPECT_EQ(ra->unified_scale_group, rb->unified_scale_group);
  EXPECT_TRUE(x->unified_scale_group.empty());
  EXPECT_TRUE(contains(ra->reason, "Concat 'concat'")) << ra->reason;
}

TEST(Placement, ResidualAddQuantizesBothOperands) {
  ModelBuilder b;
  b.input("x", {1, 4, 8, 8}).output("y");
  b.random_initializer("w1", {4, 4, 1, 1}, 1).random_initializer("w2", {4, 4, 1, 1}, 2);
  b.random_initializer("w3", {4, 4, 1, 1}, 3);
  b.node("Conv", {"x", "w1"}, {"c1"}, "c1");
  b.node("Relu", {"c1"}, {"r1"}, "relu1");
  b.node("Conv", {"r1", "w2"}, {"c2"}, "c2");
  b.node("Add", {"c2", "r1"}, {"sum"}, "add");
  b.node("Relu", {"sum"}, {"r2"}, "relu2");
  b.node("Conv", {"r2", "w3"}, {"y"}, "c3");
  const auto setup = place(b);
  EXPECT_EQ(activation_tensors(setup), (std::set<std::string>{"x", "r1", "c2", "r2"}));
  EXPECT_EQ(find_activation(setup, "r1")->consumers, (Consumers{{2, 0}, {3, 1}}));
  EXPECT_EQ(find_activation(setup, "c2")->consumers, (Consumers{{3, 0}}));
  EXPECT_EQ(setup.quantized_ops_per_type, (std::map<std::string, int>{{"Add", 1}, {"Conv", 3}}));
}

TEST(Placement, SeBlockStaysFloat) {
  ModelBuilder b;
  b.input("x", {1, 8, 4, 4}).output("y");
  b.random_initializer("w0", {8, 8, 1, 1}, 1).random_initializer("w_down", {2, 8, 1, 1}, 2);
  b.random_initializer("w_up", {8, 2, 1, 1}, 3).random_initializer("w3", {4, 8, 1, 1}, 4);
  b.random_initializer("b_down", {2}, 5);
  b.node("Conv", {"x", "w0"}, {"c0"}, "c0");
  b.node("Relu", {"c0"}, {"a"}, "relu");
  b.node("GlobalAveragePool", {"a"}, {"g"}, "se_pool");
  b.node("Conv", {"g", "w_down", "b_down"}, {"d"}, "se_down");
  b.node("Relu", {"d"}, {"dr"}, "se_relu");
  b.node("Conv", {"dr", "w_up"}, {"u"}, "se_up");
  b.node("HardSigmoid", {"u"}, {"gate"}, "se_gate");
  b.node("Mul", {"a", "gate"}, {"scaled"}, "se_mul");
  b.node("Conv", {"scaled", "w3"}, {"y"}, "c3");
  const auto setup = place(b);
  EXPECT_EQ(activation_tensors(setup), (std::set<std::string>{"x", "scaled"}));
  EXPECT_EQ(weight_nodes(setup), (std::set<std::string>{"c0", "c3"}));
  for (const std::string node : {"se_pool", "se_down", "se_relu", "se_up", "se_gate", "se_mul"}) {
    const auto* s = find_skipped(setup, node);
    ASSERT_NE(s, nullptr) << node;
    EXPECT_TRUE(contains(s->reason, "SE block 'se_pool'")) << s->reason;
  }
}

TEST(Placement, SigmoidGatedMulWithoutWeightedBranchIsAnActivationNotAnSeBlock) {
  // Swish: Mul(a, Sigmoid(a)) — no weighted op in the branch.
  ModelBuilder b;
  b.input("x", {1, 4, 4, 4}).output("y");
  b.random_initializer("w1", {4, 4, 1, 1}, 1).random_initializer("w2", {4, 4, 1, 1}, 2);
  b.node("Conv", {"x", "w1"}, {"a"}, "c1");
  b.node("Sigmoid", {"a"}, {"s"}, "sigmoid");
  b.node("Mul", {"a", "s"}, {"swish"}, "swish_mul");
  b.node("Conv", {"swish", "w2"}, {"y"}, "c2");
  const auto setup = place(b);
  EXPECT_EQ(activation_tensors(setup), (std::set<std::string>{"x", "swish"}));
  const auto* s = find_skipped(setup, "swish_mul");
  ASSERT_NE(s, nullptr);
  EXPECT_TRUE(contains(s->reason, "x * f(x)")) << s->reason;
}

TEST(Placement, DecomposedHardSwishGetsNoQuantizerInside) {
  // HardSwish as exported by some converters: a * Clip(a + 3, 0, 6) / 6.
  ModelBuilder b;
  b.input("x", {1, 4, 4, 4}).output("y");
  b.random_initializer("w1", {4, 4, 1, 1}, 1).random_initializer("w2", {4, 4, 1, 1}, 2);
  b.scalar("three", 3).scalar("zero", 0).scalar("six", 6);
  b.node("Conv", {"x", "w1"}, {"a"}, "c1");
  b.node("Add", {"a", "three"}, {"a3"}, "plus3");
  b.node("Clip", {"a3", "zero", "six"}, {"clipped"}, "clip");
  b.node("Mul", {"a", "clipped"}, {"prod"}, "hs_mul");
  b.node("Div", {"prod", "six"}, {"hs"}, "hs_div");
  b.node("Conv", {"hs", "w2"}, {"y"}, "c2");
  const auto setup = place(b);
  EXPECT_EQ(activation_tensors(setup), (std::set<std::string>{"x", "hs"}));
  EXPECT_TRUE(contains(find_skipped(setup, "hs_mul")->reason, "x * f(x)"));
  EXPECT_TRUE(contains(find_skipped(setup, "plus3")->reason, "constant operand 'three'"));
  EXPECT_TRUE(contains(find_skipped(setup, "hs_div")->reason, "constant operand 'six'"));
}

TEST(Placement, ElementwiseOpWithConstantOperandLosesItsQuantizer) {
  ModelBuilder b;
  b.input("x", {1, 4, 4, 4}).output("y");
  b.random_initializer("w1", {4, 4, 1, 1}, 1).random_initializer("w2", {4, 4, 1, 1}, 2);
  b.random_initializer("scale", {1, 4, 1, 1}, 3);
  b.node("Conv", {"x", "w1"}, {"c1"}, "c1");
  b.node("Mul", {"c1", "scale"}, {"m"}, "scale_mul");
  b.node("Conv", {"m", "w2"}, {"y"}, "c2");
  const auto setup = place(b);
  EXPECT_EQ(activation_tensors(setup), (std::set<std::string>{"x", "m"}));
  const auto* s = find_skipped(setup, "scale_mul");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->op_type, "Mul");
  EXPECT_TRUE(contains(s->reason, "constant operand 'scale'")) << s->reason;
  EXPECT_EQ(setup.quantized_ops_per_type.count("Mul"), 0u);
}

TEST(Placement, PostProcessingAfterTheLastWeightedOpStaysFloat) {
  ModelBuilder b;
  b.input("x", {1, 4, 4, 4}).input("z", {1, 4, 2, 2}).output("y");
  b.random_initializer("w1", {4, 4, 1, 1}, 1);
  b.node("Conv", {"x", "w1"}, {"f"}, "c1");
  b.node("AveragePool", {"f"}, {"p"}, "pool").ints("kernel_shape", {2, 2}).ints("strides", {2, 2});
  b.node("Add", {"p", "z"}, {"y"}, "add");
  const auto setup = place(b);
  EXPECT_EQ(activation_tensors(setup), (std::set<std::string>{"x"}));
  for (const std::string node : {"pool", "add"}) {
    const auto* s = find_skipped(setup, node);
    ASSERT_NE(s, nullptr) << node;
    EXPECT_TRUE(contains(s->reason, "post-processing")) << s->reason;
  }
}

TEST(Placement, TensorThatIsAlsoAGraphOutputServesOnlyItsConsumers) {
  ModelBuilder b;
  b.input("x", {1, 4, 4, 4}).output("r").output("y");
  b.random_initializer("w", {4, 4, 1, 1}, 1);
  b.node("Relu", {"x"}, {"r"}, "relu");
  b.node("Conv", {"r", "w"}, {"y"}, "conv");
  const auto setup = place(b);
  const auto* r = find_activation(setup, "r");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->consumers, (Consumers{{1, 0}}));
  EXPECT_TRUE(contains(r->reason, "graph output")) << r->reason;
}

TEST(Placement, IntegerShapeArithmeticIsNeverQuantized) {
  ModelBuilder b;
  b.input("x", {1, 4, 4, 4}).output("y");
  b.random_initializer("w", {2, 16}, 1);
  b.initializer_i64("one", {1}, {1});
  b.initializer_i64("minus_one", {1}, {-1});
  b.node("Shape", {"x"}, {"s"}, "shape");
  b.node("Gather", {"s", "zero_index"}, {"n"}, "batch").i("axis", 0);
  b.initializer_i64("zero_index", {1}, {0});
  b.node("Mul", {"n", "one"}, {"n1"}, "int_mul");
  b.node("Concat", {"n1", "minus_one"}, {"shape2"}, "shape_concat").i("axis", 0);
  b.node("Reshape", {"x", "shape2"}, {"flat"}, "flatten");
  b.node("Gemm", {"flat", "w"}, {"y"}, "fc").i("transB", 1);
  const auto setup = place(b);
  EXPECT_EQ(activation_tensors(setup), (std::set<std::string>{"x"}));
  EXPECT_EQ(find_activation(setup, "x")->consumers, (Consumers{{4, 0}}));  // above Reshape
  EXPECT_EQ(find_skipped(setup, "int_mul"), nullptr);  // nothing float to report
}

TEST(Placement, WeightFromAConstantNodeKeepsTheConvFloat) {
  ModelBuilder b;
  b.input("x", {1, 2, 4, 4}).output("y");
  b.node("Constant", {}, {"w"}, "weight_const")
      .tensor("value", testing::make_float_tensor_proto("", {2, 2, 1, 1}, {1, 0, 0, 1}));
  b.node("Conv", {"x", "w"}, {"y"}, "conv");
  const auto setup = place(b);
  EXPECT_TRUE(setup.activations.empty());
  EXPECT_TRUE(setup.weights.empty());
  const auto* s = find_skipped(setup, "conv");
  ASSERT_NE(s, nullptr);
  EXPECT_TRUE(contains(s->reason, "not an initializer")) << s->reason;
}

TEST(Placement, SubgraphNodesStayFloatAndAreReported) {
  ModelBuilder then_branch;
  then_branch.output("t");
  then_branch.node("Relu", {"r"}, {"t"});
  ModelBuilder else_branch;
  else_branch.output("e");
  else_branch.node("Neg", {"r"}, {"e"});
  ModelBuilder b;
  b.input("x", {1, 4, 4, 4}).input("cond", {}, onnx::TensorProto_DataType_BOOL);
  b.output("y").output("branch_out");
  b.random_initializer("w", {4, 4, 1, 1}, 1);
  b.node("MaxPool", {"x"}, {"r"}, "pool").ints("kernel_shape", {1, 1});
  b.node("If", {"cond"}, {"branch_out"}, "branch")
      .graph("then_branch", then_branch.model().graph())
      .graph("else_branch", else_branch.model().graph());
  b.node("Conv", {"r", "w"}, {"y"}, "conv");
  const auto setup = place(b);
  const auto* s = find_skipped(setup, "branch");
  ASSERT_NE(s, nullptr);
  EXPECT_TRUE(contains(s->reason, "branches are quantized as models of their own")) << s->reason;
  // "r" is read by the subgraph: the quantizer cannot move above the MaxPool.
  EXPECT_EQ(activation_tensors(setup), (std::set<std::string>{"r"}));
  EXPECT_TRUE(contains(find_activation(setup, "r")->reason, "subgraph"));
}

TEST(Placement, WeightIdsStayUniqueWhenNodeNamesRepeat) {
  ModelBuilder b;
  b.input("x", {1, 2, 4, 4}).output("y");
  b.random_initializer("w1", {2, 2, 1, 1}, 1).random_initializer("w2", {2, 2, 1, 1}, 2);
  b.node("Conv", {"x", "w1"}, {"a"}, "conv");
  b.node("Relu", {"a"}, {"r"}, "relu");
  b.node("Conv", {"r", "w2"}, {"y"}, "conv");
  const auto setup = place(b);
  ASSERT_EQ(setup.weights.size(), 2u);
  EXPECT_EQ(setup.weights[0].id, "w:conv");
  EXPECT_EQ(setup.weights[1].id, "w:conv#2");
}

TEST(Placement, MalformedGraphIsAnInvalidModelError) {
  ModelBuilder b;
  b.input("x", {1}).output("y");
  b.node("Relu", {"missing"}, {"y"}, "relu");
  auto setup = place_quantizers(b.model(), {});
  ASSERT_FALSE(setup.ok());
  EXPECT_EQ(setup.status().code(), StatusCode::kInvalidModel);
  EXPECT_TRUE(contains(setup.status().message(), "'missing'"));
}

}  // namespace
}  // namespace qac
