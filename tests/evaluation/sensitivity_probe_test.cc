// SensitivityProbe: which tensors it observes and the formula
//   sensitivity(g) = max(0, mean over g's op outputs rel(out) - max over g's inputs rel(in)).
#include "evaluation/sensitivity_probe.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "tiny_calibrated_models.h"

namespace qac {
namespace {

// A [2, 3] tensor of ones scaled by `factor`.
Tensor scaled_ones(float factor) {
  Tensor t(DType::kFloat32, {2, 3});
  for (size_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = factor;
  return t;
}

TEST(SensitivityProbe, SubtractsTheNoiseAGroupReceivesFromTheNoiseItsOpsEmit) {
  AccuracyControlOptions options; // NNCF form: the switchable model exists for it only
  options.target = Target::kOpenVino;
  const auto calibration = testing::tiny_samples({0, testing::kTinyFeatures}, 40, 1);
  const CalibratedModel cm = testing::calibrated(testing::tiny_mlp(), calibration, options);
  const std::vector<QuantizerGroup> groups = build_groups(cm.fp32, cm.setup);
  ASSERT_EQ(groups.size(), 3u);  // matmul1 (input x), matmul2 (input r1), matmul3 (input r2)

  SensitivityProbe probe(cm, groups);
  EXPECT_EQ(probe.tensors(), (std::vector<std::string>{"m1", "m2", "r1", "r2", "x", "y"}));

  // Quantized = FP32 * (1 + e): rel = e^2 per tensor.
  const std::map<std::string, float> error = {{"x", 0.0f},  {"m1", 0.2f}, {"r1", 0.1f},
                                              {"m2", 0.1f}, {"r2", 0.3f}, {"y", 0.2f}};
  std::vector<Tensor> fp32, quantized;
  for (const std::string& name : probe.tensors()) {
    fp32.push_back(scaled_ones(1.0f));
    quantized.push_back(scaled_ones(1.0f + error.at(name)));
  }
  probe.add(fp32, quantized);
  probe.add(fp32, quantized);  // a second batch changes no ratio
  const std::vector<double> s = probe.sensitivity();
  ASSERT_EQ(s.size(), 3u);
  EXPECT_NEAR(s[0], 0.04, 1e-6);  // emits 0.04, receives 0
  EXPECT_NEAR(s[1], 0.0, 1e-6);   // emits 0.01, receives 0.01
  EXPECT_EQ(s[2], 0.0);           // emits 0.04, receives 0.09: clamped at 0

  // Per node, in graph order: SQNR = 10 log10(1 / e^2) of its output.
  std::map<std::string, double> sqnr;
  std::vector<std::string> order;
  for (const auto& e : probe.node_errors()) {
    sqnr[e.node] = e.sqnr_db;
    order.push_back(e.node);
    EXPECT_EQ(e.op_type, groups[static_cast<size_t>(e.group)].op_types[0]) << e.node;
  }
  ASSERT_TRUE(sqnr.count("matmul1") && sqnr.count("matmul2") && sqnr.count("matmul3"));
  EXPECT_NEAR(sqnr["matmul1"], 10 * std::log10(1 / 0.04), 1e-4);  // m1: e = 0.2
  EXPECT_NEAR(sqnr["matmul2"], 20.0, 1e-4);                        // m2: e = 0.1
  EXPECT_NEAR(sqnr["matmul3"], 10 * std::log10(1 / 0.04), 1e-4);  // y: e = 0.2
  EXPECT_TRUE(std::is_sorted(order.begin(), order.end())) << "graph order: matmul1, matmul2, matmul3";
}

TEST(SensitivityProbe, IdenticalOutputsHaveInfiniteSqnrAndUncomparedOnesNone) {
  AccuracyControlOptions options;
  options.target = Target::kOpenVino;
  const auto calibration = testing::tiny_samples({0, testing::kTinyFeatures}, 40, 1);
  const CalibratedModel cm = testing::calibrated(testing::tiny_mlp(), calibration, options);
  const std::vector<QuantizerGroup> groups = build_groups(cm.fp32, cm.setup);
  SensitivityProbe probe(cm, groups);
  EXPECT_TRUE(probe.node_errors().empty()) << "nothing compared yet";
  std::vector<Tensor> same;
  for (size_t i = 0; i < probe.tensors().size(); ++i) same.push_back(scaled_ones(2.0f));
  probe.add(same, same);
  ASSERT_FALSE(probe.node_errors().empty());
  for (const auto& e : probe.node_errors()) EXPECT_TRUE(std::isinf(e.sqnr_db) && e.sqnr_db > 0) << e.node;
}

TEST(SensitivityProbe, SquaredErrorSkipsTensorsItCannotCompare) {
  double err = 0, energy = 0;
  Tensor ref(DType::kFloat32, {5});
  Tensor got(DType::kFloat32, {5});
  for (int i = 0; i < 5; ++i) {
    ref.data<float>()[i] = static_cast<float>(i);
    got.data<float>()[i] = static_cast<float>(i) + 1.0f;
  }
  add_squared_error(ref, got, err, energy);
  EXPECT_DOUBLE_EQ(err, 5.0);
  EXPECT_DOUBLE_EQ(energy, 0 + 1 + 4 + 9 + 16);
  add_squared_error(ref, Tensor(DType::kFloat32, {4}), err, energy);  // sizes differ
  add_squared_error(ref, Tensor(DType::kInt32, {5}), err, energy);    // not float32
  EXPECT_DOUBLE_EQ(err, 5.0);
  EXPECT_DOUBLE_EQ(energy, 30.0);
}

}  // namespace
}  // namespace qac
