// The oracle's answers on disk: records survive the round trip exactly, a second oracle on the
// same cache answers every question the first one measured from the cache with equal values and
// equal cost accounting, and takes the screening decision the first one took.
#include "evaluation/evaluation_cache.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "evaluation/model_oracle.h"
#include "evaluation/oracle_cache_key.h"
#include "quant/groups.h"
#include "support/fuzz_seeds.h"
#include "support/scratch_dir.h"
#include "tiny_calibrated_models.h"

namespace qac {
namespace {

using Kind = EvaluationCache::Kind;

TEST(EvaluationCacheTest, AnswersAndProbesRoundTrip) {
  CachedAnswer a;
  a.evaluation.metric = 0.123456789012345678;
  a.evaluation.per_sample = {1, 0, 1.0 / 3.0};
  a.evaluation.per_output = {0.5, -0.25};
  a.evaluation.approximate = true;
  a.nmse = 1e-7;
  a.cost = RealEvaluationCost{0.25, 1.0 / 7.0};
  auto back = answer_from_bytes(answer_to_bytes(a));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->evaluation.metric, a.evaluation.metric);
  EXPECT_EQ(back->evaluation.per_sample, a.evaluation.per_sample);
  EXPECT_EQ(back->evaluation.per_output, a.evaluation.per_output);
  EXPECT_TRUE(back->evaluation.approximate);
  EXPECT_EQ(back->nmse, a.nmse);
  ASSERT_TRUE(back->cost.has_value());
  EXPECT_EQ(back->cost->seconds_per_sample, a.cost->seconds_per_sample);
  const std::string bytes = answer_to_bytes(a);
  EXPECT_FALSE(answer_from_bytes(bytes.substr(0, bytes.size() - 1)).has_value());
  EXPECT_FALSE(answer_from_bytes(bytes + "x").has_value());

  CachedProbe p;
  p.sensitivity = {0.5, 0, 2};
  p.node_errors = {{"conv 1", "Conv", "t\nx", 2, 31.5}};
  p.samples = 64;
  p.on_switchable = true;
  auto probe = probe_from_bytes(probe_to_bytes(p));
  ASSERT_TRUE(probe.has_value());
  EXPECT_EQ(probe->sensitivity, p.sensitivity);
  ASSERT_EQ(probe->node_errors.size(), 1u);
  EXPECT_EQ(probe->node_errors[0].node, "conv 1");
  EXPECT_EQ(probe->node_errors[0].tensor, "t\nx");
  EXPECT_EQ(probe->node_errors[0].group, 2);
  EXPECT_EQ(probe->samples, 64u);
  EXPECT_TRUE(probe->on_switchable);
}

TEST(EvaluationCacheTest, EntriesAreKeyedByKindConfigurationAndSamples) {
  testing::ScratchDir dir;
  EvaluationCache cache(dir.path().string(), "run");
  CachedAnswer a;
  a.evaluation.metric = 0.75;
  cache.put(Kind::kEvaluate, {1, 3}, {}, a);
  EXPECT_TRUE(cache.get(Kind::kEvaluate, {1, 3}, {}).has_value());
  EXPECT_FALSE(cache.get(Kind::kScreen, {1, 3}, {}).has_value());
  EXPECT_FALSE(cache.get(Kind::kEvaluate, {1}, {}).has_value());
  EXPECT_FALSE(cache.get(Kind::kEvaluate, {1, 3}, {0, 1}).has_value());
  EXPECT_FALSE(EvaluationCache(dir.path().string(), "other run").get(Kind::kEvaluate, {1, 3}, {}).has_value());
  EXPECT_EQ(cache.hits(), 1u);
  cache.put_decision("screening", "real");
  EXPECT_EQ(cache.get_decision("screening"), "real");
}

class CachedOracleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.target = Target::kOpenVino;  // the switchable model is built for NNCF's form
    cm_ = testing::calibrated(testing::tiny_mlp(), calibration_, options_);
    groups_ = build_groups(cm_.fp32, cm_.setup);
    ASSERT_GE(groups_.size(), 3u);
  }

  std::unique_ptr<ModelOracle> oracle() {
    auto o = std::make_unique<ModelOracle>(cm_, groups_, validation_, testing::metric_named("agreement"), options_);
    o->set_screening_model(ModelOracle::ScreeningModel::kSwitchable);
    return o;
  }

  // The questions a search asks, in order; every answer's values.
  std::vector<double> ask_everything(ModelOracle& o) {
    std::vector<double> values;
    auto fp32 = o.evaluate_fp32({});
    EXPECT_TRUE(fp32.ok());
    values.push_back(fp32->metric);
    auto probe = o.sensitivity();
    EXPECT_TRUE(probe.ok()) << probe.status().to_string();
    values.insert(values.end(), probe->begin(), probe->end());
    auto full = o.evaluate({}, {});
    EXPECT_TRUE(full.ok());
    values.insert(values.end(), full->per_sample.begin(), full->per_sample.end());
    for (const std::vector<int>& reverted : {std::vector<int>{0}, std::vector<int>{1, 2}}) {
      auto screened = o.screen(reverted, {2, 5, 9, 40});
      EXPECT_TRUE(screened.ok()) << screened.status().to_string();
      values.push_back(screened->metric);
      values.push_back(screened->approximate ? 1 : 0);
      auto nmse = o.output_nmse(reverted, {1, 2, 3});
      EXPECT_TRUE(nmse.ok());
      values.push_back(*nmse);
    }
    return values;
  }

  AccuracyControlOptions options_;
  testing::MemoryDataset calibration_ = testing::tiny_samples({0, testing::kTinyFeatures}, 64, 1);
  testing::MemoryDataset validation_ = testing::tiny_samples({0, testing::kTinyFeatures}, 60, 2);
  CalibratedModel cm_;
  std::vector<QuantizerGroup> groups_;
};

TEST_F(CachedOracleTest, ASecondOracleAnswersFromTheCacheAsTheFirstMeasured) {
  testing::ScratchDir dir;
  auto first = oracle();
  auto key = oracle_cache_key(*first, cm_, validation_, "metric agreement", options_);
  ASSERT_TRUE(key.ok()) << key.status().to_string();
  EvaluationCache store(dir.path().string(), *key);
  first->set_cache(&store);
  const std::vector<double> measured = ask_everything(*first);
  EXPECT_EQ(store.hits(), 0u);

  auto second = oracle();
  EvaluationCache reader(dir.path().string(), *key);
  second->set_cache(&reader);
  EXPECT_EQ(ask_everything(*second), measured);
  EXPECT_EQ(second->samples_evaluated(), first->samples_evaluated());
  EXPECT_EQ(second->probed_sensitivity(), first->probed_sensitivity());
  // The probe, the full set, 2 screens (+ the agreement check's), 2 output-noise answers; the
  // FP32 pass runs again: it keeps the outputs the agreement metric compares with.
  EXPECT_GE(reader.hits(), 6u);
  EXPECT_EQ(reader.get_decision("screening"), "switchable");
}

TEST_F(CachedOracleTest, TheKeyChangesWithTheDataTheMetricAndTheParameters) {
  auto o = oracle();
  auto base = oracle_cache_key(*o, cm_, validation_, "metric agreement", options_);
  ASSERT_TRUE(base.ok());
  EXPECT_EQ(*oracle_cache_key(*o, cm_, validation_, "metric agreement", options_), *base);
  EXPECT_NE(*oracle_cache_key(*o, cm_, validation_, "metric sqnr", options_), *base);
  const auto other_data = testing::tiny_samples({0, testing::kTinyFeatures}, 60, 3);
  EXPECT_NE(*oracle_cache_key(*o, cm_, other_data, "metric agreement", options_), *base);
  AccuracyControlOptions threads = options_;
  threads.num_threads = 1;
  EXPECT_NE(*oracle_cache_key(*o, cm_, validation_, "metric agreement", threads), *base);
  CalibratedModel shifted = cm_;
  AccuracyControlOptions minmax = options_;
  minmax.activation_estimator = RangeEstimator::kMinMax;
  ASSERT_TRUE(parameterize(shifted, minmax, &calibration_, nullptr).ok());
  ModelOracle other(shifted, groups_, validation_, testing::metric_named("agreement"), options_);
  EXPECT_NE(*oracle_cache_key(other, shifted, validation_, "metric agreement", options_), *base);
}

// The fuzzer's seeds (fuzz/make_seeds.py) are valid entries: they pin the stored layout.
TEST(EvaluationCacheTest, TheFuzzerSeedsAreValidEntries) {
  auto answer = answer_from_bytes(testing::cache_entry_seed("answer"));
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->evaluation.metric, 0.75);
  EXPECT_EQ(answer->evaluation.per_sample.size(), 4u);
  ASSERT_TRUE(answer->cost.has_value());
  EXPECT_EQ(answer->cost->create_seconds, 0.1);
  auto screen = answer_from_bytes(testing::cache_entry_seed("answer_screen"));
  ASSERT_TRUE(screen.has_value());
  EXPECT_TRUE(screen->evaluation.approximate);
  auto probe = probe_from_bytes(testing::cache_entry_seed("probe"));
  ASSERT_TRUE(probe.has_value());
  ASSERT_EQ(probe->node_errors.size(), 2u);
  EXPECT_EQ(probe->node_errors[1].node, "mm");
  EXPECT_EQ(probe->samples, 64u);
}

}  // namespace
}  // namespace qac
