// Small float models taken through the quantization pipeline (prepare, calibrate, parameterize)
// for the accuracy-control tests that need real ONNX Runtime runs. Header-only: the test build
// compiles one executable per *_test.cc file.
#pragma once

#include <onnx/onnx_pb.h>

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "qac/accuracy_control.h"
#include "qac/metric.h"
#include "quant/groups.h"
#include "quant/pipeline.h"
#include "support/memory_dataset.h"
#include "support/model_builder.h"

namespace qac::testing {

inline constexpr int64_t kTinyFeatures = 8, kTinyHidden = 16, kTinyClasses = 5;

// x [N,8] -> MatMul -> Add -> Relu -> MatMul -> Relu -> MatMul -> y [N,5]: three quantized
// MatMuls, each a group of its own; the first one's Add bias is bias-corrected in place.
inline onnx::ModelProto tiny_mlp() {
  ModelBuilder b;
  b.input("x", {-1, kTinyFeatures}).output("y");
  b.random_initializer("w1", {kTinyFeatures, kTinyHidden}, 3).random_initializer("b1", {kTinyHidden}, 4, -0.1f, 0.1f);
  b.random_initializer("w2", {kTinyHidden, kTinyHidden}, 5).random_initializer("w3", {kTinyHidden, kTinyClasses}, 6);
  b.node("MatMul", {"x", "w1"}, {"m1"}, "matmul1");
  b.node("Add", {"m1", "b1"}, {"a1"}, "add1");
  b.node("Relu", {"a1"}, {"r1"}, "relu1");
  b.node("MatMul", {"r1", "w2"}, {"m2"}, "matmul2");
  b.node("Relu", {"m2"}, {"r2"}, "relu2");
  b.node("MatMul", {"r2", "w3"}, {"y"}, "matmul3");
  return b.build();
}

// x [N,3,6,6] -> Conv(bias) -> Relu -> Conv(bias) -> Relu -> GlobalAveragePool -> Flatten ->
// MatMul -> Add -> y [N,5]: convolution biases become int32, and are bias-corrected.
inline onnx::ModelProto tiny_convnet() {
  ModelBuilder b;
  b.input("x", {-1, 3, 6, 6}).output("y");
  b.random_initializer("w1", {8, 3, 3, 3}, 11).random_initializer("b1", {8}, 12, -0.2f, 0.2f);
  b.random_initializer("w2", {8, 8, 3, 3}, 13).random_initializer("b2", {8}, 14, -0.2f, 0.2f);
  b.random_initializer("w3", {8, kTinyClasses}, 15).random_initializer("b3", {kTinyClasses}, 16, -0.1f, 0.1f);
  b.node("Conv", {"x", "w1", "b1"}, {"c1"}, "conv1").ints("pads", {1, 1, 1, 1});
  b.node("Relu", {"c1"}, {"r1"}, "relu1");
  b.node("Conv", {"r1", "w2", "b2"}, {"c2"}, "conv2").ints("pads", {1, 1, 1, 1});
  b.node("Relu", {"c2"}, {"r2"}, "relu2");
  b.node("GlobalAveragePool", {"r2"}, {"p"}, "pool");
  b.node("Flatten", {"p"}, {"f"}, "flatten");
  b.node("MatMul", {"f", "w3"}, {"m3"}, "matmul3");
  b.node("Add", {"m3", "b3"}, {"y"}, "add3");
  return b.build();
}

// `count` samples of uniform values in [-1, 1) for the single input "x" of `shape` (first
// dimension replaced by `count`).
inline MemoryDataset tiny_samples(std::vector<int64_t> shape, int64_t count, uint32_t seed) {
  shape[0] = count;
  NamedTensors tensors;
  tensors["x"] = random_tensor(shape, seed);
  return MemoryDataset(std::move(tensors));
}

// The pipeline up to parameterize(): the state accuracy control searches over.
inline CalibratedModel calibrated(const onnx::ModelProto& model, const Dataset& calibration,
                                  const QuantizationOptions& options) {
  QuantizationReport report;
  auto prepared = prepare(model, options, &report);
  EXPECT_TRUE(prepared.ok()) << prepared.status().to_string();
  if (!prepared.ok()) return {};
  CalibratedModel cm = std::move(prepared).value();
  const Status calibrated = calibrate(cm, calibration, options, &report);
  EXPECT_TRUE(calibrated.ok()) << calibrated.to_string();
  const Status parameterized = parameterize(cm, options, &calibration, &report);
  EXPECT_TRUE(parameterized.ok()) << parameterized.to_string();
  return cm;
}

inline MetricFactory metric_named(const std::string& name) {
  return [name]() { return make_metric(MetricSpec{name, "", 0}); };
}

}  // namespace qac::testing
