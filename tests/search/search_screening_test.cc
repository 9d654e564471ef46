// Screening (ConfigOracle::screen): search_qac screens only strict subsets and never reports a
// screened answer as a measurement; search_nncf never screens (NNCF evaluates every model it
// ranks).
#include <gtest/gtest.h>

#include <vector>

#include "search/search_nncf.h"
#include "search/search_qac.h"
#include "support/synthetic_oracle.h"
// tests/CMakeLists.txt builds one executable per *_test.cc without a shared support library,
// so the support implementation is compiled into this test.
#include "support/synthetic_oracle.cc"  // NOLINT(bugprone-suspicious-include)

namespace qac {
namespace {

using testing::SyntheticOracle;
using testing::SyntheticSpec;
using testing::make_synthetic_model;

enum class ScreenAnswer {
  kExact,     // what evaluate() answers
  kOptimist,  // every sample as FP32 has it: every configuration looks within budget
};

// Forwards to a SyntheticOracle; screen() answers per `answer`, marked approximate, and records
// the sample counts it was asked for.
class ScreeningOracle : public ConfigOracle {
 public:
  ScreeningOracle(SyntheticOracle& inner, ScreenAnswer answer) : inner_(inner), answer_(answer) {}

  size_t num_groups() const override { return inner_.num_groups(); }
  size_t num_samples() const override { return inner_.num_samples(); }
  Result<Evaluation> evaluate(const std::vector<int>& reverted, const std::vector<size_t>& samples) override {
    return inner_.evaluate(reverted, samples);
  }
  Result<Evaluation> screen(const std::vector<int>& reverted, const std::vector<size_t>& samples) override {
    screened_sizes_.push_back(samples.size());
    Result<Evaluation> answer = answer_ == ScreenAnswer::kExact ? inner_.evaluate(reverted, samples)
                                                                : inner_.evaluate_fp32(samples);
    if (answer.ok()) answer->approximate = true;
    return answer;
  }
  Result<Evaluation> evaluate_fp32(const std::vector<size_t>& samples) override {
    return inner_.evaluate_fp32(samples);
  }
  Result<double> output_nmse(const std::vector<int>& reverted, const std::vector<size_t>& samples) override {
    return inner_.output_nmse(reverted, samples);
  }
  Result<std::vector<double>> sensitivity() override { return inner_.sensitivity(); }
  size_t samples_evaluated() const override { return inner_.samples_evaluated(); }

  const std::vector<size_t>& screened_sizes() const { return screened_sizes_; }

 private:
  SyntheticOracle& inner_;
  ScreenAnswer answer_;
  std::vector<size_t> screened_sizes_;
};

SyntheticSpec spec_with_seed(uint64_t seed) {
  SyntheticSpec spec;
  spec.seed = seed;
  spec.num_samples = 2000;
  spec.num_groups = 60;
  spec.num_interactions = 2;
  return spec;
}

TEST(SearchScreening, QacScreensStrictSubsetsAndDecidesOnMeasurements) {
  for (uint64_t seed = 101; seed <= 104; ++seed) {
    SyntheticOracle plain_oracle(make_synthetic_model(spec_with_seed(seed)));
    SyntheticOracle inner(make_synthetic_model(spec_with_seed(seed)));
    ScreeningOracle screening(inner, ScreenAnswer::kExact);
    const SearchOptions options;
    Result<SearchResult> plain = search_qac(plain_oracle, options);
    Result<SearchResult> screened = search_qac(screening, options);
    ASSERT_TRUE(plain.ok() && screened.ok());

    ASSERT_FALSE(screening.screened_sizes().empty()) << "seed " << seed;
    for (size_t size : screening.screened_sizes()) {
      EXPECT_GT(size, 0u);
      EXPECT_LT(size, inner.num_samples());
    }
    size_t approximate_steps = 0;
    for (const SearchStep& step : screened->steps) {
      if (step.approximate) ++approximate_steps;
      EXPECT_FALSE(step.approximate && step.full_set) << "seed " << seed;
    }
    EXPECT_GT(approximate_steps, 0u);
    // Exact screens change nothing.
    EXPECT_EQ(screened->reverted, plain->reverted) << "seed " << seed;
    EXPECT_EQ(screened->metric, plain->metric) << "seed " << seed;
    EXPECT_EQ(screened->evaluations, plain->evaluations) << "seed " << seed;
  }
}

TEST(SearchScreening, AnOptimisticScreenCannotMakeQacClaimAMissedBudget) {
  for (uint64_t seed = 111; seed <= 114; ++seed) {
    SyntheticOracle inner(make_synthetic_model(spec_with_seed(seed)));
    ScreeningOracle screening(inner, ScreenAnswer::kOptimist);
    const SearchOptions options;
    Result<SearchResult> result = search_qac(screening, options);
    ASSERT_TRUE(result.ok()) << result.status().to_string();
    // The returned metric is the measured one, and the budget claim follows from it.
    EXPECT_DOUBLE_EQ(result->metric, inner.metric_of(result->reverted)) << "seed " << seed;
    EXPECT_EQ(result->budget_met, within_budget(result->drop, options.max_drop)) << "seed " << seed;
  }
}

TEST(SearchScreening, NncfNeverScreens) {
  SyntheticOracle inner(make_synthetic_model(spec_with_seed(121)));
  ScreeningOracle screening(inner, ScreenAnswer::kOptimist);
  Result<SearchResult> result = search_nncf(screening, SearchOptions{});
  ASSERT_TRUE(result.ok()) << result.status().to_string();
  EXPECT_TRUE(screening.screened_sizes().empty());
  for (const SearchStep& step : result->steps) EXPECT_FALSE(step.approximate);
  EXPECT_TRUE(result->budget_met);
}

}  // namespace
}  // namespace qac
