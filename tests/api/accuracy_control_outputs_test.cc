// A model with two outputs, output 0 quantizes well and output 1 is broken by INT8 (it reads
// the small channels of a tensor whose range one large channel sets): the default label-free
// metric counts each sample's worst output, so it sees the broken one; accuracy control repairs
// it, and the report gives each output's value for FP32, plain INT8 and the returned model.
#include <gtest/gtest.h>

#include "qac/accuracy_control.h"
#include "qac/metric.h"
#include "qac/model.h"
#include "support/memory_dataset.h"
#include "support/model_builder.h"

namespace qac {
namespace {

using testing::MemoryDataset;
using testing::ModelBuilder;

// x [N, 8]: good = x W0; t = x W1 with column 0 a thousand times larger; broken = t W2, where W2
// ignores column 0 of t.
Model two_output_model() {
  std::vector<float> w1 = testing::random_values(64, 2);
  for (int r = 0; r < 8; ++r) w1[static_cast<size_t>(r) * 8] *= 1000.0f;
  std::vector<float> w2 = testing::random_values(32, 3);
  for (int c = 0; c < 4; ++c) w2[static_cast<size_t>(c)] = 0.0f;
  ModelBuilder b;
  b.input("x", {-1, 8}).output("good").output("broken");
  b.random_initializer("w0", {8, 4}, 1).initializer("w1", {8, 8}, w1).initializer("w2", {8, 4}, w2);
  b.node("MatMul", {"x", "w0"}, {"good"}, "good_head");
  b.node("MatMul", {"x", "w1"}, {"t"}, "wide");
  b.node("MatMul", {"t", "w2"}, {"broken"}, "broken_head");
  return Model::from_bytes(b.serialize(), "two_outputs.onnx").value();
}

TEST(AccuracyControlOutputs, TheBrokenOutputIsSeenReportedAndRepaired) {
  const MemoryDataset calibration({{"x", testing::random_tensor({64, 8}, 10)}});
  const MemoryDataset validation({{"x", testing::random_tensor({64, 8}, 20)}});
  AccuracyControlOptions options;
  options.kernel_timing = false;
  options.measure_latency = false;
  options.max_drop = 0.01;
  const MetricFactory cosine = [] {
    MetricSpec spec;
    spec.name = "cosine";
    return make_metric(spec);
  };
  AccuracyControlReport report;
  auto result = quantize_with_accuracy_control(two_output_model(), calibration, validation, cosine, options, &report);
  ASSERT_TRUE(result.ok()) << result.status().to_string();
  ASSERT_EQ(report.per_output.size(), 2u);
  EXPECT_EQ(report.per_output[0].output, "good");
  EXPECT_EQ(report.per_output[1].output, "broken");
  EXPECT_GT(report.per_output[0].int8, 0.98);
  EXPECT_LT(report.per_output[1].int8, 0.5);             // broken by plain INT8
  EXPECT_GT(report.int8_drop, options.max_drop);          // and the metric sees it
  EXPECT_TRUE(report.budget_met);
  EXPECT_GE(report.per_output[1].final_value, 0.99);      // repaired
  EXPECT_FALSE(report.reverted.empty());
  EXPECT_NE(report.to_json().find("\"per_output\""), std::string::npos);
  EXPECT_NE(report.summary().find("output 'broken'"), std::string::npos);
}

}  // namespace
}  // namespace qac
