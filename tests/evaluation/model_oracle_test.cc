// ModelOracle on a small real model: scores against FP32 read from the cached FP32 outputs equal
// the scores computed by running the FP32 model next to every batch.
#include "evaluation/model_oracle.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "evaluation/evaluator.h"
#include "onnx/model_io.h"
#include "quant/groups.h"
#include "quant/pipeline.h"
#include "runtime/session.h"
#include "tiny_calibrated_models.h"

namespace qac {
namespace {

// The switchable model and the probe that runs on it are built for NNCF's form.
AccuracyControlOptions nncf_form_options() {
  AccuracyControlOptions o;
  o.target = Target::kOpenVino;
  return o;
}


using testing::calibrated;
using testing::metric_named;
using testing::tiny_mlp;
using testing::tiny_samples;

constexpr int64_t kSamples = 120;

class ModelOracleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cm_ = calibrated(tiny_mlp(), calibration_, options_);
    groups_ = build_groups(cm_.fp32, cm_.setup);
    ASSERT_GE(groups_.size(), 3u);
  }

  // Scores `model` by running the FP32 model next to every batch (no cache involved).
  MetricValue direct_score(const onnx::ModelProto& model, const std::string& metric_name,
                           const Dataset& data) {
    auto session = Session::create(serialize(model), SessionOptions{}, "evaluated");
    auto reference = Session::create(serialize(cm_.fp32), SessionOptions{}, "reference");
    EXPECT_TRUE(session.ok() && reference.ok());
    auto metric = make_metric(MetricSpec{metric_name, "", 0});
    EXPECT_TRUE(metric.ok());
    auto value = evaluate(**session, reference->get(), data, **metric, EvaluationOptions{});
    EXPECT_TRUE(value.ok()) << value.status().to_string();
    return value.ok() ? *value : MetricValue{};
  }

  AccuracyControlOptions options_ = nncf_form_options();
  testing::MemoryDataset calibration_ = tiny_samples({0, testing::kTinyFeatures}, kSamples, 1);
  testing::MemoryDataset validation_ = tiny_samples({0, testing::kTinyFeatures}, kSamples, 2);
  CalibratedModel cm_;
  std::vector<QuantizerGroup> groups_;
};

TEST_F(ModelOracleTest, CachedFp32OutputsScoreLikeRunningTheFp32Model) {
  for (const std::string name : {"sqnr", "agreement"}) {
    ModelOracle cached(cm_, groups_, validation_, metric_named(name), options_);
    ModelOracle recomputing(cm_, groups_, validation_, metric_named(name), options_,
                            /*reference_budget_bytes=*/0);
    auto fp32 = cached.evaluate_fp32({});
    ASSERT_TRUE(fp32.ok()) << fp32.status().to_string();
    ASSERT_TRUE(recomputing.evaluate_fp32({}).ok());
    EXPECT_TRUE(cached.fp32_outputs_cached());
    EXPECT_FALSE(recomputing.fp32_outputs_cached());
    EXPECT_EQ(fp32->per_sample.size(), static_cast<size_t>(kSamples));

    const std::vector<size_t> subset = {3, 4, 17, 60, 61, 119};
    for (const std::vector<int>& reverted : {std::vector<int>{}, std::vector<int>{1}}) {
      for (const std::vector<size_t>& on : {std::vector<size_t>{}, subset}) {
        auto a = cached.evaluate(reverted, on);
        auto b = recomputing.evaluate(reverted, on);
        ASSERT_TRUE(a.ok() && b.ok()) << name;
        EXPECT_EQ(a->metric, b->metric) << name;
        EXPECT_EQ(a->per_sample, b->per_sample) << name;
      }
      auto nmse_cached = cached.output_nmse(reverted, subset);
      auto nmse_recomputed = recomputing.output_nmse(reverted, subset);
      ASSERT_TRUE(nmse_cached.ok() && nmse_recomputed.ok());
      EXPECT_EQ(*nmse_cached, *nmse_recomputed) << name;
    }

    // And both equal scoring the emitted model with a fresh pair of sessions.
    auto model = cached.model_for({0});
    ASSERT_TRUE(model.ok());
    const MetricValue direct = direct_score(*model, name, validation_);
    auto full = cached.evaluate({0}, {});
    ASSERT_TRUE(full.ok());
    EXPECT_EQ(full->metric, direct.value) << name;
    EXPECT_EQ(full->per_sample, direct.per_sample) << name;
  }
}

TEST_F(ModelOracleTest, Fp32ScoredAgainstItselfIsPerfect) {
  ModelOracle oracle(cm_, groups_, validation_, metric_named("agreement"), options_);
  auto fp32 = oracle.evaluate_fp32({});
  ASSERT_TRUE(fp32.ok()) << fp32.status().to_string();
  EXPECT_EQ(fp32->metric, 1.0);
  auto subset = oracle.evaluate_fp32({5, 9});
  ASSERT_TRUE(subset.ok());
  EXPECT_EQ(subset->per_sample, (std::vector<double>{1.0, 1.0}));
}

TEST_F(ModelOracleTest, SensitivityIsOneFiniteNonNegativeValuePerGroup) {
  ModelOracle oracle(cm_, groups_, validation_, metric_named("agreement"), options_);
  auto sensitivity = oracle.sensitivity();
  ASSERT_TRUE(sensitivity.ok()) << sensitivity.status().to_string();
  ASSERT_EQ(sensitivity->size(), groups_.size());
  double total = 0;
  for (double s : *sensitivity) {
    EXPECT_TRUE(std::isfinite(s));
    EXPECT_GE(s, 0.0);
    total += s;
  }
  EXPECT_GT(total, 0.0);  // quantization adds noise somewhere
}

TEST_F(ModelOracleTest, SensitivityOnTheSwitchableModelMatchesTheTwoModelProbe) {
  ModelOracle switchable(cm_, groups_, validation_, metric_named("agreement"), options_);
  switchable.set_screening_model(ModelOracle::ScreeningModel::kSwitchable);
  ModelOracle real(cm_, groups_, validation_, metric_named("agreement"), options_);
  real.set_screening_model(ModelOracle::ScreeningModel::kReal);
  for (ModelOracle* oracle : {&switchable, &real}) {
    ASSERT_TRUE(oracle->evaluate_fp32({}).ok());
    ASSERT_TRUE(oracle->evaluate({}, {}).ok());  // what the searches do before the probe
  }
  auto a = switchable.sensitivity();
  auto b = real.sensitivity();
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_EQ(a->size(), b->size());
  for (size_t g = 0; g < a->size(); ++g) {
    EXPECT_NEAR((*a)[g], (*b)[g], 1e-3 * std::max((*a)[g], (*b)[g]) + 1e-12) << "group " << g;
  }
  // The probe's session then screens.
  auto screened = switchable.screen({1}, {0, 5, 7});
  ASSERT_TRUE(screened.ok()) << screened.status().to_string();
  EXPECT_TRUE(screened->approximate);
}

}  // namespace
}  // namespace qac
