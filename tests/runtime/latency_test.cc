// compare_latency (runtime/latency.h) on a float and a QDQ convolution: what it measures and
// reports, and the errors that name the model. No assertion on absolute times.
#include "runtime/latency.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "support/conv_models.h"

namespace qac {
namespace {

using testing::kConvInputShape;

NamedTensors conv_feeds() { return {{"x", testing::random_tensor(kConvInputShape, /*seed=*/3)}}; }

LatencyOptions quick_options() {
  LatencyOptions o;
  o.labels = {"fp32.onnx", "int8.onnx"};
  o.warmup_runs = 1;
  o.timed_runs = 5;
  return o;
}

bool has_op_type(const ModelLatency& m, const std::string& op_type) {
  return std::any_of(m.op_type_times.begin(), m.op_type_times.end(),
                     [&](const OpTypeTime& t) { return t.op_type == op_type; });
}

TEST(LatencyTest, ComparesFloatAndQdqConvolution) {
  LatencyOptions options = quick_options();
  options.profiled_runs = 2;
  auto c = compare_latency({testing::float_conv_model(), testing::qdq_conv_model()}, conv_feeds(), options);
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  ASSERT_EQ(c->models.size(), 2u);
  for (size_t m = 0; m < 2; ++m) {
    const ModelLatency& model = c->models[m];
    SCOPED_TRACE(model.label);
    EXPECT_EQ(model.label, options.labels[m]);
    ASSERT_EQ(model.run_ms.size(), 5u);
    const auto [fastest, slowest] = std::minmax_element(model.run_ms.begin(), model.run_ms.end());
    EXPECT_GT(*fastest, 0);
    EXPECT_LE(*fastest, model.p10_ms);
    EXPECT_LE(model.p10_ms, model.median_ms);
    EXPECT_LE(model.median_ms, model.p90_ms);
    EXPECT_LE(model.p90_ms, *slowest);
    EXPECT_DOUBLE_EQ(model.ratio_to_first, model.median_ms / c->models[0].median_ms);
    ASSERT_TRUE(model.coverage.has_value());
    EXPECT_EQ(model.coverage->total_macs(), testing::kConvMacs);
    EXPECT_FALSE(model.op_type_times.empty());
  }
  EXPECT_EQ(c->models[0].ratio_to_first, 1.0);
  EXPECT_EQ(c->models[0].coverage->share(), 0.0);
  EXPECT_EQ(c->models[1].coverage->share(), 1.0);
  EXPECT_TRUE(has_op_type(c->models[1], "QLinearConv"));
  EXPECT_FALSE(has_op_type(c->models[0], "QLinearConv"));
}

TEST(LatencyTest, ProfileAndCoverageOnlyWhenAsked) {
  LatencyOptions options = quick_options();
  options.labels.clear();
  options.coverage = false;
  auto c = compare_latency({testing::qdq_conv_model()}, conv_feeds(), options);
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  ASSERT_EQ(c->models.size(), 1u);
  EXPECT_EQ(c->models[0].label, "model 1");
  EXPECT_FALSE(c->models[0].coverage.has_value());
  EXPECT_TRUE(c->models[0].op_type_times.empty());
}

TEST(LatencyTest, RejectsBadOptions) {
  const std::string model = testing::float_conv_model();
  LatencyOptions too_few_labels = quick_options();
  too_few_labels.labels = {"only one"};
  LatencyOptions no_runs = quick_options();
  no_runs.timed_runs = 0;
  LatencyOptions negative_warmup = quick_options();
  negative_warmup.warmup_runs = -1;
  EXPECT_EQ(compare_latency(std::vector<std::string>{}, conv_feeds(), LatencyOptions()).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(compare_latency({model, model}, conv_feeds(), too_few_labels).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(compare_latency({model, model}, conv_feeds(), no_runs).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(compare_latency({model, model}, conv_feeds(), negative_warmup).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(LatencyTest, ErrorsNameTheModel) {
  auto broken = compare_latency({testing::float_conv_model(), "not a model"}, conv_feeds(), quick_options());
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.status().message().find("int8.onnx"), std::string::npos) << broken.status().message();

  const NamedTensors wrong_shape = {{"x", testing::random_tensor({1, 3, 8, 8}, 1)}};
  auto mismatch = compare_latency({testing::float_conv_model(), testing::qdq_conv_model()}, wrong_shape,
                                  quick_options());
  ASSERT_FALSE(mismatch.ok());
  EXPECT_NE(mismatch.status().message().find("fp32.onnx"), std::string::npos) << mismatch.status().message();
  EXPECT_NE(mismatch.status().message().find("'x'"), std::string::npos) << mismatch.status().message();
}

}  // namespace
}  // namespace qac
