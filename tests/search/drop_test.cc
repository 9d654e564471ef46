// Accuracy drop (drop.h) and its bootstrap confidence interval (bootstrap.h).
#include "search/drop.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "search/bootstrap.h"
#include "qac/option_names.h"

namespace qac {
namespace {

constexpr double kTolerance = 1e-12;

TEST(DropTest, AbsoluteDropIsInitialMinusQuantized) {
  EXPECT_NEAR(accuracy_drop(0.80, 0.75, DropType::kAbsolute).value(), 0.05, kTolerance);
  EXPECT_NEAR(accuracy_drop(0.80, 0.85, DropType::kAbsolute).value(), -0.05, kTolerance);
}

TEST(DropTest, RelativeDropIsScaledByTheMagnitudeOfTheInitialMetric) {
  EXPECT_NEAR(accuracy_drop(0.80, 0.76, DropType::kRelative).value(), 0.05, kTolerance);
  EXPECT_NEAR(accuracy_drop(0.80, 0.84, DropType::kRelative).value(), -0.05, kTolerance);  // improvement
  // Negative metrics (e.g. -NMSE): a worse (more negative) value is a positive drop, equal to
  // NNCF's |1 - quantized / initial|.
  EXPECT_NEAR(accuracy_drop(-2.0, -2.5, DropType::kRelative).value(), 0.25, kTolerance);
  EXPECT_NEAR(accuracy_drop(-2.0, -2.5, DropType::kRelative).value(), std::fabs(1 - -2.5 / -2.0), kTolerance);
}

TEST(DropTest, RelativeDropOfAZeroMetricIsAnError) {
  Result<double> drop = accuracy_drop(0.0, 0.1, DropType::kRelative);
  EXPECT_EQ(drop.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(accuracy_drop(0.0, 0.1, DropType::kAbsolute).ok());
}

TEST(DropTest, NonFiniteMetricsAreInvalidData) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(accuracy_drop(nan, 0.5, DropType::kAbsolute).status().code(), StatusCode::kInvalidData);
  EXPECT_EQ(accuracy_drop(0.5, INFINITY, DropType::kRelative).status().code(),
            StatusCode::kInvalidData);
}

TEST(DropTest, ParsesDropTypeNames) {
  EXPECT_EQ(parse_drop_type("absolute").value(), DropType::kAbsolute);
  EXPECT_EQ(parse_drop_type("relative").value(), DropType::kRelative);
  EXPECT_STREQ(drop_type_name(DropType::kRelative), "relative");
  Result<DropType> bad = parse_drop_type("percent");
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("percent"), std::string::npos);
}

// Per-sample 0/1 correctness of a reference with accuracy 0.9 and a candidate that loses
// `true_drop` of the samples on average (it breaks correct samples with probability
// true_drop / 0.9).
struct PairedSample {
  std::vector<double> reference;
  std::vector<double> candidate;
};

PairedSample make_pair_sample(size_t n, double true_drop, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::bernoulli_distribution correct(0.9);
  std::bernoulli_distribution broken(true_drop / 0.9);
  PairedSample sample;
  for (size_t i = 0; i < n; ++i) {
    const double value = correct(rng) ? 1.0 : 0.0;
    sample.reference.push_back(value);
    sample.candidate.push_back(value == 1.0 && broken(rng) ? 0.0 : value);
  }
  return sample;
}

TEST(BootstrapTest, IntervalContainsTheTrueDropOnALargeSample) {
  const double true_drop = 0.03;
  const PairedSample sample = make_pair_sample(20000, true_drop, 5);
  Result<DropInterval> interval =
      bootstrap_drop_interval(sample.reference, sample.candidate, DropType::kAbsolute);
  ASSERT_TRUE(interval.ok()) << interval.status().to_string();
  EXPECT_LT(interval->low, true_drop);
  EXPECT_GT(interval->high, true_drop);
  EXPECT_LE(interval->low, interval->drop);
  EXPECT_GE(interval->high, interval->drop);
  EXPECT_LT(interval->high - interval->low, 0.01);
}

TEST(BootstrapTest, IntervalNarrowsWithMoreSamples) {
  const PairedSample small = make_pair_sample(1000, 0.03, 9);
  const PairedSample large = make_pair_sample(16000, 0.03, 9);
  Result<DropInterval> small_interval =
      bootstrap_drop_interval(small.reference, small.candidate, DropType::kAbsolute);
  Result<DropInterval> large_interval =
      bootstrap_drop_interval(large.reference, large.candidate, DropType::kAbsolute);
  ASSERT_TRUE(small_interval.ok() && large_interval.ok());
  const double small_width = small_interval->high - small_interval->low;
  const double large_width = large_interval->high - large_interval->low;
  // The width shrinks like 1/sqrt(n): 16x the samples, about a quarter of the width.
  EXPECT_LT(large_width, 0.5 * small_width);
  EXPECT_GT(large_width, 0.1 * small_width);
}

TEST(BootstrapTest, IsDeterministicAndSupportsRelativeDrops) {
  const PairedSample sample = make_pair_sample(2000, 0.02, 3);
  Result<DropInterval> first = bootstrap_drop_interval(sample.reference, sample.candidate, DropType::kRelative);
  Result<DropInterval> second = bootstrap_drop_interval(sample.reference, sample.candidate, DropType::kRelative);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->low, second->low);
  EXPECT_EQ(first->high, second->high);
  Result<DropInterval> absolute = bootstrap_drop_interval(sample.reference, sample.candidate, DropType::kAbsolute);
  ASSERT_TRUE(absolute.ok());
  // relative = absolute / reference mean (about 0.9)
  EXPECT_NEAR(first->drop, absolute->drop / 0.9, 0.002);
  BootstrapOptions other_seed;
  other_seed.seed = 1234;
  Result<DropInterval> reseeded =
      bootstrap_drop_interval(sample.reference, sample.candidate, DropType::kRelative, other_seed);
  ASSERT_TRUE(reseeded.ok());
  EXPECT_NE(reseeded->low, first->low);
  EXPECT_DOUBLE_EQ(reseeded->drop, first->drop);
}

TEST(BootstrapTest, RejectsBadInputs) {
  EXPECT_EQ(bootstrap_drop_interval({}, {}, DropType::kAbsolute).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(bootstrap_drop_interval({1, 0}, {1}, DropType::kAbsolute).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(bootstrap_drop_interval({1, NAN}, {1, 0}, DropType::kAbsolute).status().code(),
            StatusCode::kInvalidData);
  BootstrapOptions options;
  options.confidence = 1.0;
  EXPECT_EQ(bootstrap_drop_interval({1, 0}, {1, 0}, DropType::kAbsolute, options).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(bootstrap_drop_interval({0, 0}, {0, 0}, DropType::kRelative).status().code(),
            StatusCode::kInvalidArgument);  // reference mean 0
}

}  // namespace
}  // namespace qac
