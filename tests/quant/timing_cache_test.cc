// The kernel-timing cache: entries round-trip, damaged or foreign entries are ignored, and a
// unit timed twice with a cache gives the first measurement back.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "quant/pipeline.h"
#include "quant/timing_cache.h"
#include "quant/unit_timing.h"
#include "support/memory_dataset.h"
#include "support/model_builder.h"
#include "support/scratch_dir.h"

namespace qac {
namespace {

using testing::MemoryDataset;
using testing::ModelBuilder;
using testing::random_tensor;
using testing::ScratchDir;

TEST(TimingCache, StoresAndReadsValuesUnderTheKeyOfTheModels) {
  ScratchDir dir;
  const TimingCache cache((dir.path() / "cache").string());
  const std::string key = cache.key({"model a", "model b"});
  EXPECT_NE(key, cache.key({"model a", "model c"}));
  EXPECT_NE(key, cache.key({"model amodel b"}));  // model boundaries are part of the key
  EXPECT_FALSE(cache.get(key).has_value());
  cache.put(key, {1.5, 2.25, 1e-3});
  const auto values = cache.get(key);
  ASSERT_TRUE(values.has_value());
  EXPECT_EQ(*values, (std::vector<double>{1.5, 2.25, 1e-3}));
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path() / "cache"),
                          std::filesystem::directory_iterator{}),
            1) << "no temporary file is left";
}

TEST(TimingCache, IgnoresDamagedEntriesAndStoresNothingWhenDisabled) {
  ScratchDir dir;
  const TimingCache cache((dir.path() / "cache").string());
  const std::string key = cache.key({"m"});
  cache.put(key, {1, 2});
  std::filesystem::path entry = dir.path() / "cache" / key;
  entry += ".txt";
  ASSERT_TRUE(std::filesystem::exists(entry));
  std::ofstream(entry, std::ios::trunc) << "qac-kernel-timing-1\nanother machine\n2\n1\n2\n";
  EXPECT_FALSE(cache.get(key).has_value());
  std::ofstream(entry, std::ios::trunc) << "garbage";
  EXPECT_FALSE(cache.get(key).has_value());

  const TimingCache off;
  EXPECT_FALSE(off.enabled());
  off.put(off.key({"m"}), {1});
  EXPECT_FALSE(off.get(off.key({"m"})).has_value());
}

TEST(TimingCache, ASecondTimingOfTheSameUnitReadsTheFirst) {
  ModelBuilder b;
  b.input("x", {-1, 8, 12, 12}).output("y");
  b.random_initializer("w1", {8, 8, 3, 3}, 1).random_initializer("w2", {8, 8, 3, 3}, 2);
  b.node("Conv", {"x", "w1"}, {"c1"}, "conv1").ints("pads", {1, 1, 1, 1});
  b.node("Conv", {"c1", "w2"}, {"c2"}, "conv2").ints("pads", {1, 1, 1, 1});
  b.node("Sigmoid", {"c2"}, {"y"}, "sigmoid");
  QuantizationOptions o;
  o.measure_latency = false;
  o.kernel_timing = false;
  MemoryDataset data({{"x", random_tensor({8, 8, 12, 12}, 5)}});
  auto cm = prepare(b.build(), o, nullptr);
  ASSERT_TRUE(cm.ok()) << cm.status().to_string();
  ASSERT_TRUE(calibrate(*cm, data, o, nullptr).ok());
  ASSERT_EQ(cm->setup.units.size(), 2u);

  ScratchDir dir;
  const TimingCache cache((dir.path() / "cache").string());
  UnitTimingOptions options;
  options.cache = &cache;
  auto first = time_unit(cm->fp32, cm->setup, cm->setup.units[1], cm->stats, options);
  ASSERT_TRUE(first.ok() && first->has_value()) << first.status().to_string();
  auto second = time_unit(cm->fp32, cm->setup, cm->setup.units[1], cm->stats, options);
  ASSERT_TRUE(second.ok() && second->has_value());
  EXPECT_EQ((*second)->float_us, (*first)->float_us);
  EXPECT_EQ((*second)->int8_us, (*first)->int8_us);
  EXPECT_EQ((*second)->dequantize_output_us, (*first)->dequantize_output_us);
  EXPECT_EQ((*second)->quantize_input_us, (*first)->quantize_input_us);
}

}  // namespace
}  // namespace qac
