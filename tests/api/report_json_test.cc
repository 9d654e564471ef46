// The JSON reports record the qac version and every option of the run.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "qac/accuracy_control.h"
#include "qac/quantize.h"
#include "qac/version.h"

namespace qac {
namespace {

using json = nlohmann::json;

TEST(ReportJsonTest, QuantizationReportRecordsVersionAndOptions) {
  QuantizationReport r;
  r.options.preset = Preset::kMixed;
  r.options.activation_estimator = RangeEstimator::kKl;
  r.options.target = Target::kOpenVino;
  r.options.overflow_fix = OverflowFix::kEnable;
  r.options.bias_correction = BiasCorrection::kNone;
  r.options.ignored_scope.types = {"Softmax"};
  r.options.subset_size = 77;
  const json j = json::parse(r.to_json());
  EXPECT_EQ(j["qac_version"], version());
  const json& o = j["options"];
  EXPECT_EQ(o["preset"], "mixed");
  EXPECT_EQ(o["activation_estimator"], "kl");
  EXPECT_EQ(o["target"], "openvino");
  EXPECT_EQ(o["overflow_fix"], "enable");
  EXPECT_EQ(o["bias_correction"], "none");
  EXPECT_EQ(o["ignored_scope"]["types"], json::array({"Softmax"}));
  EXPECT_EQ(o["subset_size"], 77);
  for (const char* key : {"model_type", "quantile", "smooth_quant_alpha", "weights_as_int8_initializers", "batch_size",
                          "num_threads", "measure_latency"}) {
    EXPECT_TRUE(o.contains(key)) << key;
  }
}

TEST(ReportJsonTest, AccuracyControlReportRecordsVersionAndOptions) {
  AccuracyControlReport r;
  r.options.max_drop = 0.02;
  r.options.drop_type = DropType::kRelative;
  r.options.strategy = SearchStrategy::kNncf;
  r.options.restore_mode = RestoreMode::kOnlyActivations;
  r.options.tune_hyperparams = true;
  r.options.preset = Preset::kPerformance;
  r.quantization.options.preset = Preset::kMixed;  // what tuning chose
  const json j = json::parse(r.to_json());
  EXPECT_EQ(j["qac_version"], version());
  const json& o = j["options"];
  EXPECT_EQ(o["max_drop"], 0.02);
  EXPECT_EQ(o["drop_type"], "relative");
  EXPECT_EQ(o["strategy"], "nncf");
  EXPECT_EQ(o["restore_mode"], "only_activations");
  EXPECT_EQ(o["tune_hyperparams"], true);
  EXPECT_EQ(o["preset"], "performance");
  for (const char* key : {"ranking_subset_size", "max_num_iterations", "intermediate_dir", "activation_estimator"}) {
    EXPECT_TRUE(o.contains(key)) << key;
  }
  EXPECT_EQ(j["quantization"]["options"]["preset"], "mixed");
}

}  // namespace
}  // namespace qac
