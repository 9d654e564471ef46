// The un-revert pass (search/unrevert.h) and search_qac on interacting groups: a ranked prefix
// with many unnecessary groups is cut to the groups the budget needs, every group left in float
// comes with the step that showed it is needed, and on a model where no group helps alone
// (a sample counts with its worst output) search_qac keeps no more groups than NNCF, at a
// fraction of its cost.
#include "search/unrevert.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <vector>

#include "search/search_nncf.h"
#include "search/search_qac.h"

namespace qac {
namespace {

// Additive drops: a configuration's drop is the sum of the noise of the groups not in it.
struct AdditiveProbe {
  std::vector<double> noise;
  std::vector<std::vector<int>> asked;

  double drop_of(const std::vector<int>& configuration) const {
    double drop = 0;
    for (size_t g = 0; g < noise.size(); ++g) {
      if (std::find(configuration.begin(), configuration.end(), static_cast<int>(g)) == configuration.end()) {
        drop += noise[g];
      }
    }
    return drop;
  }
};

TEST(Unrevert, CutsAPrefixWithManyUnnecessaryGroupsToTheNeededOnes) {
  // 24 groups in float, as a noisy ranking's prefix: 4 carry the error, 20 barely matter.
  AdditiveProbe model;
  model.noise.assign(24, 0.0004);
  for (int g : {3, 9, 15, 21}) model.noise[g] = 0.004;
  UnrevertInputs inputs;
  for (int g = 0; g < 24; ++g) inputs.configuration.push_back(g);
  inputs.max_drop = 0.009;  // 20 * 0.0004 = 0.008 fits; one large group more does not
  inputs.fully_quantized = {model.drop_of({}), 1};
  size_t next_step = 2;
  inputs.probe = [&](const std::vector<int>& configuration) -> Result<ProbedDrop> {
    model.asked.push_back(configuration);
    return ProbedDrop{model.drop_of(configuration), next_step++};
  };
  Result<UnrevertResult> result = unrevert_pass(inputs);
  ASSERT_TRUE(result.ok()) << result.status().to_string();
  std::vector<int> kept = result->configuration;
  std::sort(kept.begin(), kept.end());
  EXPECT_EQ(kept, (std::vector<int>{3, 9, 15, 21}));
  EXPECT_LE(model.drop_of(kept), inputs.max_drop);
  // 24 scores, a bisection over 20 removable groups (5 probes), 4 checks at most.
  EXPECT_LE(model.asked.size(), 24u + 5u + 4u);
  // Each group left in float: the final configuration without it, over budget.
  ASSERT_EQ(result->needed.size(), 4u);
  for (int g : kept) {
    const NeededEvidence& evidence = result->needed.at(g);
    EXPECT_GT(evidence.drop_without, inputs.max_drop);
    std::vector<int> without = kept;
    without.erase(std::find(without.begin(), without.end(), g));
    EXPECT_DOUBLE_EQ(evidence.drop_without, model.drop_of(without)) << "group " << g;
  }
  // The trajectory (what search_qac steps back along when the result fails its full-set
  // confirmation): the input first, the result last, each configuration a subset of the one
  // before it, each within budget for the probe.
  const auto& trajectory = result->trajectory;
  ASSERT_GE(trajectory.size(), 2u);
  EXPECT_EQ(trajectory.front(), inputs.configuration);
  EXPECT_EQ(trajectory.back(), result->configuration);
  for (size_t i = 1; i < trajectory.size(); ++i) {
    EXPECT_LT(trajectory[i].size(), trajectory[i - 1].size());
    for (int g : trajectory[i]) {
      EXPECT_NE(std::find(trajectory[i - 1].begin(), trajectory[i - 1].end(), g), trajectory[i - 1].end());
    }
    EXPECT_LE(model.drop_of(trajectory[i]), inputs.max_drop);
  }
}

TEST(Unrevert, RemovesAGroupThatBecomesUnnecessaryOnlyAfterOthersLeave) {
  // Not additive: group 0 is needed while group 1 is in float (they cancel), not after.
  // Drops: {0,1,2} 0.000, {1,2} 0.010 (over), {0,2} 0.002, {2} 0.004, {0,1} 0.020.
  std::map<std::vector<int>, double> drops{{{0, 1, 2}, 0.0}, {{1, 2}, 0.010}, {{0, 2}, 0.002},
                                           {{0, 1}, 0.020}, {{2}, 0.004}, {{0}, 0.03}, {{1}, 0.03}};
  UnrevertInputs inputs;
  inputs.configuration = {2, 0, 1};
  inputs.max_drop = 0.005;
  inputs.fully_quantized = {0.05, 1};
  size_t next_step = 2;
  inputs.probe = [&](const std::vector<int>& configuration) -> Result<ProbedDrop> {
    std::vector<int> key = configuration;
    std::sort(key.begin(), key.end());
    return ProbedDrop{drops.at(key), next_step++};
  };
  Result<UnrevertResult> result = unrevert_pass(inputs);
  ASSERT_TRUE(result.ok()) << result.status().to_string();
  EXPECT_EQ(result->configuration, (std::vector<int>{2}));
  EXPECT_DOUBLE_EQ(result->needed.at(2).drop_without, 0.05);  // the fully quantized model
  EXPECT_EQ(result->needed.at(2).step, 1u);
}

// A detector-like model: two outputs, each fed by half of the groups; a sample's value is
// 1 - (its worst output's noise), so reverting one group alone changes nothing (the other
// output stays the worst) while reverting the right groups of both outputs together does.
// Groups 0-3 and 20-23 add 0.004 each to their output's noise, the others 0.0004.
class WorstOutputOracle final : public ConfigOracle {
 public:
  static constexpr size_t kGroups = 40;
  static constexpr size_t kSamples = 64;

  size_t num_groups() const override { return kGroups; }
  size_t num_samples() const override { return kSamples; }
  Result<Evaluation> evaluate(const std::vector<int>& reverted, const std::vector<size_t>& samples) override {
    const size_t count = samples.empty() ? kSamples : samples.size();
    samples_ += count;
    double noise[2] = {0, 0};
    for (size_t g = 0; g < kGroups; ++g) {
      if (!std::binary_search(reverted.begin(), reverted.end(), static_cast<int>(g))) {
        noise[g < kGroups / 2 ? 0 : 1] += noise_of(g);
      }
    }
    return score(std::max(noise[0], noise[1]), samples);
  }
  Result<Evaluation> evaluate_fp32(const std::vector<size_t>& samples) override { return score(0, samples); }
  Result<double> output_nmse(const std::vector<int>&, const std::vector<size_t>&) override {
    return Status::Internal("output_nmse is not used with per-sample values");
  }
  // A probe that says nothing about accuracy (as a local noise probe can be when the outputs
  // interact): it only decides which groups are ranked first.
  Result<std::vector<double>> sensitivity() override {
    std::vector<double> values;
    for (size_t g = 0; g < kGroups; ++g) values.push_back(static_cast<double>(g * 7 % 5 + 1));
    return values;
  }
  size_t samples_evaluated() const override { return samples_; }

  static double noise_of(size_t group) { return group % 20 < 4 ? 0.004 : 0.0004; }

 private:
  // Per-sample factors 0.9 and 1.1 alternate, so the mean is exactly 1 - worst noise.
  static Result<Evaluation> score(double worst, const std::vector<size_t>& samples) {
    Evaluation e;
    const size_t count = samples.empty() ? kSamples : samples.size();
    double sum = 0;
    for (size_t i = 0; i < count; ++i) {
      const size_t sample = samples.empty() ? i : samples[i];
      e.per_sample.push_back(1.0 - worst * (sample % 2 ? 1.1 : 0.9));
      sum += e.per_sample.back();
    }
    e.metric = sum / static_cast<double>(count);
    return e;
  }

  size_t samples_ = 0;
};

TEST(SearchQacInteracting, KeepsOnlyTheNeededGroupsWhenNoGroupHelpsAlone) {
  SearchOptions options;
  options.max_drop = 0.009;  // the 4 large groups of each output: worst noise 0.0064
  WorstOutputOracle qac_oracle, nncf_oracle;
  Result<SearchResult> qac = search_qac(qac_oracle, options);
  Result<SearchResult> nncf = search_nncf(nncf_oracle, options);
  ASSERT_TRUE(qac.ok() && nncf.ok());
  ASSERT_TRUE(qac->budget_met);
  std::vector<int> kept = qac->reverted;
  std::sort(kept.begin(), kept.end());
  EXPECT_EQ(kept, (std::vector<int>{0, 1, 2, 3, 20, 21, 22, 23}));
  if (nncf->budget_met) {
    EXPECT_LE(qac->reverted.size(), nncf->reverted.size());
  }
  std::printf("worst-output model: qac %zu groups, %.1f full passes; nncf %zu groups, %.1f\n",
              qac->reverted.size(), qac->full_pass_equivalents, nncf->reverted.size(),
              nncf->full_pass_equivalents);
  EXPECT_LE(qac->full_pass_equivalents, nncf->full_pass_equivalents)
      << "qac " << qac->full_pass_equivalents << " nncf " << nncf->full_pass_equivalents << " groups "
      << nncf->reverted.size() << " met " << nncf->budget_met;
  // The decision log explains each group left in float: a logged evaluation of the returned
  // configuration without it, over budget.
  ASSERT_EQ(qac->needed.size(), kept.size());
  for (int g : kept) {
    const NeededEvidence& evidence = qac->needed.at(g);
    ASSERT_LT(evidence.step, qac->steps.size());
    const SearchStep& step = qac->steps[evidence.step];
    std::vector<int> without = kept;
    without.erase(std::find(without.begin(), without.end(), g));
    EXPECT_EQ(step.reverted, without) << "group " << g;
    EXPECT_GT(step.drop, options.max_drop) << "group " << g;
    EXPECT_DOUBLE_EQ(evidence.drop_without, step.drop);
  }
}

}  // namespace
}  // namespace qac
