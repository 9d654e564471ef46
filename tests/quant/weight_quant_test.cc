#include "quant/weight_quant.h"

#include "quant/target.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace qac {
namespace {

Tensor make_float(std::vector<int64_t> shape, const std::vector<float>& values) {
  Tensor t(DType::kFloat32, std::move(shape));
  EXPECT_EQ(t.numel(), values.size());
  std::copy(values.begin(), values.end(), t.data<float>());
  return t;
}

TEST(WeightQuantTest, PerOutputChannelAxis0) {
  // Two output channels of a [2, 3] weight, absmax 127 and 254: scales 1 and 2 (exact).
  const Tensor w = make_float({2, 3}, {127.0f, -63.5f, 0.5f, 0.0f, -254.0f, 127.0f});
  Result<QuantizedWeight> r = quantize_weight_per_channel(w, 0, kWeightQMaxNarrow, "w");
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  const QuantizedWeight& qw = r.value();
  ASSERT_EQ(qw.scales.size(), 2u);
  EXPECT_FLOAT_EQ(qw.scales[0], 1.0f);
  EXPECT_FLOAT_EQ(qw.scales[1], 2.0f);
  const int8_t* q = qw.q.data<int8_t>();
  EXPECT_EQ(q[0], 127);
  EXPECT_EQ(q[1], -64);  // -63.5 -> half to even: -64
  EXPECT_EQ(q[2], 0);    // 0.5 -> 0
  EXPECT_EQ(q[4], -127);
  EXPECT_EQ(q[5], 64);   // 127 / 2 = 63.5 -> 64
  const Tensor dq = dequantize_weight(qw);
  for (size_t i = 0; i < w.numel(); ++i) {
    const float s = qw.scales[i / 3];
    EXPECT_NEAR(dq.data<float>()[i], w.data<float>()[i], s / 2 + 1e-7f);
  }
}

TEST(WeightQuantTest, AxisOneAndNegativeAxis) {
  // MatMul weight [K=2, N=3]: channels are columns.
  const Tensor w = make_float({2, 3}, {1.0f, -4.0f, 0.0f, -2.0f, 1.0f, 0.0f});
  Result<QuantizedWeight> r = quantize_weight_per_channel(w, -1, kWeightQMaxOverflowFix, "w");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->axis, 1);
  ASSERT_EQ(r->scales.size(), 3u);
  EXPECT_FLOAT_EQ(r->scales[0], 2.0f / 63.0f);
  EXPECT_FLOAT_EQ(r->scales[1], 4.0f / 63.0f);
  EXPECT_FLOAT_EQ(r->scales[2], kZeroChannelScale);  // all-zero column
  const int8_t* q = r->q.data<int8_t>();
  EXPECT_EQ(q[1], -63);
  EXPECT_EQ(q[3], -63);
  EXPECT_EQ(q[2], 0);
  EXPECT_EQ(q[5], 0);
  for (size_t i = 0; i < 6; ++i) EXPECT_LE(std::abs(q[i]), kWeightQMaxOverflowFix);
}

TEST(WeightQuantTest, BadWeightsNameTheTensor) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  Result<QuantizedWeight> r =
      quantize_weight_per_channel(make_float({2}, {1.0f, nan}), 0, 127, "conv.weight");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("conv.weight"), std::string::npos);
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_FALSE(quantize_weight_per_channel(make_float({2}, {inf, 1.0f}), 0, 127, "w").ok());
  Result<QuantizedWeight> bad_axis =
      quantize_weight_per_channel(make_float({2}, {1.0f, 2.0f}), 1, 127, "fc.weight");
  ASSERT_FALSE(bad_axis.ok());
  EXPECT_NE(bad_axis.status().message().find("fc.weight"), std::string::npos);
  EXPECT_FALSE(quantize_weight_per_channel(Tensor(DType::kInt8, {2}), 0, 127, "w").ok());
}

TEST(WeightQuantTest, OverflowFixFromTarget) {
  QuantizationOptions o;
  o.target = Target::kCpuAvx2;
  EXPECT_EQ(effective_overflow_fix(o), OverflowFix::kEnable);
  o.target = Target::kCpuVnni;
  EXPECT_EQ(effective_overflow_fix(o), OverflowFix::kDisable);
  o.target = Target::kAny;
  EXPECT_EQ(effective_overflow_fix(o), OverflowFix::kDisable);
  o.overflow_fix = OverflowFix::kFirstLayer;
  EXPECT_EQ(effective_overflow_fix(o), OverflowFix::kFirstLayer);
}

TEST(WeightQuantTest, WeightQMax) {
  EXPECT_EQ(weight_qmax(OverflowFix::kEnable, false), 63);
  EXPECT_EQ(weight_qmax(OverflowFix::kFirstLayer, true), 63);
  EXPECT_EQ(weight_qmax(OverflowFix::kFirstLayer, false), 127);
  EXPECT_EQ(weight_qmax(OverflowFix::kDisable, true), 127);
  // The overflow-fix bound: a pair of u8 x s8 products fits int16.
  EXPECT_LE(2 * 255 * kWeightQMaxOverflowFix, std::numeric_limits<int16_t>::max());
  EXPECT_GT(2 * 255 * kWeightQMaxNarrow, std::numeric_limits<int16_t>::max());
}

TEST(WeightQuantTest, ResolveTarget) {
  const Target host = resolve_target(Target::kHost);
  EXPECT_NE(host, Target::kHost);
  EXPECT_EQ(resolve_target(Target::kCpuAvx2), Target::kCpuAvx2);
  EXPECT_EQ(resolve_target(Target::kAny), Target::kAny);
#if defined(__x86_64__)
  // Cross-check the cpuid decoding with the kernel's view of the CPU flags.
  FILE* f = std::fopen("/proc/cpuinfo", "r");
  if (f == nullptr) GTEST_SKIP() << "no /proc/cpuinfo";
  std::string text;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
  std::fclose(f);
  const bool kernel_vnni = text.find(" avx512_vnni") != std::string::npos ||
                           text.find(" avx_vnni") != std::string::npos;
  EXPECT_EQ(host == Target::kCpuVnni, kernel_vnni);
#endif
}

}  // namespace
}  // namespace qac
