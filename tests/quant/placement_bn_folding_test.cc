// BatchNormalization folding (quant/fusion.h): the folded model computes the same outputs in
// ONNX Runtime, and placement then puts no quantizer between the op and its activation.
#include <gtest/gtest.h>

#include <cmath>

#include "quant/fusion.h"
#include "quant/placement.h"
#include "quant/placement_test_util.h"
#include "runtime/session.h"
#include "support/model_builder.h"

namespace qac {
namespace {

using testing::activation_tensors;
using testing::contains;
using testing::ModelBuilder;
using testing::random_tensor;

constexpr float kTolerance = 1e-5f;

// Adds BN parameters "<name>.{scale,bias,mean,var}" for `channels` channels.
void add_bn_parameters(ModelBuilder& b, const std::string& name, int64_t channels,
                       uint32_t seed) {
  b.random_initializer(name + ".scale", {channels}, seed, 0.5f, 1.5f);
  b.random_initializer(name + ".bias", {channels}, seed + 1, -0.5f, 0.5f);
  b.random_initializer(name + ".mean", {channels}, seed + 2, -0.5f, 0.5f);
  b.random_initializer(name + ".var", {channels}, seed + 3, 0.25f, 2.0f);
}

void add_bn(ModelBuilder& b, const std::string& name, const std::string& in,
            const std::string& out) {
  b.node("BatchNormalization",
         {in, name + ".scale", name + ".bias", name + ".mean", name + ".var"}, {out}, name)
      .f("epsilon", 1e-3f);
}

std::vector<Tensor> run(const onnx::ModelProto& model, const NamedTensors& feeds) {
  SessionOptions options;
  options.optimization = OptimizationLevel::kDisabled;  // compare our folding, not ORT's
  auto session = Session::create(model.SerializeAsString(), options, "bn test");
  EXPECT_TRUE(session.ok()) << session.status().to_string();
  if (!session.ok()) return {};
  auto outputs = (*session)->run(feeds);
  EXPECT_TRUE(outputs.ok()) << outputs.status().to_string();
  return outputs.ok() ? std::move(outputs).value() : std::vector<Tensor>{};
}

int count_op(const onnx::ModelProto& model, const std::string& op_type) {
  int n = 0;
  for (const auto& node : model.graph().node()) n += node.op_type() == op_type;
  return n;
}

// Folds `b`'s model and checks: `expected_folds` BNs gone, outputs unchanged within 1e-5.
std::vector<std::string> fold_and_compare(const ModelBuilder& b, const NamedTensors& feeds,
                                          int expected_folds) {
  const onnx::ModelProto original = b.build();
  onnx::ModelProto folded = b.build();
  std::vector<std::string> log;
  Status s = fold_batch_norms(folded, &log);
  EXPECT_TRUE(s.ok()) << s.to_string();
  EXPECT_EQ(count_op(original, "BatchNormalization") - count_op(folded, "BatchNormalization"),
            expected_folds);
  const auto before = run(original, feeds);
  const auto after = run(folded, feeds);
  EXPECT_EQ(before.size(), after.size());
  for (size_t o = 0; o < before.size() && o < after.size(); ++o) {
    const auto expected = before[o].to_float();
    const auto actual = after[o].to_float();
    EXPECT_EQ(expected.size(), actual.size());
    if (expected.size() != actual.size()) continue;
    float worst = 0;
    for (size_t i = 0; i < expected.size(); ++i) {
      worst = std::max(worst, std::abs(expected[i] - actual[i]));
    }
    EXPECT_LE(worst, kTolerance) << "output " << o;
  }
  return log;
}

TEST(FoldBatchNorms, ConvWithBiasBnRelu) {
  ModelBuilder b;
  b.input("x", {2, 3, 6, 6}).output("y");
  b.random_initializer("w", {4, 3, 3, 3}, 1).random_initializer("b", {4}, 2);
  add_bn_parameters(b, "bn", 4, 10);
  b.node("Conv", {"x", "w", "b"}, {"c"}, "conv").ints("pads", {1, 1, 1, 1});
  add_bn(b, "bn", "c", "n");
  b.node("Relu", {"n"}, {"y"}, "relu");
  b.value_info("c", {2, 4, 6, 6});
  const auto log = fold_and_compare(b, {{"x", random_tensor({2, 3, 6, 6}, 7)}}, 1);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0], "folded BatchNormalization 'bn' into Conv 'conv'");
}

TEST(FoldBatchNorms, ConvWithoutBiasGetsOne) {
  ModelBuilder b;
  b.input("x", {1, 3, 5, 5}).output("y");
  b.random_initializer("w", {4, 3, 3, 3}, 1);
  add_bn_parameters(b, "bn", 4, 20);
  b.node("Conv", {"x", "w"}, {"c"}, "conv");
  add_bn(b, "bn", "c", "y");
  fold_and_compare(b, {{"x", random_tensor({1, 3, 5, 5}, 8)}}, 1);
  onnx::ModelProto folded = b.build();
  ASSERT_TRUE(fold_batch_norms(folded, nullptr).ok());
  ASSERT_EQ(folded.graph().node_size(), 1);
  EXPECT_EQ(folded.graph().node(0).input_size(), 3);  // bias added
  EXPECT_EQ(folded.graph().node(0).output(0), "y");
  EXPECT_EQ(folded.graph().initializer_size(), 2);   // BN parameters removed
}

TEST(FoldBatchNorms, GroupedConvTranspose) {
  ModelBuilder b;
  b.input("x", {1, 4, 3, 3}).output("y");
  b.random_initializer("w", {4, 3, 2, 2}, 1).random_initializer("b", {6}, 2);  // 6 = 3 * 2
  add_bn_parameters(b, "bn", 6, 30);
  b.node("ConvTranspose", {"x", "w", "b"}, {"c"}, "deconv").i("group", 2);
  add_bn(b, "bn", "c", "y");
  fold_and_compare(b, {{"x", random_tensor({1, 4, 3, 3}, 9)}}, 1);
}

TEST(FoldBatchNorms, GemmTransposedAndPlainWithAlphaBeta) {
  ModelBuilder b;
  b.input("x", {3, 6}).output("y1").output("y2");
  b.random_initializer("wt", {5, 6}, 1).random_initializer("ct", {5}, 2);
  b.random_initializer("wp", {6, 5}, 3).random_initializer("cp", {1}, 4);
  add_bn_parameters(b, "bn1", 5, 40);
  add_bn_parameters(b, "bn2", 5, 50);
  b.node("Gemm", {"x", "wt", "ct"}, {"g1"}, "gemm_t").i("transB", 1);
  add_bn(b, "bn1", "g1", "y1");
  b.node("Gemm", {"x", "wp", "cp"}, {"g2"}, "gemm_p").f("alpha", 0.5f).f("beta", 2.0f);
  add_bn(b, "bn2", "g2", "y2");
  fold_and_compare(b, {{"x", random_tensor({3, 6}, 11)}}, 2);
}

TEST(FoldBatchNorms, SharedWeightsAreCopiedNotChangedInPlace) {
  ModelBuilder b;
  b.input("x", {1, 3, 4, 4}).output("y1").output("y2");
  b.random_initializer("w", {4, 3, 1, 1}, 1);
  add_bn_parameters(b, "bn1", 4, 60);
  add_bn_parameters(b, "bn2", 4, 70);
  b.node("Conv", {"x", "w"}, {"c1"}, "conv1");
  add_bn(b, "bn1", "c1", "y1");
  b.node("Conv", {"x", "w"}, {"c2"}, "conv2");
  add_bn(b, "bn2", "c2", "y2");
  fold_and_compare(b, {{"x", random_tensor({1, 3, 4, 4}, 12)}}, 2);
}

TEST(FoldBatchNorms, KeepsBnWhenTheConvOutputHasAnotherReader) {
  ModelBuilder b;
  b.input("x", {1, 3, 4, 4}).output("y").output("c");
  b.random_initializer("w", {4, 3, 1, 1}, 1);
  add_bn_parameters(b, "bn", 4, 80);
  b.node("Conv", {"x", "w"}, {"c"}, "conv");
  add_bn(b, "bn", "c", "y");
  const auto log = fold_and_compare(b, {{"x", random_tensor({1, 3, 4, 4}, 13)}}, 0);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_TRUE(contains(log[0], "kept BatchNormalization 'bn' into Conv 'conv'")) << log[0];
  EXPECT_TRUE(contains(log[0], "other readers")) << log[0];
}

TEST(FoldBatchNorms, PlacementAfterFoldingQuantizesAfterTheRelu) {
  ModelBuilder b;
  b.input("x", {1, 3, 6, 6}).output("y");
  b.random_initializer("w1", {4, 3, 3, 3}, 1).random_initializer("w2", {2, 4, 1, 1}, 2);
  add_bn_parameters(b, "bn", 4, 90);
  b.node("Conv", {"x", "w1"}, {"c"}, "conv1");
  add_bn(b, "bn", "c", "n");
  b.node("Relu", {"n"}, {"r"}, "relu");
  b.node("Conv", {"r", "w2"}, {"y"}, "conv2");
  onnx::ModelProto model = b.build();
  // Unfolded: the BN is float and nothing is placed between Conv, BN and Relu.
  auto unfolded = place_quantizers(model, {});
  ASSERT_TRUE(unfolded.ok());
  EXPECT_EQ(activation_tensors(*unfolded), (std::set<std::string>{"x", "r"}));
  ASSERT_TRUE(fold_batch_norms(model, nullptr).ok());
  auto folded = place_quantizers(model, {});
  ASSERT_TRUE(folded.ok());
  EXPECT_EQ(activation_tensors(*folded), (std::set<std::string>{"x", "r"}));
  EXPECT_EQ(folded->weights.size(), 2u);
}

}  // namespace
}  // namespace qac
