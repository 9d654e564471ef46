// search_qac: meets the budget, never evaluates a configuration twice, returns the best
// configuration seen, prunes groups that turn out unnecessary, and reports unreachable budgets.
#include "search/search_qac.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "search/search_nncf.h"
#include "support/synthetic_oracle.h"
// tests/CMakeLists.txt builds one executable per *_test.cc without a shared support library,
// so the support implementation is compiled into this test.
#include "support/synthetic_oracle.cc"  // NOLINT(bugprone-suspicious-include)

namespace qac {
namespace {

using testing::SyntheticInteraction;
using testing::SyntheticMetric;
using testing::SyntheticModel;
using testing::SyntheticOracle;
using testing::SyntheticSpec;
using testing::make_synthetic_model;

std::vector<size_t> range(size_t first, size_t last) {  // [first, last)
  std::vector<size_t> values(last - first);
  std::iota(values.begin(), values.end(), first);
  return values;
}

// The best full-set configuration among the logged steps, by is_better_candidate.
SearchCandidate best_full_step(const SearchResult& result, double max_drop) {
  SearchCandidate best;
  bool found = false;
  for (const SearchStep& step : result.steps) {
    if (!step.full_set || step.phase == kPhaseStepBack) continue;
    if (step.phase == kPhaseBaseline && step.drop == 0 && step.reverted.empty() &&
        step.metric == result.fp32_metric) {
      continue;  // the FP32 model is not a candidate
    }
    const SearchCandidate candidate{step.reverted, step.metric, step.drop,
                                    within_budget(step.drop, max_drop)};
    if (!found || is_better_candidate(candidate, best)) best = candidate;
    found = true;
  }
  return best;
}

double sum_of_step_samples(const SearchResult& result) {
  double total = 0;
  for (const SearchStep& step : result.steps) total += static_cast<double>(step.samples);
  return total;
}

SyntheticSpec realistic_spec(uint64_t seed) {
  SyntheticSpec spec;
  spec.seed = seed;
  spec.num_samples = 2000;
  spec.num_groups = 80;
  spec.num_interactions = 3;
  return spec;
}

TEST(SearchQacTest, PrunesARedundantGroupThatNncfKeeps) {
  // All 100 samples right in FP32. Samples 0..9 break only while groups 0 AND 1 are quantized
  // (reverting either fixes them); group 1 also breaks 10..11, group 2 breaks 12..20.
  // int8 = 0.79; max_drop 0.01 needs 20 of the 21 broken samples fixed.
  SyntheticModel model;
  model.fp32.assign(100, 1.0);
  model.flips = {{}, range(10, 12), range(12, 21)};
  model.interactions.push_back(SyntheticInteraction{0, 1, range(0, 10)});
  SearchOptions options;
  options.max_drop = 0.01;

  SyntheticOracle nncf_oracle(model);
  Result<SearchResult> nncf = search_nncf(nncf_oracle, options);
  ASSERT_TRUE(nncf.ok()) << nncf.status().to_string();
  EXPECT_EQ(nncf->reverted, std::vector<int>({0, 1, 2}));  // greedy 1, 0 (no change: kept), 2

  SyntheticOracle qac_oracle(model);
  Result<SearchResult> qac = search_qac(qac_oracle, options);
  ASSERT_TRUE(qac.ok()) << qac.status().to_string();
  EXPECT_EQ(qac->reverted, std::vector<int>({1, 2}));
  EXPECT_TRUE(qac->budget_met);
  EXPECT_DOUBLE_EQ(qac->metric, 1.0);
  EXPECT_EQ(qac_oracle.repeated_calls(), 0u);
}

TEST(SearchQacTest, ReturnsTheBestConfigurationSeenAndNeverRepeatsAnEvaluation) {
  for (uint64_t seed = 11; seed <= 14; ++seed) {
    SyntheticOracle oracle(make_synthetic_model(realistic_spec(seed)));
    SearchOptions options;
    Result<SearchResult> result = search_qac(oracle, options);
    ASSERT_TRUE(result.ok()) << result.status().to_string();
    EXPECT_TRUE(result->budget_met) << "seed " << seed;
    const SearchCandidate best = best_full_step(*result, options.max_drop);
    EXPECT_EQ(result->reverted, best.reverted) << "seed " << seed;
    EXPECT_DOUBLE_EQ(result->metric, best.metric) << "seed " << seed;
    EXPECT_EQ(result->best_seen.reverted, result->reverted);
    // The reported metric is the oracle's full-set metric of the returned configuration.
    EXPECT_DOUBLE_EQ(result->metric, oracle.metric_of(result->reverted));
    EXPECT_EQ(oracle.repeated_calls(), 0u) << "seed " << seed;
    // Cost accounting agrees with the log.
    EXPECT_DOUBLE_EQ(result->full_pass_equivalents,
                     sum_of_step_samples(*result) / static_cast<double>(oracle.num_samples()));
  }
}

TEST(SearchQacTest, HandlesEveryMetricKindWithoutRepeats) {
  const SyntheticMetric kinds[] = {SyntheticMetric::kMeanAccuracy,
                                   SyntheticMetric::kSquaredAccuracy,
                                   SyntheticMetric::kAccuracyNoPerSample};
  for (SyntheticMetric kind : kinds) {
    for (uint64_t seed = 21; seed <= 23; ++seed) {
      SyntheticOracle qac_oracle(make_synthetic_model(realistic_spec(seed)), kind);
      SyntheticOracle nncf_oracle(make_synthetic_model(realistic_spec(seed)), kind);
      SearchOptions options;
      options.max_drop = 0.015;
      Result<SearchResult> qac = search_qac(qac_oracle, options);
      Result<SearchResult> nncf = search_nncf(nncf_oracle, options);
      ASSERT_TRUE(qac.ok()) << qac.status().to_string();
      ASSERT_TRUE(nncf.ok()) << nncf.status().to_string();
      const std::string label = "kind " + std::to_string(static_cast<int>(kind)) + " seed " +
                                std::to_string(seed);
      EXPECT_TRUE(qac->budget_met) << label;
      EXPECT_EQ(qac_oracle.repeated_calls(), 0u) << label;
      EXPECT_LT(qac->full_pass_equivalents, nncf->full_pass_equivalents) << label;
      std::printf("%-18s qac %2zu groups cost %5.2f | nncf %2zu groups cost %6.2f\n", label.c_str(),
                  qac->reverted.size(), qac->full_pass_equivalents, nncf->reverted.size(),
                  nncf->full_pass_equivalents);
    }
  }
}

TEST(SearchQacTest, ExtrapolatedPredictionsAreConfirmedOnTheFullSet) {
  // A ranking subset far smaller than the samples quantization changed: predictions extrapolate
  // the changed samples and can be wrong; whatever is returned is measured on the full set.
  for (uint64_t seed = 31; seed <= 36; ++seed) {
    SyntheticOracle oracle(make_synthetic_model(realistic_spec(seed)));
    SearchOptions options;
    options.ranking_subset_size = 20;
    Result<SearchResult> result = search_qac(oracle, options);
    ASSERT_TRUE(result.ok()) << result.status().to_string();
    EXPECT_TRUE(result->budget_met) << "seed " << seed;
    EXPECT_DOUBLE_EQ(result->metric, oracle.metric_of(result->reverted)) << "seed " << seed;
    EXPECT_LE(result->drop, options.max_drop + kBudgetTolerance) << "seed " << seed;
    EXPECT_EQ(oracle.repeated_calls(), 0u) << "seed " << seed;
  }
}

TEST(SearchQacTest, WithoutSensitivityRanksEveryGroup) {
  SyntheticSpec spec = realistic_spec(41);
  spec.sensitivity_noise = -1;  // the oracle has no sensitivity
  SyntheticOracle oracle(make_synthetic_model(spec));
  Result<SearchResult> result = search_qac(oracle, SearchOptions{});
  ASSERT_TRUE(result.ok()) << result.status().to_string();
  EXPECT_EQ(result->group_scores.size(), spec.num_groups);
  EXPECT_TRUE(result->budget_met);
  EXPECT_EQ(oracle.repeated_calls(), 0u);
}

TEST(SearchQacTest, UnreachableBudgetReturnsTheHighestMetricSeen) {
  SyntheticSpec spec = realistic_spec(51);
  spec.residual_flip = 0.03;  // flipped by any quantization: no revert undoes it
  SyntheticOracle oracle(make_synthetic_model(spec));
  SearchOptions options;
  Result<SearchResult> result = search_qac(oracle, options);
  ASSERT_TRUE(result.ok()) << result.status().to_string();
  EXPECT_FALSE(result->budget_met);
  double highest = -1;
  for (const SearchStep& step : result->steps) {
    if (step.full_set && step.phase != kPhaseBaseline) highest = std::max(highest, step.metric);
  }
  EXPECT_DOUBLE_EQ(result->metric, highest);
  EXPECT_GT(result->metric, result->int8_metric);
  EXPECT_GT(result->drop, options.max_drop);
  EXPECT_EQ(oracle.repeated_calls(), 0u);
}

TEST(SearchQacTest, MaxNumIterationsCapsTheRevertedGroups) {
  SyntheticOracle oracle(make_synthetic_model(realistic_spec(61)));
  SearchOptions options;
  options.max_drop = 0.001;
  options.max_num_iterations = 2;
  Result<SearchResult> result = search_qac(oracle, options);
  ASSERT_TRUE(result.ok()) << result.status().to_string();
  for (const SearchStep& step : result->steps) EXPECT_LE(step.reverted.size(), 2u);
  EXPECT_LE(result->reverted.size(), 2u);
  EXPECT_FALSE(result->budget_met);
  EXPECT_GT(result->metric, result->int8_metric);
}

TEST(SearchQacTest, RelativeDropIsMeasuredAgainstTheFp32Metric) {
  SyntheticOracle oracle(make_synthetic_model(realistic_spec(71)));
  SearchOptions options;
  options.drop_type = DropType::kRelative;
  options.max_drop = 0.01;
  Result<SearchResult> result = search_qac(oracle, options);
  ASSERT_TRUE(result.ok()) << result.status().to_string();
  EXPECT_TRUE(result->budget_met);
  EXPECT_DOUBLE_EQ(result->drop, (result->fp32_metric - result->metric) / result->fp32_metric);
  EXPECT_LE(result->drop, 0.01 + kBudgetTolerance);
}

TEST(SearchQacTest, NothingIsRevertedWhenTheQuantizedModelIsWithinBudget) {
  SyntheticOracle oracle(make_synthetic_model(realistic_spec(81)));
  SearchOptions options;
  options.max_drop = 0.2;
  Result<SearchResult> result = search_qac(oracle, options);
  ASSERT_TRUE(result.ok()) << result.status().to_string();
  EXPECT_TRUE(result->reverted.empty());
  EXPECT_TRUE(result->budget_met);
  EXPECT_DOUBLE_EQ(result->full_pass_equivalents, 1.0);
}

// 20 samples, all correct in FP32; fully quantized, samples 0 and 1 fail (drop 0.1). Group 0
// in float fixes both, group 1 fixes sample 0 only, group 2 nothing.
class TwoFixesOracle final : public ConfigOracle {
 public:
  size_t num_groups() const override { return 3; }
  size_t num_samples() const override { return 20; }
  Result<Evaluation> evaluate(const std::vector<int>& reverted, const std::vector<size_t>& samples) override {
    const bool has0 = std::find(reverted.begin(), reverted.end(), 0) != reverted.end();
    const bool has1 = std::find(reverted.begin(), reverted.end(), 1) != reverted.end();
    return score(samples, [&](size_t i) { return i > 1 || has0 || (i == 0 && has1); });
  }
  Result<Evaluation> evaluate_fp32(const std::vector<size_t>& samples) override {
    return score(samples, [](size_t) { return true; });
  }
  Result<double> output_nmse(const std::vector<int>&, const std::vector<size_t>&) override { return 0.0; }
  Result<std::vector<double>> sensitivity() override { return std::vector<double>{}; }
  size_t samples_evaluated() const override { return evaluated_; }

 private:
  template <typename Correct>
  Evaluation score(const std::vector<size_t>& samples, Correct correct) {
    Evaluation e;
    const size_t n = samples.empty() ? num_samples() : samples.size();
    for (size_t k = 0; k < n; ++k) e.per_sample.push_back(correct(samples.empty() ? k : samples[k]) ? 1.0 : 0.0);
    e.metric = std::accumulate(e.per_sample.begin(), e.per_sample.end(), 0.0) / static_cast<double>(n);
    evaluated_ += n;
    return e;
  }
  size_t evaluated_ = 0;
};

TEST(SearchQacTest, AmongEqualSizeSolutionsReturnsTheFasterOne) {
  SearchOptions options;
  options.max_drop = 0.06;  // group 0 alone (drop 0) and group 1 alone (drop 0.05) both meet it
  TwoFixesOracle plain;
  Result<SearchResult> without_costs = search_qac(plain, options);
  ASSERT_TRUE(without_costs.ok()) << without_costs.status().to_string();
  EXPECT_EQ(without_costs->reverted, std::vector<int>{0});  // equal size: the higher metric

  options.group_float_cost = {50.0, 5.0, 1.0};  // group 0 costs 50 us in float, group 1 5 us
  TwoFixesOracle timed;
  Result<SearchResult> with_costs = search_qac(timed, options);
  ASSERT_TRUE(with_costs.ok()) << with_costs.status().to_string();
  EXPECT_EQ(with_costs->reverted, std::vector<int>{1});  // equal size: the faster
  EXPECT_TRUE(with_costs->budget_met);
  EXPECT_NEAR(with_costs->drop, 0.05, 1e-12);
}

TEST(SearchQacTest, FewerGroupsStillBeatFasterOnesAndCostTiesGoToTheMetric) {
  const SearchCandidate one_slow{{0}, 0.99, 0.01, true, 80.0};
  const SearchCandidate two_fast{{1, 2}, 0.99, 0.01, true, 2.0};
  EXPECT_TRUE(is_better_candidate(one_slow, two_fast));
  const SearchCandidate fast_low{{1}, 0.95, 0.05, true, 5.0};
  EXPECT_TRUE(is_better_candidate(fast_low, one_slow));
  const SearchCandidate nearly_as_slow_higher{{2}, 0.999, 0.001, true, 79.8};  // within kFloatCostTieUs
  EXPECT_TRUE(is_better_candidate(nearly_as_slow_higher, one_slow));
  const SearchCandidate over_budget_fast{{1}, 0.9, 0.1, false, 0.0};
  EXPECT_TRUE(is_better_candidate(one_slow, over_budget_fast));
  SearchOptions options;
  options.group_float_cost = {1.0, std::nan("")};
  EXPECT_EQ(validate_search_options(options).code(), StatusCode::kInvalidArgument);
  options.group_float_cost = {1.5, 2.0};
  EXPECT_DOUBLE_EQ(float_cost_of({0, 1, 7}, options), 3.5);  // ids without a cost count 0
}

TEST(SearchQacTest, RejectsASensitivityOfTheWrongSize) {
  SyntheticModel model = make_synthetic_model(realistic_spec(91));
  model.sensitivity.pop_back();
  SyntheticOracle oracle(std::move(model));
  Result<SearchResult> result = search_qac(oracle, SearchOptions{});
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidData);
  EXPECT_NE(result.status().message().find("sensitivity"), std::string::npos);
}

}  // namespace
}  // namespace qac
