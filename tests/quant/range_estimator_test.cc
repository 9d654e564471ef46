#include "quant/range_estimator.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

namespace qac {
namespace {

constexpr size_t kValuesPerSample = 200;

TensorStats stats_of(const std::vector<float>& values, const std::string& name = "t") {
  TensorStats s(name);
  const size_t samples_per_batch = 10;
  const size_t batch_values = samples_per_batch * kValuesPerSample;
  for (size_t begin = 0; begin < values.size(); begin += batch_values) {
    const size_t n = std::min(batch_values, values.size() - begin);
    const size_t samples = n / kValuesPerSample;
    EXPECT_TRUE(s.add_batch(values.data() + begin,
                            {static_cast<int64_t>(samples), static_cast<int64_t>(kValuesPerSample)},
                            samples)
                    .ok());
  }
  return s;
}

// Actual quantize-dequantize MSE on the raw values.
double actual_mse(const std::vector<float>& values, float lo, float hi, Preset preset) {
  const QParams p = activation_qparams(lo, hi, preset, false, "t").value();
  double sse = 0.0;
  for (float x : values) {
    const double e = x - fake_quantize(x, p);
    sse += e * e;
  }
  return sse / values.size();
}

std::pair<float, float> range_of(const TensorStats& s, RangeEstimator e, Preset preset) {
  Result<std::pair<float, float>> r = estimate_range(s, e, 1e-4, preset, s.name());
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  return r.ok() ? r.value() : std::pair<float, float>{0.0f, 0.0f};
}

// Best MSE over a grid of clipping ranges on the raw values: [-c, c] / [0, c] (symmetric) or
// [-a, b] (mixed, 2-D grid).
double brute_force_mse(const std::vector<float>& values, Preset preset, int steps) {
  float lo = values[0], hi = values[0];
  for (float x : values) { lo = std::min(lo, x); hi = std::max(hi, x); }
  double best = std::numeric_limits<double>::max();
  if (preset == Preset::kPerformance || lo >= 0.0f) {
    const float absmax = std::max(-lo, hi);
    for (int k = 1; k <= steps; ++k) {
      const float c = absmax * k / steps;
      best = std::min(best, actual_mse(values, lo >= 0 ? 0.0f : -c, c, preset));
    }
    return best;
  }
  for (int i = 1; i <= steps; ++i) {
    for (int j = 1; j <= steps; ++j) {
      best = std::min(best, actual_mse(values, lo * i / steps, hi * j / steps, preset));
    }
  }
  return best;
}

std::vector<float> gaussian(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = d(rng);
  return v;
}

// Laplacian(0, 1) with 0.1% outliers of 20x magnitude, optionally shifted.
std::vector<float> laplacian_with_outliers(size_t n, unsigned seed, float shift = 0.0f) {
  std::mt19937 rng(seed);
  std::exponential_distribution<float> e(1.0f);
  std::bernoulli_distribution sign(0.5), outlier(0.001);
  std::vector<float> v(n);
  for (float& x : v) {
    x = (sign(rng) ? 1.0f : -1.0f) * e(rng) * (outlier(rng) ? 20.0f : 1.0f) + shift;
  }
  return v;
}

std::vector<float> relu(std::vector<float> v) {
  for (float& x : v) x = std::max(x, 0.0f);
  return v;
}

void expect_mse_estimate_is_good(const std::vector<float>& values, Preset preset, int brute_steps,
                                 double factor) {
  const TensorStats s = stats_of(values);
  const auto mse_range = range_of(s, RangeEstimator::kMse, preset);
  const auto minmax = range_of(s, RangeEstimator::kMinMax, preset);
  const double mse = actual_mse(values, mse_range.first, mse_range.second, preset);
  const double mse_minmax = actual_mse(values, minmax.first, minmax.second, preset);
  const double brute = brute_force_mse(values, preset, brute_steps);
  EXPECT_LE(mse, mse_minmax * (1 + 1e-9));
  EXPECT_LE(mse, brute * factor) << "range [" << mse_range.first << ", " << mse_range.second << "]";
}

TEST(RangeEstimatorTest, MinMaxAndMeanMinMax) {
  std::vector<float> v(2 * kValuesPerSample, 0.0f);
  v[0] = -1.0f;
  v[1] = 4.0f;
  v[kValuesPerSample] = -3.0f;
  v[kValuesPerSample + 1] = 2.0f;
  const TensorStats s = stats_of(v);
  EXPECT_EQ(range_of(s, RangeEstimator::kMinMax, Preset::kPerformance),
            (std::pair<float, float>{-3.0f, 4.0f}));
  EXPECT_EQ(range_of(s, RangeEstimator::kMeanMinMax, Preset::kPerformance),
            (std::pair<float, float>{-2.0f, 3.0f}));
}

TEST(RangeEstimatorTest, QuantilesOfUniformData) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> d(-1.0f, 3.0f);
  std::vector<float> v(100000);
  for (float& x : v) x = d(rng);
  const TensorStats s = stats_of(v);
  Result<std::pair<float, float>> r =
      estimate_range(s, RangeEstimator::kQuantile, 0.01, Preset::kPerformance, "t");
  ASSERT_TRUE(r.ok());
  EXPECT_NEAR(r->first, -0.96, 0.01);
  EXPECT_NEAR(r->second, 2.96, 0.01);
}

TEST(RangeEstimatorTest, ExpectedSseMatchesMonteCarlo) {
  const std::vector<HistogramBin> bins = {
      {-3.0, -1.0, 50}, {-1.0, 0.3, 100}, {0.3, 2.9, 70}, {0.0, 0.0, 30}, {5.0, 6.0, 5}};
  std::mt19937 rng(5);
  for (const QParams& p : {activation_qparams(-2.0f, 4.0f, Preset::kMixed, false, "t").value(),
                           activation_qparams(-2.0f, 2.0f, Preset::kPerformance, false, "t").value()}) {
    double mc = 0.0;
    const int draws = 200000;
    for (const HistogramBin& b : bins) {
      std::uniform_real_distribution<double> d(b.lo, b.hi);
      double sse = 0.0;
      for (int i = 0; i < draws; ++i) {
        const double x = b.hi > b.lo ? d(rng) : b.lo;
        const double e = x - fake_quantize(static_cast<float>(x), p);
        sse += e * e;
      }
      mc += sse / draws * b.count;
    }
    EXPECT_NEAR(expected_quantization_sse(bins, p), mc, 0.01 * mc);
  }
}

TEST(RangeEstimatorTest, MseOnGaussian) {
  expect_mse_estimate_is_good(gaussian(40000, 11), Preset::kPerformance, 400, 1.05);
}

TEST(RangeEstimatorTest, MseOnLaplacianWithOutliers) {
  const std::vector<float> v = laplacian_with_outliers(40000, 12);
  expect_mse_estimate_is_good(v, Preset::kPerformance, 400, 1.05);
  // Outliers are clipped: the range is much narrower than min-max.
  const TensorStats s = stats_of(v);
  const auto r = range_of(s, RangeEstimator::kMse, Preset::kPerformance);
  EXPECT_LT(r.second, 0.7 * std::max(-s.min(), s.max()));
}

TEST(RangeEstimatorTest, MseOnNonNegativeSearchesOnlyHi) {
  const std::vector<float> v = relu(laplacian_with_outliers(40000, 13));
  expect_mse_estimate_is_good(v, Preset::kPerformance, 400, 1.05);
  const auto r = range_of(stats_of(v), RangeEstimator::kMse, Preset::kPerformance);
  EXPECT_EQ(r.first, 0.0f);
}

TEST(RangeEstimatorTest, MseMixedPresetOnAsymmetricData) {
  // Shifted Laplacian: a lopsided range where an asymmetric clip pays off.
  std::vector<float> v = laplacian_with_outliers(10000, 14, 3.0f);
  expect_mse_estimate_is_good(v, Preset::kMixed, 40, 1.1);
}

TEST(RangeEstimatorTest, KlClipsOutliers) {
  const std::vector<float> v = laplacian_with_outliers(100000, 15);
  const TensorStats s = stats_of(v);
  const auto kl = range_of(s, RangeEstimator::kKl, Preset::kPerformance);
  const float absmax = std::max(-s.min(), s.max());
  EXPECT_LT(kl.second, 0.25f * absmax);
  EXPECT_GT(kl.second, 3.0f);  // keeps the bulk of a unit Laplacian (P(|x| > 3) ~ 5%)
  // Non-negative data (uint8, 256 levels) works as well.
  const TensorStats r = stats_of(relu(v));
  const auto klr = range_of(r, RangeEstimator::kKl, Preset::kPerformance);
  EXPECT_EQ(klr.first, 0.0f);
  EXPECT_GT(klr.second, 3.0f);
  EXPECT_LE(klr.second, r.max());
}

// A bulk near zero and a long tail holding a few percent of the values (as hard-swish outputs
// have): KL's threshold sits at the bulk and clips the tail, whose clipping error dwarfs the
// rounding error it saves. The guard returns the mean min/max range and says why; on rare
// outliers (where clipping pays) and for MSE it keeps the estimator's range.
TEST(RangeEstimatorTest, GuardReplacesARangeThatClipsTheSignal) {
  std::mt19937 rng(3);
  std::normal_distribution<float> bulk(0.0f, 0.3f);
  std::uniform_real_distribution<float> tail(2.0f, 20.0f);
  std::uniform_real_distribution<float> coin(0.0f, 1.0f);
  std::vector<float> v(100000);
  for (float& x : v) x = coin(rng) < 0.03f ? tail(rng) : bulk(rng);
  const TensorStats s = stats_of(v, "heavy_tail");
  const auto kl = range_of(s, RangeEstimator::kKl, Preset::kMixed);
  std::string why;
  auto guarded = estimate_range_guarded(s, RangeEstimator::kKl, 1e-4, Preset::kMixed, "heavy_tail",
                                        ActivationTypes::kUInt8Only, &why);
  ASSERT_TRUE(guarded.ok()) << guarded.status().to_string();
  EXPECT_LT(kl.second, 0.5f * s.max()) << "the case needs KL to clip the tail";
  EXPECT_FLOAT_EQ(guarded->first, static_cast<float>(s.mean_sample_min()));
  EXPECT_FLOAT_EQ(guarded->second, static_cast<float>(s.mean_sample_max()));
  EXPECT_NE(why.find("range guard: tensor 'heavy_tail'"), std::string::npos) << why;
  EXPECT_NE(why.find("clips"), std::string::npos) << why;

  why.clear();
  auto mse = estimate_range_guarded(s, RangeEstimator::kMse, 1e-4, Preset::kMixed, "heavy_tail",
                                    ActivationTypes::kUInt8Only, &why);
  ASSERT_TRUE(mse.ok());
  EXPECT_TRUE(why.empty()) << why;

  const TensorStats outliers = stats_of(laplacian_with_outliers(100000, 15));
  why.clear();
  auto kept = estimate_range_guarded(outliers, RangeEstimator::kKl, 1e-4, Preset::kMixed, "t",
                                     ActivationTypes::kUInt8Only, &why);
  ASSERT_TRUE(kept.ok());
  EXPECT_TRUE(why.empty()) << why;
  EXPECT_EQ(*kept, range_of(outliers, RangeEstimator::kKl, Preset::kMixed));
}

TEST(RangeEstimatorTest, ConstantTensorKeepsItsValue) {
  const TensorStats s = stats_of(std::vector<float>(kValuesPerSample * 3, 0.0f));
  for (RangeEstimator e : {RangeEstimator::kMinMax, RangeEstimator::kMeanMinMax,
                           RangeEstimator::kQuantile, RangeEstimator::kMse, RangeEstimator::kKl}) {
    EXPECT_EQ(range_of(s, e, Preset::kMixed), (std::pair<float, float>{0.0f, 0.0f}));
  }
}

TEST(RangeEstimatorTest, ErrorsNameTheTensor) {
  TensorStats empty("never_run");
  Result<std::pair<float, float>> r =
      estimate_range(empty, RangeEstimator::kMinMax, 1e-4, Preset::kPerformance, "never_run");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("never_run"), std::string::npos);

  TensorStats with_nan("relu_5");
  const float nan = std::numeric_limits<float>::quiet_NaN();
  ASSERT_TRUE(with_nan.add_batch(std::vector<float>{1.0f, nan}.data(), {1, 2}, 1).ok());
  r = estimate_range(with_nan, RangeEstimator::kMeanMinMax, 1e-4, Preset::kPerformance, "relu_5");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("relu_5"), std::string::npos);

  TensorStatsConfig no_hist;
  no_hist.histogram = false;
  TensorStats s("add_2", no_hist);
  ASSERT_TRUE(s.add_batch(std::vector<float>{1.0f, 2.0f}.data(), {1, 2}, 1).ok());
  EXPECT_TRUE(estimate_range(s, RangeEstimator::kMinMax, 1e-4, Preset::kPerformance, "add_2").ok());
  r = estimate_range(s, RangeEstimator::kMse, 1e-4, Preset::kPerformance, "add_2");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("add_2"), std::string::npos);

  const TensorStats g = stats_of(gaussian(kValuesPerSample, 1));
  EXPECT_FALSE(estimate_range(g, RangeEstimator::kQuantile, 0.7, Preset::kPerformance, "t").ok());
  EXPECT_FALSE(estimate_range(g, RangeEstimator::kQuantile, 0.0, Preset::kPerformance, "t").ok());
}

}  // namespace
}  // namespace qac
