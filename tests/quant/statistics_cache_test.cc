// Calibration statistics kept on disk: a state survives the round trip exactly, a second run
// with the same key reads the entry instead of running the model, other data gets its own entry,
// and a damaged entry is recomputed.
#include "quant/statistics_cache.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "support/memory_dataset.h"
#include "support/model_builder.h"
#include "support/fuzz_seeds.h"
#include "support/scratch_dir.h"

namespace qac {
namespace {

using testing::MemoryDataset;
using testing::ModelBuilder;

// x [N, 4] -> Relu -> r -> Sigmoid -> y.
onnx::ModelProto relu_sigmoid() {
  ModelBuilder b;
  b.input("x", {-1, 4}).output("y");
  b.node("Relu", {"x"}, {"r"}, "relu");
  b.node("Sigmoid", {"r"}, {"y"}, "sigmoid");
  return b.build();
}

MemoryDataset samples(uint32_t seed) { return MemoryDataset({{"x", testing::random_tensor({20, 4}, seed, -3.0f, 5.0f)}}); }

StatisticsRequest request() {
  StatisticsRequest r;
  r.tensors = {"r", "y"};
  r.channel_mean_axis["r"] = 1;
  r.histograms = true;
  return r;
}

void expect_same(const TensorStats& a, const TensorStats& b) {
  EXPECT_EQ(a.name(), b.name());
  EXPECT_EQ(a.num_samples(), b.num_samples());
  EXPECT_EQ(a.num_values(), b.num_values());
  EXPECT_EQ(a.num_nonfinite(), b.num_nonfinite());
  EXPECT_EQ(a.min(), b.min());
  EXPECT_EQ(a.max(), b.max());
  EXPECT_EQ(a.mean_sample_min(), b.mean_sample_min());
  EXPECT_EQ(a.mean_sample_max(), b.mean_sample_max());
  EXPECT_EQ(a.channel_means(), b.channel_means());
  EXPECT_EQ(a.channel_mean_axis(), b.channel_mean_axis());
  EXPECT_EQ(a.channel_absmax(), b.channel_absmax());
  EXPECT_EQ(a.sample_shape(), b.sample_shape());
  ASSERT_EQ(a.histogram() != nullptr, b.histogram() != nullptr);
  if (a.histogram()) {
    EXPECT_EQ(a.histogram()->counts(), b.histogram()->counts());
    EXPECT_EQ(a.histogram()->range_lo(), b.histogram()->range_lo());
    EXPECT_EQ(a.histogram()->bin_width(), b.histogram()->bin_width());
    EXPECT_EQ(a.histogram()->quantile(0.9), b.histogram()->quantile(0.9));
  }
}

TEST(StatisticsCacheTest, StatesRoundTripExactly) {
  const MemoryDataset data = samples(1);
  auto stats = collect_statistics(relu_sigmoid(), data, request(), 300, 4, SessionOptions{});
  ASSERT_TRUE(stats.ok()) << stats.status().to_string();
  ASSERT_EQ(stats->size(), 2u);
  auto back = statistics_from_bytes(statistics_to_bytes(*stats));
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  ASSERT_EQ(back->size(), stats->size());
  for (const auto& [name, s] : *stats) expect_same(s, back->at(name));
  const std::string bytes = statistics_to_bytes(*stats);
  for (size_t cut : {size_t{0}, size_t{5}, bytes.size() / 2, bytes.size() - 1}) {
    EXPECT_FALSE(statistics_from_bytes(bytes.substr(0, cut)).ok()) << cut;
  }
}

TEST(StatisticsCacheTest, ASecondRunWithTheSameKeyReadsTheEntry) {
  testing::ScratchDir cache;
  const MemoryDataset data = samples(1);
  auto first = collect_statistics_cached(relu_sigmoid(), data, request(), 300, 4, SessionOptions{}, cache.path());
  ASSERT_TRUE(first.ok()) << first.status().to_string();
  const std::filesystem::path folder = cache / "statistics";
  ASSERT_TRUE(std::filesystem::is_directory(folder));
  std::vector<std::filesystem::path> entries;
  for (const auto& e : std::filesystem::directory_iterator(folder)) entries.push_back(e.path());
  ASSERT_EQ(entries.size(), 1u);

  // Replace the entry by statistics of other data: a run that reads the cache returns those.
  auto other = collect_statistics(relu_sigmoid(), samples(9), request(), 300, 4, SessionOptions{});
  ASSERT_TRUE(other.ok());
  std::ofstream(entries[0], std::ios::binary | std::ios::trunc) << statistics_to_bytes(*other);
  auto second = collect_statistics_cached(relu_sigmoid(), data, request(), 300, 4, SessionOptions{}, cache.path());
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->at("r").max(), other->at("r").max());
  EXPECT_NE(second->at("r").max(), first->at("r").max());

  // Other samples, another subset size: their own entries.
  ASSERT_TRUE(collect_statistics_cached(relu_sigmoid(), samples(2), request(), 300, 4, SessionOptions{}, cache.path()).ok());
  ASSERT_TRUE(collect_statistics_cached(relu_sigmoid(), data, request(), 10, 4, SessionOptions{}, cache.path()).ok());
  size_t count = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(folder)) ++count;
  EXPECT_EQ(count, 3u);
}

TEST(StatisticsCacheTest, ADamagedEntryIsRecomputed) {
  testing::ScratchDir cache;
  const MemoryDataset data = samples(1);
  auto first = collect_statistics_cached(relu_sigmoid(), data, request(), 300, 4, SessionOptions{}, cache.path());
  ASSERT_TRUE(first.ok());
  for (const auto& e : std::filesystem::directory_iterator(cache / "statistics")) {
    std::ofstream(e.path(), std::ios::binary | std::ios::trunc) << "garbage";
  }
  auto again = collect_statistics_cached(relu_sigmoid(), data, request(), 300, 4, SessionOptions{}, cache.path());
  ASSERT_TRUE(again.ok()) << again.status().to_string();
  expect_same(first->at("r"), again->at("r"));
  expect_same(first->at("y"), again->at("y"));
}

// The fuzzer's seeds (fuzz/make_seeds.py) are valid entries: they pin the stored layout.
TEST(StatisticsCacheTest, TheFuzzerSeedsAreValidStates) {
  auto histogram = TensorStats::from_bytes(testing::cache_entry_seed("stats_histogram"));
  ASSERT_TRUE(histogram.ok()) << histogram.status().to_string();
  EXPECT_EQ(histogram->name(), "conv_out");
  ASSERT_NE(histogram->histogram(), nullptr);
  EXPECT_EQ(histogram->histogram()->total(), 16u);
  auto point = TensorStats::from_bytes(testing::cache_entry_seed("stats_point"));
  ASSERT_TRUE(point.ok()) << point.status().to_string();
  EXPECT_EQ(point->channel_means().size(), 2u);
  auto plain = TensorStats::from_bytes(testing::cache_entry_seed("stats_plain"));
  ASSERT_TRUE(plain.ok()) << plain.status().to_string();
  EXPECT_EQ(plain->histogram(), nullptr);
  EXPECT_EQ(plain->channel_absmax(), (std::vector<float>{1.0f, 2.0f}));
}

TEST(StatisticsCacheTest, AHistogramThatBreaksItsInvariantsIsRefused) {
  // One bin count raised: the bins no longer add up to the total.
  auto stats = collect_statistics(relu_sigmoid(), samples(1), request(), 300, 4, SessionOptions{});
  ASSERT_TRUE(stats.ok());
  std::string good = stats->at("r").to_bytes();
  ASSERT_TRUE(TensorStats::from_bytes(good).ok());
  const std::vector<uint64_t>& counts = stats->at("r").histogram()->counts();
  const std::string counts_bytes(reinterpret_cast<const char*>(counts.data()), counts.size() * sizeof(uint64_t));
  const size_t at = good.find(counts_bytes);
  ASSERT_NE(at, std::string::npos);
  good[at] = static_cast<char>(good[at] + 1);
  EXPECT_FALSE(TensorStats::from_bytes(good).ok());
}

}  // namespace
}  // namespace qac
