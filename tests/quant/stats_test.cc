#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "quant/tensor_stats.h"

namespace qac {
namespace {

Tensor make_float(std::vector<int64_t> shape, const std::vector<float>& values) {
  Tensor t(DType::kFloat32, std::move(shape));
  EXPECT_EQ(t.numel(), values.size());
  std::copy(values.begin(), values.end(), t.data<float>());
  return t;
}

TEST(TensorStatsTest, PerSampleMinMaxAcrossBatches) {
  TensorStats s("x");
  // Batch 1: samples {1, -2, 3}, {0, 5, 1}; batch 2: sample {-1, -1, 7}.
  ASSERT_TRUE(s.add_batch(make_float({2, 3}, {1, -2, 3, 0, 5, 1}), 2).ok());
  ASSERT_TRUE(s.add_batch(make_float({1, 3}, {-1, -1, 7}), 1).ok());
  EXPECT_EQ(s.num_samples(), 3u);
  EXPECT_EQ(s.num_values(), 9u);
  EXPECT_EQ(s.min(), -2.0f);
  EXPECT_EQ(s.max(), 7.0f);
  EXPECT_DOUBLE_EQ(s.mean_sample_min(), (-2.0 + 0.0 - 1.0) / 3);
  EXPECT_DOUBLE_EQ(s.mean_sample_max(), (3.0 + 5.0 + 7.0) / 3);
  ASSERT_NE(s.histogram(), nullptr);
  EXPECT_EQ(s.histogram()->total(), 9u);
}

TEST(TensorStatsTest, LongRowsUseTheVectorPath) {
  // 2 samples of 1003 values (vector loop + scalar tail), extremes placed in the tail too.
  std::vector<float> v(2006);
  for (size_t i = 0; i < v.size(); ++i) v[i] = std::sin(static_cast<float>(i));
  v[1002] = -3.0f;  // sample 0, last element
  v[1003 + 5] = 4.0f;
  TensorStats s("x");
  ASSERT_TRUE(s.add_batch(make_float({2, 1003}, v), 2).ok());
  float min1 = 10, max0 = -10;
  for (size_t i = 1003; i < 2006; ++i) min1 = std::min(min1, v[i]);
  for (size_t i = 0; i < 1003; ++i) max0 = std::max(max0, v[i]);
  EXPECT_DOUBLE_EQ(s.mean_sample_min(), (-3.0 + min1) / 2);
  EXPECT_DOUBLE_EQ(s.mean_sample_max(), (max0 + 4.0) / 2);
}

TEST(TensorStatsTest, MergedSampleAxisIsSplitAndOtherLayoutsShareTheBatchRange) {
  TensorStats merged("m");
  // [N*T, C] = [2*2, 1]: samples {1, 2} and {10, 20}.
  ASSERT_TRUE(merged.add_batch(make_float({4, 1}, {1, 2, 10, 20}), 2).ok());
  EXPECT_DOUBLE_EQ(merged.mean_sample_min(), 5.5);
  EXPECT_DOUBLE_EQ(merged.mean_sample_max(), 11.0);
  TensorStats other("o");
  // [T, N] = [3, 2]: shape[0] is not a multiple of 2 samples -> both samples get [1, 30].
  ASSERT_TRUE(other.add_batch(make_float({3, 2}, {1, 2, 10, 20, 5, 30}), 2).ok());
  EXPECT_DOUBLE_EQ(other.mean_sample_min(), 1.0);
  EXPECT_DOUBLE_EQ(other.mean_sample_max(), 30.0);
  EXPECT_EQ(other.num_samples(), 2u);
}

TEST(TensorStatsTest, NonFiniteValuesAreCountedAndLeftOut) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  std::vector<float> v(40, 1.0f);
  v[0] = nan;  // first element of sample 0 (vector path)
  v[3] = -5.0f;
  v[25] = inf;
  v[30] = 2.0f;
  TensorStats s("t");
  ASSERT_TRUE(s.add_batch(make_float({2, 20}, v), 2).ok());
  EXPECT_EQ(s.num_nonfinite(), 2u);
  EXPECT_EQ(s.num_values(), 38u);
  EXPECT_EQ(s.min(), -5.0f);
  EXPECT_EQ(s.max(), 2.0f);
  EXPECT_DOUBLE_EQ(s.mean_sample_min(), (-5.0 + 1.0) / 2);
  EXPECT_DOUBLE_EQ(s.mean_sample_max(), (1.0 + 2.0) / 2);
  EXPECT_EQ(s.histogram()->total(), 38u);
  // A sample with nothing finite is left out of the per-sample mean.
  TensorStats all_nan("n");
  ASSERT_TRUE(all_nan.add_batch(make_float({2, 2}, {nan, nan, 3, 4}), 2).ok());
  EXPECT_DOUBLE_EQ(all_nan.mean_sample_min(), 3.0);
}

TEST(TensorStatsTest, ChannelMeansOverAllOtherAxes) {
  TensorStatsConfig config;
  config.channel_mean_axis = 1;
  TensorStats s("conv_out", config);
  // [N=2, C=2, HW=3]
  ASSERT_TRUE(s.add_batch(make_float({2, 2, 3}, {1, 2, 3, 10, 10, 10, 4, 5, 6, -1, -2, -3}), 2).ok());
  // second batch, one sample
  ASSERT_TRUE(s.add_batch(make_float({1, 2, 3}, {0, 0, 0, 1, 1, 1}), 1).ok());
  const std::vector<double> m = s.channel_means();
  ASSERT_EQ(m.size(), 2u);
  EXPECT_DOUBLE_EQ(m[0], (1 + 2 + 3 + 4 + 5 + 6 + 0) / 9.0);
  EXPECT_DOUBLE_EQ(m[1], (30 - 6 + 3) / 9.0);
  EXPECT_EQ(s.channel_mean_axis(), 1);

  TensorStatsConfig last;
  last.channel_mean_axis = -1;
  TensorStats t("matmul_out", last);
  ASSERT_TRUE(t.add_batch(make_float({2, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8}), 2).ok());
  const std::vector<double> mt = t.channel_means();
  ASSERT_EQ(mt.size(), 2u);
  EXPECT_DOUBLE_EQ(mt[0], 4.0);
  EXPECT_DOUBLE_EQ(mt[1], 5.0);
  EXPECT_EQ(t.channel_mean_axis(), 2);
}

TEST(TensorStatsTest, ChannelMeansOfLongChannelsAreAccurate) {
  TensorStatsConfig config;
  config.channel_mean_axis = 1;
  TensorStats s("x", config);
  const size_t inner = 5000;
  std::vector<float> v(2 * inner);
  for (size_t i = 0; i < inner; ++i) {
    v[i] = 0.1f * static_cast<float>(i % 7);
    v[inner + i] = -1.0f;
  }
  ASSERT_TRUE(s.add_batch(make_float({1, 2, static_cast<int64_t>(inner)}, v), 1).ok());
  double expected = 0.0;
  for (size_t i = 0; i < inner; ++i) expected += v[i];
  expected /= inner;
  EXPECT_NEAR(s.channel_means()[0], expected, 1e-6);
  EXPECT_DOUBLE_EQ(s.channel_means()[1], -1.0);
}

TEST(TensorStatsTest, ChannelAbsMaxAlongLastAxis) {
  TensorStatsConfig config;
  config.channel_absmax_last_axis = true;
  config.histogram = false;
  TensorStats s("x", config);
  ASSERT_TRUE(s.add_batch(make_float({2, 2, 3}, {1, -7, 0, 2, 3, -1, -4, 0, 0.5f, 0, 1, 0}), 2).ok());
  ASSERT_TRUE(s.add_batch(make_float({1, 1, 3}, {0, 0, 9}), 1).ok());
  EXPECT_EQ(s.channel_absmax(), (std::vector<float>{4, 7, 9}));
  EXPECT_EQ(s.histogram(), nullptr);
}

TEST(TensorStatsTest, ErrorsNameTheTensor) {
  TensorStatsConfig config;
  config.channel_mean_axis = 3;
  TensorStats bad_axis("conv7", config);
  Status st = bad_axis.add_batch(make_float({2, 2}, {1, 2, 3, 4}), 2);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("conv7"), std::string::npos);

  TensorStatsConfig means;
  means.channel_mean_axis = 1;
  TensorStats changing("gemm3", means);
  ASSERT_TRUE(changing.add_batch(make_float({1, 2}, {1, 2}), 1).ok());
  st = changing.add_batch(make_float({1, 3}, {1, 2, 3}), 1);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("gemm3"), std::string::npos);

  TensorStats ints("shape_out");
  st = ints.add_batch(Tensor(DType::kInt64, {2, 3}), 2);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("shape_out"), std::string::npos);
}

TEST(TensorStatsTest, Float64IsConverted) {
  Tensor t(DType::kFloat64, {2, 2});
  double* d = t.data<double>();
  d[0] = -1.5;
  d[1] = 2.0;
  d[2] = 0.0;
  d[3] = 0.25;
  TensorStats s("x");
  ASSERT_TRUE(s.add_batch(t, 2).ok());
  EXPECT_EQ(s.min(), -1.5f);
  EXPECT_EQ(s.max(), 2.0f);
  EXPECT_DOUBLE_EQ(s.mean_sample_max(), 1.125);
}

}  // namespace
}  // namespace qac
