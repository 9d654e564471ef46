#include "search/ranking.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

#include "support/synthetic_oracle.h"
// tests/CMakeLists.txt builds one executable per *_test.cc without a shared support library,
// so the support implementation is compiled into this test.
#include "support/synthetic_oracle.cc"  // NOLINT(bugprone-suspicious-include)

namespace qac {
namespace {

TEST(RankingTest, NncfSubsetTakesTheLargestSignedDifferencesLaterIndexFirstOnTies) {
  //                                  0    1    2    3    4    5
  const std::vector<double> fp32 = {1.0, 1.0, 0.0, 1.0, 1.0, 0.5};
  const std::vector<double> int8 = {0.0, 1.0, 1.0, 0.0, 0.0, 0.0};
  // Signed errors: 1, 0, -1, 1, 1, 0.5. Ties at 1 -> 4, 3, 0; then 5; improvements last.
  EXPECT_EQ(select_nncf_ranking_subset(fp32, int8, 2), (std::vector<size_t>{3, 4}));
  EXPECT_EQ(select_nncf_ranking_subset(fp32, int8, 4), (std::vector<size_t>{0, 3, 4, 5}));
  EXPECT_EQ(select_nncf_ranking_subset(fp32, int8, 5), (std::vector<size_t>{0, 1, 3, 4, 5}));
  EXPECT_EQ(select_nncf_ranking_subset(fp32, int8, 100).size(), 6u);
}

TEST(RankingTest, DisagreeingSamplesAreTheChangedOnes) {
  EXPECT_EQ(disagreeing_samples({1, 0, 1, 0.5}, {1, 1, 0, 0.5}), (std::vector<size_t>{1, 2}));
}

TEST(RankingTest, LargestDisagreementCountsBothDirectionsFirst) {
  std::vector<double> fp32(100, 1.0);
  std::vector<double> int8(100, 1.0);
  int8[10] = 0.0;  // got worse
  fp32[70] = 0.0;  // got better (lucky)
  int8[40] = 0.5;
  const std::vector<size_t> subset = select_largest_disagreement(fp32, int8, 3, 1);
  EXPECT_EQ(subset, (std::vector<size_t>{10, 40, 70}));
  const std::vector<size_t> wider = select_largest_disagreement(fp32, int8, 10, 1);
  EXPECT_EQ(wider.size(), 10u);
  EXPECT_TRUE(std::is_sorted(wider.begin(), wider.end()));
  for (size_t i : {10, 40, 70}) EXPECT_TRUE(std::binary_search(wider.begin(), wider.end(), i));
}

TEST(RankingTest, TruncatedTiesAreSpreadOverTheTieClassAndDeterministic) {
  // 1000 changed samples, all with the same difference; keep 100 of them.
  const std::vector<double> fp32(1000, 1.0);
  const std::vector<double> int8(1000, 0.0);
  const std::vector<size_t> subset = select_largest_disagreement(fp32, int8, 100, 7);
  EXPECT_EQ(subset, select_largest_disagreement(fp32, int8, 100, 7));
  EXPECT_NE(subset, select_largest_disagreement(fp32, int8, 100, 8));
  // Not just the lowest indices: roughly uniform over [0, 1000).
  const size_t in_first_half = static_cast<size_t>(
      std::count_if(subset.begin(), subset.end(), [](size_t i) { return i < 500; }));
  EXPECT_GT(in_first_half, 30u);
  EXPECT_LT(in_first_half, 70u);
}

TEST(RankingTest, TopGroupsBySensitivityBreakTiesByLowerId) {
  EXPECT_EQ(top_groups_by_sensitivity({0.5, 3.0, 1.0, 3.0, 0.0}, 3), (std::vector<int>{1, 3, 2}));
  EXPECT_EQ(top_groups_by_sensitivity({1.0, 2.0}, 5), (std::vector<int>{1, 0}));
}

TEST(RankingTest, OrderBestFirstBreaksTiesByPriorityThenId) {
  const std::vector<GroupScore> scores = {{0, 0.5, {}}, {1, 0.9, {}}, {2, 0.5, {}}, {3, 0.5, {}}};
  EXPECT_EQ(order_best_first(scores, {}), (std::vector<int>{1, 0, 2, 3}));
  EXPECT_EQ(order_best_first(scores, {0.0, 0.0, 1.0, 2.0}), (std::vector<int>{1, 3, 2, 0}));
}

TEST(RankingTest, ScoreGroupsRevertsEachGroupOnTopOfTheBase) {
  testing::SyntheticModel model;
  model.fp32.assign(10, 1.0);
  model.flips = {{0, 1}, {2}, {3, 4, 5}};
  testing::SyntheticOracle oracle(model);
  SearchLedger ledger(oracle, SearchOptions{}, Memoize::kYes);
  ASSERT_TRUE(ledger.run_baseline().ok());
  const std::vector<size_t> subset = {0, 1, 2, 3, 4, 5};
  Result<std::vector<GroupScore>> scores =
      score_groups(ledger, {2}, {0, 1}, subset, RankingScore::kSubsetMetric, kPhaseRank);
  ASSERT_TRUE(scores.ok()) << scores.status().to_string();
  ASSERT_EQ(scores->size(), 2u);
  EXPECT_EQ((*scores)[0].group, 0);
  EXPECT_DOUBLE_EQ((*scores)[0].score, 5.0 / 6.0);  // {0, 2} reverted: only sample 2 broken
  EXPECT_DOUBLE_EQ((*scores)[1].score, 4.0 / 6.0);  // {1, 2} reverted: samples 0, 1 broken
  EXPECT_EQ((*scores)[1].per_sample, (std::vector<double>{0, 0, 1, 1, 1, 1}));

  Result<std::vector<GroupScore>> nmse =
      score_groups(ledger, {}, {0, 2}, subset, RankingScore::kNegativeNmse, kPhaseRank);
  ASSERT_TRUE(nmse.ok()) << nmse.status().to_string();
  // Reverting group 2 removes more disturbances than reverting group 0.
  EXPECT_GT((*nmse)[1].score, (*nmse)[0].score);
  EXPECT_LT((*nmse)[0].score, 0.0);
}

// A continuous metric moves every sample: the subset is spread evenly, not the most moved ones;
// a metric where some samples do not move keeps the largest-disagreement subset.
TEST(RankingSubset, EveryMovedSampleGivesAnEvenSpread) {
  std::vector<double> fp32(10, 1.0), moved(10);
  for (size_t i = 0; i < 10; ++i) moved[i] = 0.99 - 0.01 * static_cast<double>(i);  // sample 9 moved most
  EXPECT_EQ(select_ranking_subset(fp32, moved, 4, 1), (std::vector<size_t>{0, 2, 5, 7}));
  EXPECT_EQ(select_ranking_subset(fp32, moved, 20, 1).size(), 10u);
  std::vector<double> some = fp32;
  some[3] = 0.0;
  some[8] = 0.5;
  EXPECT_EQ(select_ranking_subset(fp32, some, 2, 1), select_largest_disagreement(fp32, some, 2, 1));
  EXPECT_EQ(select_ranking_subset(fp32, some, 2, 1), (std::vector<size_t>{3, 8}));
}

}  // namespace
}  // namespace qac
