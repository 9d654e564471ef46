#include "core/float_scan.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

namespace qac {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

std::vector<float> random_floats(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-100.0f, 100.0f);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

FiniteRange reference_range(const std::vector<float>& v) {
  FiniteRange r{kInf, -kInf, 0};
  for (float x : v) {
    if (!std::isfinite(x)) {
      ++r.nonfinite;
      continue;
    }
    r.lo = std::min(r.lo, x);
    r.hi = std::max(r.hi, x);
  }
  return r;
}

// Every length around the vector widths (8 and 16 lanes) and the extreme at every position, so
// that the vector body, the lane reduction and the scalar tail are all exercised.
TEST(FloatScanTest, RangeMatchesScalarReferenceForEveryLengthAndPosition) {
  for (size_t n = 0; n <= 40; ++n) {
    for (size_t pos = 0; pos < std::max<size_t>(n, 1); ++pos) {
      std::vector<float> v = random_floats(n, static_cast<uint32_t>(n));
      if (n > 0) {
        v[pos] = 1000.0f;
        v[(pos * 7) % n] = -1000.0f;
      }
      SCOPED_TRACE(::testing::Message() << "n=" << n << " pos=" << pos);
      const RangeScan fast = scan_range(v.data(), n);
      const FiniteRange exact = finite_range(v.data(), n);
      const FiniteRange ref = reference_range(v);
      EXPECT_EQ(fast.lo, ref.lo);
      EXPECT_EQ(fast.hi, ref.hi);
      EXPECT_FALSE(fast.any_nan);
      EXPECT_EQ(exact.lo, ref.lo);
      EXPECT_EQ(exact.hi, ref.hi);
      EXPECT_EQ(exact.nonfinite, 0u);
    }
  }
}

TEST(FloatScanTest, NonFiniteValuesAreFlaggedAndLeftOut) {
  for (size_t n : {size_t{1}, size_t{7}, size_t{16}, size_t{33}, size_t{1000}}) {
    for (float bad : {kNaN, kInf, -kInf}) {
      for (size_t pos : {size_t{0}, n / 2, n - 1}) {
        std::vector<float> v = random_floats(n, 5);
        v[pos] = bad;
        SCOPED_TRACE(::testing::Message() << "n=" << n << " bad=" << bad << " pos=" << pos);
        const RangeScan fast = scan_range(v.data(), n);
        EXPECT_FALSE(fast.all_finite());
        EXPECT_EQ(fast.any_nan, std::isnan(bad));
        const FiniteRange exact = finite_range(v.data(), n);
        const FiniteRange ref = reference_range(v);
        EXPECT_EQ(exact.nonfinite, 1u);
        EXPECT_EQ(exact.lo, ref.lo);
        EXPECT_EQ(exact.hi, ref.hi);
      }
    }
  }
  const std::vector<float> all_nan(20, kNaN);
  const FiniteRange none = finite_range(all_nan.data(), all_nan.size());
  EXPECT_EQ(none.nonfinite, 20u);
  EXPECT_GT(none.lo, none.hi);
}

TEST(FloatScanTest, SumsAreCloseToDoublePrecision) {
  for (size_t n : {size_t{0}, size_t{5}, size_t{1023}, size_t{1024}, size_t{5000}, size_t{100000}}) {
    const std::vector<float> v = random_floats(n, 9);
    double ref = 0.0;
    for (float x : v) ref += x;
    EXPECT_NEAR(sum_floats(v.data(), n), ref, 1e-5 * (1.0 + static_cast<double>(n))) << n;
  }
}

TEST(FloatScanTest, ChannelSumsDoNotDependOnHowChannelsAreSplit) {
  constexpr size_t kOuter = 3, kChannels = 10;
  for (size_t inner : {size_t{1}, size_t{50}}) {
    const std::vector<float> v = random_floats(kOuter * kChannels * inner, 11);
    std::vector<double> whole(kChannels, 0.0), split(kChannels, 0.0);
    accumulate_channel_sums(v.data(), kOuter, kChannels, inner, 0, kChannels, whole.data());
    accumulate_channel_sums(v.data(), kOuter, kChannels, inner, 0, 3, split.data());
    accumulate_channel_sums(v.data(), kOuter, kChannels, inner, 3, kChannels, split.data());
    EXPECT_EQ(whole, split);
    for (size_t c = 0; c < kChannels; ++c) {
      double ref = 0.0;
      for (size_t o = 0; o < kOuter; ++o) {
        for (size_t i = 0; i < inner; ++i) ref += v[(o * kChannels + c) * inner + i];
      }
      EXPECT_NEAR(whole[c], ref, 1e-3) << "inner " << inner << " channel " << c;
    }
  }
}

TEST(FloatScanTest, ColumnAbsMaxIgnoresNaN) {
  const std::vector<float> m = {1.0f, -5.0f, kNaN,  //
                                -3.0f, 2.0f, 0.5f};
  std::vector<float> absmax = {0.0f, 0.0f, 0.0f};
  accumulate_column_absmax(m.data(), 2, 3, absmax.data());
  EXPECT_EQ(absmax, (std::vector<float>{3.0f, 5.0f, 0.5f}));
}

}  // namespace
}  // namespace qac
