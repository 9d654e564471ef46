#include "quant/statistics.h"

#include <gtest/gtest.h>

#include <cmath>

#include "support/memory_dataset.h"
#include "support/model_builder.h"

namespace qac {
namespace {

using testing::ModelBuilder;

using testing::MemoryDataset;

constexpr int64_t kIn = 3, kOut = 2, kSamples = 7;
const std::vector<float> kWeights = {1.0f, -1.0f, 0.5f, 2.0f, -2.0f, 0.25f};  // [3, 2]

// x [N, 3] -> MatMul(w) -> mm [N, 2] -> Relu -> r -> Add(b) -> y (graph output);
// Shape(r) -> shp (int64, unused); an If whose branches compute `inner` from r.
onnx::ModelProto matmul_relu_model(int64_t batch = -1) {
  ModelBuilder b;
  b.input("x", {batch, kIn}).output("y").initializer("w", {kIn, kOut}, kWeights);
  b.initializer("b", {kOut}, {0.5f, -0.5f});
  b.node("MatMul", {"x", "w"}, {"mm"}, "matmul");
  b.node("Relu", {"mm"}, {"r"}, "relu");
  b.node("Add", {"r", "b"}, {"y"}, "add");
  b.node("Shape", {"r"}, {"shp"}, "shape");
  ModelBuilder branch;
  branch.output("inner");
  branch.node("Identity", {"r"}, {"inner"}, "inner_identity");
  onnx::GraphProto body = branch.build().graph();
  b.model().mutable_graph()->add_initializer()->CopyFrom(
      [] {
        onnx::TensorProto t;
        t.set_name("cond");
        t.set_data_type(onnx::TensorProto_DataType_BOOL);
        t.add_int32_data(1);
        return t;
      }());
  b.node("If", {"cond"}, {"if_out"}, "if").graph("then_branch", body).graph("else_branch", body);
  b.output("if_out");
  return b.build();
}

Tensor inputs_tensor() {
  return testing::random_tensor({kSamples, kIn}, /*seed=*/42, -2.0f, 2.0f);
}

// mm[s][o] computed by hand.
std::vector<std::vector<float>> matmul_by_hand(const Tensor& x, int64_t samples) {
  std::vector<std::vector<float>> mm(static_cast<size_t>(samples), std::vector<float>(kOut, 0.0f));
  for (int64_t s = 0; s < samples; ++s) {
    for (int64_t o = 0; o < kOut; ++o) {
      float acc = 0.0f;
      for (int64_t i = 0; i < kIn; ++i) acc += x.data<float>()[s * kIn + i] * kWeights[i * kOut + o];
      mm[static_cast<size_t>(s)][static_cast<size_t>(o)] = acc;
    }
  }
  return mm;
}

void expect_matches_by_hand(const std::map<std::string, TensorStats>& stats, const Tensor& x,
                            int64_t samples) {
  const auto mm = matmul_by_hand(x, samples);
  for (const char* name : {"mm", "r"}) {
    SCOPED_TRACE(name);
    const bool relu = std::string(name) == "r";
    auto it = stats.find(name);
    ASSERT_NE(it, stats.end());
    const TensorStats& s = it->second;
    double sum_min = 0, sum_max = 0;
    float lo = 1e30f, hi = -1e30f;
    std::vector<double> channel_sum(kOut, 0.0);
    std::vector<float> absmax(kOut, 0.0f);
    for (const auto& row : mm) {
      float rlo = 1e30f, rhi = -1e30f;
      for (size_t o = 0; o < row.size(); ++o) {
        const float v = relu ? std::max(row[o], 0.0f) : row[o];
        rlo = std::min(rlo, v);
        rhi = std::max(rhi, v);
        channel_sum[o] += v;
        absmax[o] = std::max(absmax[o], std::fabs(v));
      }
      sum_min += rlo;
      sum_max += rhi;
      lo = std::min(lo, rlo);
      hi = std::max(hi, rhi);
    }
    EXPECT_EQ(s.num_samples(), static_cast<size_t>(samples));
    EXPECT_NEAR(s.min(), lo, 1e-5);
    EXPECT_NEAR(s.max(), hi, 1e-5);
    EXPECT_NEAR(s.mean_sample_min(), sum_min / samples, 1e-5);
    EXPECT_NEAR(s.mean_sample_max(), sum_max / samples, 1e-5);
    ASSERT_NE(s.histogram(), nullptr);
    EXPECT_EQ(s.histogram()->total(), static_cast<uint64_t>(samples * kOut));
    if (!relu) {
      const std::vector<double> means = s.channel_means();
      ASSERT_EQ(means.size(), static_cast<size_t>(kOut));
      for (size_t o = 0; o < means.size(); ++o) EXPECT_NEAR(means[o], channel_sum[o] / samples, 1e-5);
    } else {
      ASSERT_EQ(s.channel_absmax().size(), static_cast<size_t>(kOut));
      for (size_t o = 0; o < absmax.size(); ++o) EXPECT_NEAR(s.channel_absmax()[o], absmax[o], 1e-5);
    }
  }
}

StatisticsRequest request_mm_r() {
  StatisticsRequest r;
  r.tensors = {"mm", "r"};
  r.channel_mean_axis = {{"mm", 1}};
  r.channel_absmax_last_axis = {"r"};
  return r;
}

TEST(StatisticsTest, MatchesValuesComputedByHand) {
  const Tensor x = inputs_tensor();
  const MemoryDataset data({{"x", x}});
  for (size_t batch : {size_t{3}, size_t{0}}) {  // explicit (3, 3, 1) and automatic batches
    SCOPED_TRACE(batch);
    auto stats = collect_statistics(matmul_relu_model(), data, request_mm_r(), 300, batch, SessionOptions{});
    ASSERT_TRUE(stats.ok()) << stats.status().to_string();
    expect_matches_by_hand(stats.value(), x, kSamples);
  }
}

TEST(StatisticsTest, FixedBatchModelAndSubset) {
  const Tensor x = inputs_tensor();
  const MemoryDataset data({{"x", x}});
  auto stats = collect_statistics(matmul_relu_model(/*batch=*/1), data, request_mm_r(),
                                  /*subset_size=*/4, /*batch_size=*/3, SessionOptions{});
  ASSERT_TRUE(stats.ok()) << stats.status().to_string();
  expect_matches_by_hand(stats.value(), x, 4);
}

TEST(StatisticsTest, OptimizationLevelDoesNotChangeStatistics) {
  const Tensor x = inputs_tensor();
  const MemoryDataset data({{"x", x}});
  SessionOptions disabled;
  disabled.optimization = OptimizationLevel::kDisabled;
  auto stats = collect_statistics(matmul_relu_model(), data, request_mm_r(), 300, 2, disabled);
  ASSERT_TRUE(stats.ok()) << stats.status().to_string();
  expect_matches_by_hand(stats.value(), x, kSamples);
}

TEST(StatisticsTest, UnobservableTensorsAreSkipped) {
  const MemoryDataset data({{"x", inputs_tensor()}});
  StatisticsRequest r;
  // graph input, graph output, int64 tensor, initializer, value inside the If branches
  r.tensors = {"x", "y", "shp", "w", "inner"};
  auto stats = collect_statistics(matmul_relu_model(), data, r, 300, 4, SessionOptions{});
  ASSERT_TRUE(stats.ok()) << stats.status().to_string();
  EXPECT_EQ(stats->size(), 2u);
  ASSERT_TRUE(stats->count("x"));
  ASSERT_TRUE(stats->count("y"));
  EXPECT_GE(stats->at("x").min(), -2.0f);
  EXPECT_EQ(stats->at("x").num_values(), static_cast<uint64_t>(kSamples * kIn));
  EXPECT_GE(stats->at("y").min(), -0.5f);  // relu + bias
}

// Batches large enough for the multi-threaded accumulation give the same statistics as one
// thread, and errors raised on helper threads come back.
TEST(StatisticsTest, ThreadCountDoesNotChangeStatistics) {
  constexpr int64_t kWidth = 20000;
  ModelBuilder b;
  b.input("x", {-1, kWidth}).output("y");
  b.node("Relu", {"x"}, {"r"}, "relu");
  b.node("Neg", {"x"}, {"n"}, "neg");
  b.node("Sigmoid", {"x"}, {"s"}, "sigmoid");
  b.node("Sum", {"r", "n", "s"}, {"y"}, "sum");
  const MemoryDataset data({{"x", testing::random_tensor({10, kWidth}, 3)}});
  StatisticsRequest r;
  r.tensors = {"x", "r", "n", "s", "y"};
  std::map<std::string, TensorStats> per_threads[2];
  for (int threads : {1, 2}) {
    SessionOptions options;
    options.intra_op_threads = threads;
    auto stats = collect_statistics(b.build(), data, r, 300, /*batch_size=*/4, options);
    ASSERT_TRUE(stats.ok()) << stats.status().to_string();
    per_threads[threads - 1] = std::move(stats).value();
  }
  ASSERT_EQ(per_threads[0].size(), 5u);
  for (const auto& [name, one] : per_threads[0]) {
    SCOPED_TRACE(name);
    const TensorStats& two = per_threads[1].at(name);
    EXPECT_EQ(one.min(), two.min());
    EXPECT_EQ(one.max(), two.max());
    EXPECT_EQ(one.mean_sample_min(), two.mean_sample_min());
    EXPECT_EQ(one.mean_sample_max(), two.mean_sample_max());
    EXPECT_EQ(one.histogram()->counts(), two.histogram()->counts());
    EXPECT_EQ(one.num_values(), static_cast<uint64_t>(10 * kWidth));
  }
  EXPECT_EQ(per_threads[0].at("r").min(), 0.0f);
  EXPECT_EQ(per_threads[0].at("n").max(), -per_threads[0].at("x").min());

  StatisticsRequest bad = r;
  bad.channel_mean_axis = {{"s", 4}};
  SessionOptions two_threads;
  two_threads.intra_op_threads = 2;
  auto stats = collect_statistics(b.build(), data, bad, 300, 4, two_threads);
  ASSERT_FALSE(stats.ok());
  EXPECT_NE(stats.status().message().find("'s'"), std::string::npos);
}

TEST(StatisticsTest, ErrorsNameTheTensor) {
  const MemoryDataset data({{"x", inputs_tensor()}});
  StatisticsRequest r;
  r.tensors = {"conv_17_out"};
  auto stats = collect_statistics(matmul_relu_model(), data, r, 300, 4, SessionOptions{});
  ASSERT_FALSE(stats.ok());
  EXPECT_EQ(stats.status().code(), StatusCode::kNotFound);
  EXPECT_NE(stats.status().message().find("conv_17_out"), std::string::npos);

  const MemoryDataset wrong({{"images", inputs_tensor()}});
  stats = collect_statistics(matmul_relu_model(), wrong, request_mm_r(), 300, 4, SessionOptions{});
  ASSERT_FALSE(stats.ok());
  EXPECT_NE(stats.status().message().find("'x'"), std::string::npos);

  StatisticsRequest bad_axis = request_mm_r();
  bad_axis.channel_mean_axis = {{"mm", 5}};
  stats = collect_statistics(matmul_relu_model(), data, bad_axis, 300, 4, SessionOptions{});
  ASSERT_FALSE(stats.ok());
  EXPECT_NE(stats.status().message().find("'mm'"), std::string::npos);
}

}  // namespace
}  // namespace qac
