#include "quant/scheme.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace qac {
namespace {

QParams params(float lo, float hi, Preset preset, bool force_symmetric = false) {
  Result<QParams> r = activation_qparams(lo, hi, preset, force_symmetric, "t");
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  return r.ok() ? r.value() : QParams{};
}

TEST(SchemeTest, PerformanceNonNegativeIsUnsignedWithZeroPointZero) {
  const QParams p = params(0.5f, 6.0f, Preset::kPerformance);  // widened to [0, 6]
  EXPECT_EQ(p.dtype, DType::kUInt8);
  EXPECT_EQ(p.zero_point, 0);
  EXPECT_FLOAT_EQ(p.scale, 6.0f / 255.0f);
  EXPECT_FLOAT_EQ(p.real_max(), 6.0f);
}

TEST(SchemeTest, PerformanceSignedUsesAbsMaxOver127) {
  const QParams p = params(-2.0f, 5.0f, Preset::kPerformance);
  EXPECT_EQ(p.dtype, DType::kInt8);
  EXPECT_EQ(p.zero_point, 0);
  EXPECT_FLOAT_EQ(p.scale, 5.0f / 127.0f);
  // Both ends of [-absmax, absmax] are representable without clipping.
  EXPECT_FLOAT_EQ(fake_quantize(5.0f, p), 5.0f);
  EXPECT_FLOAT_EQ(fake_quantize(-5.0f, p), -5.0f);
  EXPECT_EQ(quantize_value(-100.0f, p), kInt8Min);
}

TEST(SchemeTest, NegativeOnlyRangeIsWidenedToZero) {
  const QParams p = params(-4.0f, -1.0f, Preset::kPerformance);
  EXPECT_EQ(p.dtype, DType::kInt8);
  EXPECT_FLOAT_EQ(p.scale, 4.0f / 127.0f);
  const QParams m = params(-4.0f, -1.0f, Preset::kMixed);
  EXPECT_EQ(m.zero_point, 255);
  EXPECT_FLOAT_EQ(m.real_max(), 0.0f);
}

TEST(SchemeTest, MixedIsAsymmetricWithIntegerZeroPoint) {
  const QParams p = params(-1.0f, 3.0f, Preset::kMixed);
  EXPECT_EQ(p.dtype, DType::kUInt8);
  EXPECT_FLOAT_EQ(p.scale, 4.0f / 255.0f);
  EXPECT_EQ(p.zero_point, static_cast<int32_t>(std::nearbyint(1.0f / (4.0f / 255.0f))));  // 64
  EXPECT_EQ(p.zero_point, 64);
  EXPECT_FLOAT_EQ(fake_quantize(0.0f, p), 0.0f);  // zero is exact
  EXPECT_NEAR(p.real_min(), -1.0f, p.scale / 2);
  EXPECT_NEAR(p.real_max(), 3.0f, p.scale / 2);
}

TEST(SchemeTest, MixedNonNegativeHasZeroPointZero) {
  const QParams p = params(1.0f, 2.0f, Preset::kMixed);
  EXPECT_EQ(p.zero_point, 0);
  EXPECT_FLOAT_EQ(p.scale, 2.0f / 255.0f);
}

TEST(SchemeTest, ForceSymmetricOverridesMixed) {
  const QParams s = params(-1.0f, 3.0f, Preset::kMixed, /*force_symmetric=*/true);
  EXPECT_EQ(s.dtype, DType::kInt8);
  EXPECT_EQ(s.zero_point, 0);
  EXPECT_FLOAT_EQ(s.scale, 3.0f / 127.0f);
  const QParams u = params(0.0f, 1.0f, Preset::kMixed, /*force_symmetric=*/true);
  EXPECT_EQ(u.dtype, DType::kUInt8);
  EXPECT_EQ(u.zero_point, 0);
}

TEST(SchemeTest, DegenerateRanges) {
  for (Preset preset : {Preset::kPerformance, Preset::kMixed}) {
    const QParams z = params(0.0f, 0.0f, preset);
    EXPECT_FLOAT_EQ(z.scale, kZeroRangeScale);
    EXPECT_EQ(z.zero_point, 0);
    EXPECT_EQ(fake_quantize(0.0f, z), 0.0f);
    const QParams tiny = params(0.0f, 1e-30f, preset);
    EXPECT_GE(tiny.scale, kMinScale);
    EXPECT_TRUE(std::isfinite(1e20f / tiny.scale));
  }
}

TEST(SchemeTest, NonFiniteRangeNamesTheTensor) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  Result<QParams> r = activation_qparams(nan, 1.0f, Preset::kPerformance, false, "conv1_out");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidData);
  EXPECT_NE(r.status().message().find("conv1_out"), std::string::npos);
  EXPECT_FALSE(activation_qparams(0.0f, inf, Preset::kMixed, false, "x").ok());
}

TEST(SchemeTest, QuantizeRoundsHalfToEvenAndSaturates) {
  QParams p;
  p.scale = 1.0f;
  p.zero_point = 0;
  p.dtype = DType::kInt8;
  EXPECT_EQ(quantize_value(2.5f, p), 2);
  EXPECT_EQ(quantize_value(3.5f, p), 4);
  EXPECT_EQ(quantize_value(-2.5f, p), -2);
  EXPECT_EQ(quantize_value(1000.0f, p), 127);
  EXPECT_EQ(quantize_value(-1000.0f, p), -128);
  p.dtype = DType::kUInt8;
  p.zero_point = 10;
  EXPECT_EQ(quantize_value(-20.0f, p), 0);
  EXPECT_EQ(quantize_value(0.5f, p), 10);
  EXPECT_FLOAT_EQ(dequantize_value(12, p), 2.0f);
}

}  // namespace
}  // namespace qac
