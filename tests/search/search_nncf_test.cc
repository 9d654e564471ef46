// search_nncf reproduces NNCF's documented behaviour: ranking by reverting each group alone,
// greedy reverts validated on the full set, step back + re-rank, max_num_iterations, and the
// LAST model returned even when a better one was validated.
#include "search/search_nncf.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <string>

#include "support/synthetic_oracle.h"
// tests/CMakeLists.txt builds one executable per *_test.cc without a shared support library,
// so the support implementation is compiled into this test.
#include "support/synthetic_oracle.cc"  // NOLINT(bugprone-suspicious-include)

namespace qac {
namespace {

using testing::SyntheticMetric;
using testing::SyntheticModel;
using testing::SyntheticOracle;

std::vector<size_t> range(size_t first, size_t last) {  // [first, last)
  std::vector<size_t> values(last - first);
  std::iota(values.begin(), values.end(), first);
  return values;
}

// 100 samples, FP32 correct on `correct` of them (the first ones), no sensitivity.
SyntheticModel model_with(size_t correct, std::vector<std::vector<size_t>> flips) {
  SyntheticModel model;
  model.fp32.assign(100, 0.0);
  std::fill(model.fp32.begin(), model.fp32.begin() + static_cast<long>(correct), 1.0);
  model.flips = std::move(flips);
  return model;
}

std::vector<const SearchStep*> steps_of(const SearchResult& result, const std::string& phase) {
  std::vector<const SearchStep*> found;
  for (const SearchStep& step : result.steps) {
    if (step.phase == phase) found.push_back(&step);
  }
  return found;
}

// Four disjoint groups breaking 5, 20, 10 and 0 samples: int8 = 0.65, FP32 = 1.0.
SyntheticModel four_groups() {
  return model_with(100, {range(0, 5), range(5, 25), range(25, 35), {}});
}

TEST(SearchNncfTest, RanksEachGroupAloneAndRevertsBestFirstUntilWithinBudget) {
  SyntheticOracle oracle(four_groups());
  SearchOptions options;
  options.max_drop = 0.12;
  Result<SearchResult> result = search_nncf(oracle, options);
  ASSERT_TRUE(result.ok()) << result.status().to_string();

  // Ranking subset = all 100 samples (ranking_subset_size 300 > N): each group scored alone.
  EXPECT_EQ(steps_of(*result, kPhaseRank).size(), 4u);
  EXPECT_DOUBLE_EQ(result->group_scores.at(0), 0.70);
  EXPECT_DOUBLE_EQ(result->group_scores.at(1), 0.85);
  EXPECT_DOUBLE_EQ(result->group_scores.at(2), 0.75);
  EXPECT_DOUBLE_EQ(result->group_scores.at(3), 0.65);
  // Greedy: group 1 (drop 0.15 > 0.12), then group 2 (drop 0.05): stop.
  const auto reverts = steps_of(*result, kPhaseRevert);
  ASSERT_EQ(reverts.size(), 2u);
  EXPECT_EQ(reverts[0]->reverted, std::vector<int>({1}));
  EXPECT_EQ(reverts[1]->reverted, std::vector<int>({1, 2}));
  EXPECT_EQ(result->reverted, std::vector<int>({1, 2}));
  EXPECT_TRUE(result->budget_met);
  EXPECT_NEAR(result->drop, 0.05, 1e-12);
  // Cost: quantized baseline 1 + ranking 4 x 100 samples + 2 full validations.
  EXPECT_DOUBLE_EQ(result->full_pass_equivalents, 7.0);
  EXPECT_EQ(result->evaluations, 7u);
}

TEST(SearchNncfTest, StepsBackAndReranksWhenARevertMakesTheDropWorse) {
  // FP32 gets samples 0..79 right. Group 1 breaks 0..9, group 0 breaks 10..17, group 2 breaks
  // 20..24. Both groups 0 and 1 make samples 80..91 lucky-right: reverting one keeps them,
  // reverting both loses them. int8 = (57 + 12) / 100.
  SyntheticModel model = model_with(80, {{}, range(0, 10), range(20, 25)});
  model.flips[0] = range(10, 18);
  for (size_t i : range(80, 92)) {
    model.flips[0].push_back(i);
    model.flips[1].push_back(i);
  }
  SyntheticOracle oracle(std::move(model));
  SearchOptions options;
  options.max_drop = 0.001;
  Result<SearchResult> result = search_nncf(oracle, options);
  ASSERT_TRUE(result.ok()) << result.status().to_string();

  const auto reverts = steps_of(*result, kPhaseRevert);
  ASSERT_EQ(reverts.size(), 3u);
  EXPECT_EQ(reverts[0]->reverted, std::vector<int>({1}));     // 0.79: kept
  EXPECT_EQ(reverts[1]->reverted, std::vector<int>({0, 1}));  // 0.75: worse than 0.79
  EXPECT_DOUBLE_EQ(reverts[1]->metric, 0.75);
  const auto step_backs = steps_of(*result, kPhaseStepBack);
  ASSERT_EQ(step_backs.size(), 1u);
  EXPECT_EQ(step_backs[0]->reverted, std::vector<int>({1}));
  // Re-ranking on top of {1}: the undone group 0 is back in the list, with group 2.
  const auto reranks = steps_of(*result, kPhaseRerank);
  ASSERT_EQ(reranks.size(), 2u);
  EXPECT_EQ(reranks[0]->reverted, std::vector<int>({1, 2}));
  EXPECT_EQ(reranks[1]->reverted, std::vector<int>({0, 1}));
  EXPECT_EQ(reverts[2]->reverted, std::vector<int>({1, 2}));  // 0.84 > FP32: done
  EXPECT_EQ(result->reverted, std::vector<int>({1, 2}));
  EXPECT_TRUE(result->budget_met);
  // NNCF caches nothing: with a ranking subset equal to the full set it runs {1} (ranked, then
  // reverted), {0, 1} (reverted, then re-ranked) and {1, 2} (re-ranked, then reverted) twice.
  EXPECT_EQ(oracle.repeated_calls(), 3u);
}

TEST(SearchNncfTest, MaxNumIterationsCapsTheReverts) {
  SyntheticOracle oracle(four_groups());
  SearchOptions options;
  options.max_drop = 0.12;
  options.max_num_iterations = 1;
  Result<SearchResult> result = search_nncf(oracle, options);
  ASSERT_TRUE(result.ok()) << result.status().to_string();
  EXPECT_EQ(steps_of(*result, kPhaseRevert).size(), 1u);
  EXPECT_EQ(result->reverted, std::vector<int>({1}));
  EXPECT_FALSE(result->budget_met);
  EXPECT_NEAR(result->drop, 0.15, 1e-12);
}

TEST(SearchNncfTest, ReturnsTheLastModelEvenWhenABetterOneWasSeen) {
  // FP32 gets 0..89 right. Group 0 breaks 83..89 (inside the 10-sample ranking subset, which
  // takes the largest FP32-minus-int8 differences, later samples first among ties) but makes
  // 90..99 lucky-right (outside it); group 1 breaks 0..14 (3 of them in the subset).
  SyntheticModel model = model_with(90, {range(83, 100), range(0, 15)});
  SyntheticOracle oracle(std::move(model));
  SearchOptions options;
  options.max_drop = 0.01;
  options.ranking_subset_size = 10;
  options.max_num_iterations = 1;
  Result<SearchResult> result = search_nncf(oracle, options);
  ASSERT_TRUE(result.ok()) << result.status().to_string();
  EXPECT_DOUBLE_EQ(result->int8_metric, 0.78);
  EXPECT_GT(result->group_scores.at(0), result->group_scores.at(1));
  // Reverting group 0 looks best on the subset but costs 3 samples on the full set; the first
  // iteration keeps it anyway (NNCF starts in the "after a step back" state) and the loop ends.
  EXPECT_EQ(result->reverted, std::vector<int>({0}));
  EXPECT_DOUBLE_EQ(result->metric, 0.75);
  EXPECT_FALSE(result->budget_met);
  EXPECT_TRUE(result->best_seen.reverted.empty());
  EXPECT_DOUBLE_EQ(result->best_seen.metric, 0.78);
  EXPECT_GT(result->best_seen.metric, result->metric);
}

TEST(SearchNncfTest, ReturnsTheQuantizedModelWhenAlreadyWithinBudget) {
  SyntheticOracle oracle(four_groups());
  SearchOptions options;
  options.max_drop = 0.40;
  Result<SearchResult> result = search_nncf(oracle, options);
  ASSERT_TRUE(result.ok()) << result.status().to_string();
  EXPECT_TRUE(result->reverted.empty());
  EXPECT_TRUE(result->budget_met);
  EXPECT_DOUBLE_EQ(result->full_pass_equivalents, 1.0);
}

TEST(SearchNncfTest, WithoutPerSampleValuesRanksByOutputNmseOnTheFirstSamples) {
  SyntheticOracle oracle(four_groups(), SyntheticMetric::kAccuracyNoPerSample);
  SearchOptions options;
  options.max_drop = 0.12;
  options.ranking_subset_size = 40;
  Result<SearchResult> result = search_nncf(oracle, options);
  ASSERT_TRUE(result.ok()) << result.status().to_string();
  // The first 40 samples hold every flip (0..34): reverting group 1 alone (20 flips) leaves
  // the smallest output NMSE.
  const auto ranks = steps_of(*result, kPhaseRank);
  ASSERT_EQ(ranks.size(), 4u);
  for (const SearchStep* step : ranks) EXPECT_EQ(step->sample_count, 40u);
  EXPECT_EQ(steps_of(*result, kPhaseRevert)[0]->reverted, std::vector<int>({1}));
  EXPECT_EQ(result->reverted, std::vector<int>({1, 2}));
  // Cost: quantized baseline + NNCF's separate output pass + 4 x 40 samples + 2 reverts.
  EXPECT_DOUBLE_EQ(result->full_pass_equivalents, 1.0 + 1.0 + 1.6 + 2.0);
}

TEST(SearchNncfTest, RejectsInvalidOptions) {
  SyntheticOracle oracle(four_groups());
  SearchOptions options;
  options.max_drop = -0.1;
  EXPECT_EQ(search_nncf(oracle, options).status().code(), StatusCode::kInvalidArgument);
  options.max_drop = 0.01;
  options.ranking_subset_size = 0;
  EXPECT_EQ(search_nncf(oracle, options).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace qac
