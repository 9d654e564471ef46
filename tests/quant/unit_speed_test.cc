// Kernel timing of node units (quant/unit_timing.h) and the selection of the units that pay
// (quant/unit_speed.h): the selection from given timings, and a real one-unit timing in ONNX
// Runtime.
#include <gtest/gtest.h>

#include <algorithm>

#include "quant/pipeline.h"
#include "quant/unit_speed.h"
#include "quant/unit_timing.h"
#include "support/memory_dataset.h"
#include "support/model_builder.h"

namespace qac {
namespace {

using testing::MemoryDataset;
using testing::ModelBuilder;
using testing::random_tensor;

// x -> conv1 -> conv2 -> conv3 -> Sigmoid -> y
onnx::ModelProto conv_chain() {
  ModelBuilder b;
  b.input("x", {-1, 8, 12, 12}).output("y");
  b.random_initializer("w1", {8, 8, 3, 3}, 1).random_initializer("w2", {8, 8, 3, 3}, 2);
  b.random_initializer("w3", {8, 8, 3, 3}, 3);
  b.node("Conv", {"x", "w1"}, {"c1"}, "conv1").ints("pads", {1, 1, 1, 1});
  b.node("Conv", {"c1", "w2"}, {"c2"}, "conv2").ints("pads", {1, 1, 1, 1});
  b.node("Conv", {"c2", "w3"}, {"c3"}, "conv3").ints("pads", {1, 1, 1, 1});
  b.node("Sigmoid", {"c3"}, {"y"}, "sigmoid");
  return b.build();
}

QuantizationOptions options(bool kernel_timing) {
  QuantizationOptions o;
  o.target = Target::kHost;
  o.measure_latency = false;
  o.kernel_timing = kernel_timing;
  return o;
}


CalibratedModel calibrated(bool kernel_timing) {
  MemoryDataset data({{"x", random_tensor({8, 8, 12, 12}, 5)}});
  auto cm = prepare(conv_chain(), options(kernel_timing), nullptr);
  EXPECT_TRUE(cm.ok()) << cm.status().to_string();
  EXPECT_TRUE(calibrate(*cm, data, options(kernel_timing), nullptr).ok());
  return std::move(*cm);
}

UnitTiming timing(const std::string& unit, const std::string& input, double int8_us, double float_us) {
  UnitTiming t;
  t.unit_id = unit;
  t.int8_us = int8_us;
  t.float_us = float_us;
  t.quantize_input_us[input] = 1;
  t.dequantize_output_us = 1;
  return t;
}

std::vector<bool> kept(const std::vector<UnitSpeedDecision>& decisions) {
  std::vector<bool> k;
  for (const auto& d : decisions) k.push_back(d.keep_int8);
  return k;
}

TEST(UnitSpeed, KeepsEveryUnitWhoseInt8FormIsFaster) {
  const CalibratedModel cm = calibrated(false);
  ASSERT_EQ(cm.setup.units.size(), 3u);
  auto view = GraphView::build(cm.fp32.graph());
  ASSERT_TRUE(view.ok());
  std::map<std::string, UnitTiming> t = {{"unit:conv1", timing("unit:conv1", "x", 5, 10)},
                                         {"unit:conv2", timing("unit:conv2", "c1", 5, 10)},
                                         {"unit:conv3", timing("unit:conv3", "c2", 5, 10)}};
  const auto decisions = select_units_by_speed(*view, cm.setup, t);
  EXPECT_EQ(kept(decisions), (std::vector<bool>{true, true, true}));
  // conv1 pays the QuantizeLinear of the graph input, conv3 the DequantizeLinear before Sigmoid.
  EXPECT_DOUBLE_EQ(decisions[0].int8_cost_us, 6);
  EXPECT_DOUBLE_EQ(decisions[1].int8_cost_us, 5);
  EXPECT_DOUBLE_EQ(decisions[2].int8_cost_us, 6);
}

TEST(UnitSpeed, ASlowUnitTurnsFloatAndItsNeighboursPayTheQDQItLeaves) {
  const CalibratedModel cm = calibrated(false);
  auto view = GraphView::build(cm.fp32.graph());
  ASSERT_TRUE(view.ok());
  // conv2's int8 kernel is slower than its float one. conv1 pays alone only while conv2 reads
  // its int8 output: with conv2 in float it also needs a DequantizeLinear (8 + 1 + 1 > 9.5).
  std::map<std::string, UnitTiming> t = {{"unit:conv1", timing("unit:conv1", "x", 8, 10)},
                                         {"unit:conv2", timing("unit:conv2", "c1", 20, 10)},
                                         {"unit:conv3", timing("unit:conv3", "c2", 5, 10)}};
  const auto decisions = select_units_by_speed(*view, cm.setup, t);
  EXPECT_EQ(kept(decisions), (std::vector<bool>{false, false, true}));
  EXPECT_DOUBLE_EQ(decisions[0].int8_cost_us, 10);  // with the neighbours it would have
  EXPECT_DOUBLE_EQ(decisions[2].int8_cost_us, 7);   // its input now needs a QuantizeLinear
}

TEST(UnitSpeed, DroppedUnitsAreReportedAndLoseTheirQuantizers) {
  CalibratedModel cm = calibrated(false);
  auto view = GraphView::build(cm.fp32.graph());
  ASSERT_TRUE(view.ok());
  ASSERT_TRUE(drop_units(*view, cm.setup, {"unit:conv2"}, {{"unit:conv2", "slow here"}}).ok());
  ASSERT_EQ(cm.setup.units.size(), 2u);
  EXPECT_EQ(cm.setup.weights.size(), 2u);
  const auto skipped = std::find_if(cm.setup.skipped.begin(), cm.setup.skipped.end(),
                                    [](const SkippedNode& s) { return s.node_name == "conv2"; });
  ASSERT_NE(skipped, cm.setup.skipped.end());
  EXPECT_EQ(skipped->reason, "slow here");
  EXPECT_EQ(cm.setup.quantized_ops_per_type.at("Conv"), 2);
}

TEST(UnitTiming, TimesTheInt8KernelOnnxRuntimeMakesOfAUnit) {
  const CalibratedModel cm = calibrated(false);
  const QuantUnit& conv2 = cm.setup.units[1];
  ASSERT_EQ(conv2.node_name, "conv2");
  auto t = time_unit(cm.fp32, cm.setup, conv2, cm.stats, UnitTimingOptions{});
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  ASSERT_TRUE(t->has_value());
  const UnitTiming& timing = **t;
  EXPECT_EQ(timing.int8_kernels, std::vector<std::string>{"QLinearConv"});
  EXPECT_GT(timing.int8_us, 0);
  EXPECT_GT(timing.float_us, 0);
  ASSERT_EQ(timing.quantize_input_us.count("c1"), 1u);
  EXPECT_GT(timing.quantize_input_us.at("c1"), 0);
  EXPECT_GT(timing.dequantize_output_us, 0);
}

TEST(UnitTiming, CalibrationDropsOnlyUnitsItTimedAndSaysWhy) {
  const CalibratedModel cm = calibrated(true);
  size_t timed_float = 0;
  for (const auto& s : cm.setup.skipped) {
    if (s.reason.find("timed on this CPU") != std::string::npos) ++timed_float;
  }
  EXPECT_EQ(cm.setup.units.size() + timed_float, 3u);
}

}  // namespace
}  // namespace qac
