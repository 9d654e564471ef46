// Bias correction moves the per-channel output means of quantized layers back to FP32's.
#include "quant/bias_correction.h"

#include <gtest/gtest.h>

#include <cmath>

#include "onnx/model_io.h"
#include "quant/pipeline.h"
#include "runtime/session.h"
#include "support/memory_dataset.h"
#include "support/model_builder.h"

namespace qac {
namespace {

using testing::MemoryDataset;
using testing::ModelBuilder;

constexpr int64_t kSamples = 64, kIn = 4, kOut = 8, kSide = 6;

// x [N,4,6,6] -> depthwise-free Conv 3x3 (zero bias) -> Relu -> grouped Conv 1x1 (no bias) -> y
onnx::ModelProto two_conv_model() {
  ModelBuilder b;
  b.input("x", {-1, kIn, kSide, kSide}).output("y");
  b.random_initializer("w1", {kOut, kIn, 3, 3}, 7).initializer("b1", {kOut}, std::vector<float>(kOut, 0.0f));
  b.random_initializer("w2", {kOut, kOut / 2, 1, 1}, 11);
  b.node("Conv", {"x", "w1", "b1"}, {"c1"}, "conv1").ints("pads", {1, 1, 1, 1});
  b.node("Relu", {"c1"}, {"r1"}, "relu1");
  b.node("Conv", {"r1", "w2"}, {"y"}, "conv2").i("group", 2);
  return b.build();
}

// Per-channel means of output `name` over the dataset, from ONNX Runtime.
std::vector<double> channel_means(const onnx::ModelProto& model, const Tensor& x) {
  auto session = Session::create(serialize(model), SessionOptions{}, "test model");
  EXPECT_TRUE(session.ok()) << session.status().to_string();
  auto out = (*session)->run({{"x", x}});
  EXPECT_TRUE(out.ok()) << out.status().to_string();
  const Tensor& y = out->front();
  const size_t per_channel = static_cast<size_t>(kSide * kSide);
  std::vector<double> mean(kOut, 0.0);
  const float* v = y.data<float>();
  for (int64_t n = 0; n < kSamples; ++n) {
    for (int64_t c = 0; c < kOut; ++c) {
      for (size_t i = 0; i < per_channel; ++i) mean[c] += v[(n * kOut + c) * per_channel + i];
    }
  }
  for (double& m : mean) m /= static_cast<double>(kSamples * per_channel);
  return mean;
}

double mean_abs_gap(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += std::fabs(a[i] - b[i]);
  return s / static_cast<double>(a.size());
}

// The quantized model under `mode` ("none", "fast", "full"), 6-bit weights to make the weight
// error visible.
onnx::ModelProto quantized(const MemoryDataset& data, const std::string& mode) {
  QuantizationOptions o;
  o.target = Target::kOpenVino;  // conv2 writes the graph output: no ONNX Runtime unit, no correction
  o.overflow_fix = OverflowFix::kEnable;
  o.bias_correction = mode == "none" ? BiasCorrection::kNone : mode == "fast" ? BiasCorrection::kFast : BiasCorrection::kFull;
  auto cm = prepare(two_conv_model(), o, nullptr);
  EXPECT_TRUE(cm.ok()) << cm.status().to_string();
  EXPECT_TRUE(calibrate(*cm, data, o, nullptr).ok());
  QuantizationReport report;
  Status s = parameterize(*cm, o, &data, &report);
  EXPECT_TRUE(s.ok()) << s.to_string();
  if (mode != "none") {
    // Both layers corrected, the bias-free grouped Conv included.
    EXPECT_EQ(cm->params.corrected_bias.count("conv1"), 1u);
    EXPECT_EQ(cm->params.corrected_bias.count("conv2"), 1u);
  }
  auto q = emit(*cm, {}, o, nullptr);
  EXPECT_TRUE(q.ok()) << q.status().to_string();
  return *q;
}

TEST(BiasCorrection, FastAndFullBringOutputMeansCloserToFp32) {
  // Inputs with a large positive mean make the weight error show up in the output means.
  const Tensor x = testing::random_tensor({kSamples, kIn, kSide, kSide}, 3, 0.5f, 2.5f);
  const MemoryDataset data({{"x", x}});
  const std::vector<double> fp32 = channel_means(two_conv_model(), x);
  const double none = mean_abs_gap(channel_means(quantized(data, "none"), x), fp32);
  const double fast = mean_abs_gap(channel_means(quantized(data, "fast"), x), fp32);
  const double full = mean_abs_gap(channel_means(quantized(data, "full"), x), fp32);
  std::printf("mean |channel mean - FP32|: none %.5f, fast %.5f, full %.5f\n", none, fast, full);
  EXPECT_LT(fast, 0.5 * none);
  EXPECT_LT(full, 0.5 * none);
}

}  // namespace
}  // namespace qac
