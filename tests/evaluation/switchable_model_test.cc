// The switchable evaluation model: for every configuration of reverted groups it computes what
// the emitted model of that configuration computes, and ModelOracle::screen() uses it only for
// strict subsets, only with restore_mode activations_and_weights, and only when it agrees with
// the real quantized model.
#include "quant/switchable_emit.h"

#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <vector>

#include "evaluation/model_oracle.h"
#include "evaluation/switchable_screen.h"
#include "onnx/model_io.h"
#include "runtime/batching.h"
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
using testing::tiny_samples;

constexpr int64_t kSamples = 40;

std::vector<float> first_output(const Session& session, const Dataset& data) {
  std::vector<float> values;
  const Status status = run_batches(session, data, data.size(), 0, {},
                                    [&](size_t, size_t, const NamedTensors&, std::vector<Tensor>& outputs) {
                                      const auto batch = outputs.front().to_float();
                                      values.insert(values.end(), batch.begin(), batch.end());
                                      return Status::Ok();
                                    });
  EXPECT_TRUE(status.ok()) << status.to_string();
  return values;
}

std::vector<std::vector<int>> every_configuration(size_t groups) {
  std::vector<std::vector<int>> all;
  for (size_t mask = 0; mask < (size_t{1} << groups); ++mask) {
    std::vector<int> reverted;
    for (size_t g = 0; g < groups; ++g) {
      if (mask & (size_t{1} << g)) reverted.push_back(static_cast<int>(g));
    }
    all.push_back(reverted);
  }
  return all;
}

struct Case {
  const char* name;
  onnx::ModelProto (*model)();
  std::vector<int64_t> input_shape;
};

class SwitchableModelTest : public ::testing::TestWithParam<Case> {};

// Without graph optimizations both models execute their Q/DQ arithmetic as written, so the
// switchable model must give bit-identical outputs to the emitted model of each configuration.
TEST_P(SwitchableModelTest, EveryConfigurationComputesWhatItsEmittedModelComputes) {
  const Case& c = GetParam();
  AccuracyControlOptions options; // NNCF form: the switchable model exists for it only
  options.target = Target::kOpenVino;
  const auto calibration = tiny_samples(c.input_shape, kSamples, 1);
  const auto validation = tiny_samples(c.input_shape, kSamples, 2);
  const CalibratedModel cm = calibrated(c.model(), calibration, options);
  const std::vector<QuantizerGroup> groups = build_groups(cm.fp32, cm.setup);
  ASSERT_GE(groups.size(), 3u);
  ASSERT_FALSE(cm.params.corrected_add_bias.empty()) << "the case must cover an Add bias corrected in place";

  auto switchable = emit_switchable(cm, groups, options);
  ASSERT_TRUE(switchable.ok()) << switchable.status().to_string();
  EXPECT_EQ(switchable->num_groups, groups.size());
  SessionOptions as_written;
  as_written.optimization = OptimizationLevel::kDisabled;
  auto screen = SwitchableScreen::create(cm, groups, options, as_written);
  ASSERT_TRUE(screen.ok()) << screen.status().to_string();
  ModelOracle oracle(cm, groups, validation, metric_named("agreement"), options);

  std::set<std::vector<float>> distinct_outputs;
  for (const std::vector<int>& reverted : every_configuration(groups.size())) {
    auto emitted = oracle.model_for(reverted);
    ASSERT_TRUE(emitted.ok());
    auto session = Session::create(serialize(*emitted), as_written, "emitted");
    ASSERT_TRUE(session.ok()) << session.status().to_string();
    const std::vector<float> expected = first_output(**session, validation);
    const std::vector<float> got = first_output((*screen)->session(), (*screen)->feed(validation, reverted));
    ASSERT_EQ(got.size(), expected.size());
    EXPECT_EQ(got, expected) << c.name << ", " << reverted.size() << " groups in float";
    distinct_outputs.insert(got);
  }
  // Every group matters on these models: no two configurations compute the same outputs.
  EXPECT_EQ(distinct_outputs.size(), size_t{1} << groups.size());
}

INSTANTIATE_TEST_SUITE_P(TinyModels, SwitchableModelTest,
                         ::testing::Values(Case{"mlp", testing::tiny_mlp, {0, testing::kTinyFeatures}},
                                           Case{"convnet", testing::tiny_convnet, {0, 3, 6, 6}}),
                         [](const ::testing::TestParamInfo<Case>& info) { return std::string(info.param.name); });

TEST(SwitchableModel, TheSwitchInputIsOneBoolPerGroupAndSample) {
  AccuracyControlOptions options; // NNCF form: the switchable model exists for it only
  options.target = Target::kOpenVino;
  const auto calibration = tiny_samples({0, testing::kTinyFeatures}, kSamples, 1);
  const CalibratedModel cm = calibrated(testing::tiny_mlp(), calibration, options);
  const auto groups = build_groups(cm.fp32, cm.setup);
  auto switchable = emit_switchable(cm, groups, options);
  ASSERT_TRUE(switchable.ok()) << switchable.status().to_string();
  const onnx::ValueInfoProto* input = nullptr;
  for (const auto& in : switchable->model.graph().input()) {
    if (in.name() == switchable->switch_input) input = &in;
  }
  ASSERT_NE(input, nullptr);
  const auto& type = input->type().tensor_type();
  EXPECT_EQ(type.elem_type(), onnx::TensorProto_DataType_BOOL);
  ASSERT_EQ(type.shape().dim_size(), 2);
  EXPECT_FALSE(type.shape().dim(0).dim_param().empty());
  EXPECT_EQ(type.shape().dim(1).dim_value(), static_cast<int64_t>(groups.size()));
  // The graph outputs are the float model's.
  ASSERT_EQ(switchable->model.graph().output_size(), cm.fp32.graph().output_size());
  EXPECT_EQ(switchable->model.graph().output(0).name(), cm.fp32.graph().output(0).name());
}

TEST(SwitchableScreenPolicy, PaysOffWhenASessionCostsMoreThanRunningTheSamples) {
  EXPECT_TRUE(switchable_pays_off({0.012, 0.00006}, 50));   // small model: 12 ms vs 3 ms
  EXPECT_FALSE(switchable_pays_off({0.1, 0.03}, 50));       // large model: 0.1 s vs 1.5 s
  EXPECT_FALSE(switchable_pays_off({0.0, 0.0}, 50));        // nothing measured
}

TEST(SwitchableScreenPolicy, AgreesOnlyWhenEveryScreenedSampleMatchesTheRealModel) {
  const std::vector<double> real = {1, 0, 1, 1, 0.25};
  EXPECT_TRUE(agrees_with_real({0, 1, 0.25}, real, {1, 2, 4}));
  EXPECT_FALSE(agrees_with_real({1, 1, 0.25}, real, {1, 2, 4}));
  EXPECT_FALSE(agrees_with_real({0, 1, 0.2500001}, real, {1, 2, 4}));
  EXPECT_FALSE(agrees_with_real({0, 1}, real, {1, 2, 4}));  // sizes differ
  EXPECT_FALSE(agrees_with_real({0}, real, {7}));            // no such sample
  EXPECT_FALSE(agrees_with_real({}, {}, {}));
}

// Scores every sample of its k-th evaluation as k: no two evaluations agree.
class EvaluationCounter : public Metric {
 public:
  explicit EvaluationCounter(int k) : k_(k) {}
  std::string name() const override { return "counter"; }
  bool needs_labels() const override { return false; }
  bool needs_reference() const override { return false; }
  Status add_batch(size_t, const std::vector<Tensor>& outputs, const std::vector<Tensor>&, const Labels*) override {
    samples_ += static_cast<size_t>(outputs.front().shape[0]);
    return Status::Ok();
  }
  Result<MetricValue> finish() override { return MetricValue{double(k_), std::vector<double>(samples_, k_), {}}; }
  void reset() override { samples_ = 0; }

 private:
  int k_;
  size_t samples_ = 0;
};

class OracleScreenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cm_ = calibrated(testing::tiny_mlp(), calibration_, nncf_form_options());
    groups_ = build_groups(cm_.fp32, cm_.setup);
    ASSERT_GE(groups_.size(), 3u);
  }
  testing::MemoryDataset calibration_ = tiny_samples({0, testing::kTinyFeatures}, kSamples, 1);
  testing::MemoryDataset validation_ = tiny_samples({0, testing::kTinyFeatures}, kSamples, 2);
  CalibratedModel cm_;
  std::vector<QuantizerGroup> groups_;
  const std::vector<size_t> subset_ = {1, 2, 3, 10, 20, 30};
};

TEST_F(OracleScreenTest, ScreensStrictSubsetsOnTheSwitchableModel) {
  AccuracyControlOptions options; // NNCF form: the switchable model exists for it only
  options.target = Target::kOpenVino;
  ModelOracle oracle(cm_, groups_, validation_, metric_named("agreement"), options);
  oracle.set_screening_model(ModelOracle::ScreeningModel::kSwitchable);  // not left to timings
  ASSERT_TRUE(oracle.evaluate_fp32({}).ok());
  ASSERT_TRUE(oracle.evaluate({}, {}).ok());  // the real fully quantized model, on every sample
  for (const std::vector<int>& reverted : every_configuration(groups_.size())) {
    auto screened = oracle.screen(reverted, subset_);
    ASSERT_TRUE(screened.ok()) << screened.status().to_string();
    EXPECT_TRUE(screened->approximate);
    auto measured = oracle.evaluate(reverted, subset_);
    ASSERT_TRUE(measured.ok());
    EXPECT_FALSE(measured->approximate);
    EXPECT_EQ(screened->per_sample, measured->per_sample) << reverted.size() << " groups in float";
  }
  // The full set is never screened.
  auto full = oracle.screen({0}, {});
  ASSERT_TRUE(full.ok());
  EXPECT_FALSE(full->approximate);
  EXPECT_NE(oracle.full_set_result({0}), nullptr);
}

TEST_F(OracleScreenTest, ScreensOnRealModelsWhenRevertsKeepInt8Weights) {
  AccuracyControlOptions options; // NNCF form: the switchable model exists for it only
  options.target = Target::kOpenVino;
  options.restore_mode = RestoreMode::kOnlyActivations;
  ModelOracle oracle(cm_, groups_, validation_, metric_named("agreement"), options);
  oracle.set_screening_model(ModelOracle::ScreeningModel::kSwitchable);
  ASSERT_TRUE(oracle.evaluate_fp32({}).ok());
  ASSERT_TRUE(oracle.evaluate({}, {}).ok());
  auto screened = oracle.screen({1}, subset_);
  ASSERT_TRUE(screened.ok());
  EXPECT_FALSE(screened->approximate);
}

TEST_F(OracleScreenTest, ScreensOnRealModelsBeforeTheQuantizedModelWasMeasured) {
  ModelOracle oracle(cm_, groups_, validation_, metric_named("agreement"), nncf_form_options());
  oracle.set_screening_model(ModelOracle::ScreeningModel::kSwitchable);
  ASSERT_TRUE(oracle.evaluate_fp32({}).ok());
  auto screened = oracle.screen({1}, subset_);
  ASSERT_TRUE(screened.ok());
  EXPECT_FALSE(screened->approximate);
}

TEST_F(OracleScreenTest, ScreensOnRealModelsWhenAskedTo) {
  ModelOracle oracle(cm_, groups_, validation_, metric_named("agreement"), nncf_form_options());
  oracle.set_screening_model(ModelOracle::ScreeningModel::kReal);
  ASSERT_TRUE(oracle.evaluate_fp32({}).ok());
  ASSERT_TRUE(oracle.evaluate({}, {}).ok());
  auto screened = oracle.screen({1}, subset_);
  ASSERT_TRUE(screened.ok());
  EXPECT_FALSE(screened->approximate);
}

TEST_F(OracleScreenTest, ScreensOnRealModelsWhenTheSwitchableModelDisagrees) {
  int evaluations = 0;
  const MetricFactory counter = [&evaluations]() -> Result<std::unique_ptr<Metric>> {
    return std::unique_ptr<Metric>(new EvaluationCounter(++evaluations));
  };
  ModelOracle oracle(cm_, groups_, validation_, counter, nncf_form_options());
  oracle.set_screening_model(ModelOracle::ScreeningModel::kSwitchable);
  ASSERT_TRUE(oracle.evaluate_fp32({}).ok());
  ASSERT_TRUE(oracle.evaluate({}, {}).ok());
  auto screened = oracle.screen({1}, subset_);
  ASSERT_TRUE(screened.ok());
  EXPECT_FALSE(screened->approximate);
  EXPECT_EQ(evaluations, 4);  // FP32, quantized, the switchable model's check, the real screen
}

}  // namespace
}  // namespace qac
