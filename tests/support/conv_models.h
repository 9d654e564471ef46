// One 3x3 convolution, as an FP32 model and as the QDQ model qac emits for it, for tests of
// what ONNX Runtime executes: x [1, 16, 8, 8] -> Conv (32 filters, pads 1) -> y [1, 32, 8, 8].
// Channel counts are multiples of 16, so no CPU pads them for its NCHWc kernels.
// Header-only: the test build compiles one executable per *_test.cc file.
#pragma once

#include <cstring>
#include <string>
#include <vector>

#include "onnx/tensor_proto.h"
#include "support/model_builder.h"

namespace qac::testing {

inline const std::vector<int64_t> kConvInputShape = {1, 16, 8, 8};
inline const std::vector<int64_t> kConvWeightShape = {32, 16, 3, 3};
// Output elements (1 * 32 * 8 * 8) times weights per output element (16 * 3 * 3).
inline constexpr double kConvMacs = 2048.0 * 144.0;

// Adds an initializer of any element type to `b`.
template <typename T>
void add_typed_initializer(ModelBuilder& b, const std::string& name, DType dtype, const std::vector<int64_t>& shape,
                           const std::vector<T>& values) {
  Tensor t(dtype, shape);
  std::memcpy(t.bytes.data(), values.data(), values.size() * sizeof(T));
  *b.model().mutable_graph()->add_initializer() = to_proto(t, name);
}

// x -> Conv(w, b) -> y, all float.
inline std::string float_conv_model() {
  ModelBuilder b;
  b.input("x", kConvInputShape).output("y");
  b.random_initializer("w", kConvWeightShape, /*seed=*/1);
  b.random_initializer("b", {kConvWeightShape[0]}, /*seed=*/2);
  b.node("Conv", {"x", "w", "b"}, {"y"}, "conv").ints("pads", {1, 1, 1, 1});
  return b.serialize();
}

// x -> Q/DQ (uint8) -> Conv(DQ(int8 per-channel w), DQ(int32 b)) -> Q/DQ (uint8) -> y: the form
// ONNX Runtime fuses into one QLinearConv at its full optimization level.
inline std::string qdq_conv_model() {
  const int64_t out_channels = kConvWeightShape[0];
  const size_t weight_count = element_count(kConvWeightShape);
  constexpr float kInputScale = 0.01f, kWeightScale = 0.005f, kOutputScale = 0.05f;
  ModelBuilder b;
  b.input("x", kConvInputShape).output("y");
  b.scalar("x_scale", kInputScale);
  add_typed_initializer<uint8_t>(b, "x_zero", DType::kUInt8, {}, {128});
  std::vector<int8_t> weights(weight_count);
  for (size_t i = 0; i < weight_count; ++i) weights[i] = static_cast<int8_t>(static_cast<int>(i * 37 % 255) - 127);
  add_typed_initializer<int8_t>(b, "w", DType::kInt8, kConvWeightShape, weights);
  b.initializer("w_scale", {out_channels}, std::vector<float>(static_cast<size_t>(out_channels), kWeightScale));
  add_typed_initializer<int8_t>(b, "w_zero", DType::kInt8, {out_channels},
                                std::vector<int8_t>(static_cast<size_t>(out_channels), 0));
  add_typed_initializer<int32_t>(b, "bias", DType::kInt32, {out_channels},
                                 std::vector<int32_t>(static_cast<size_t>(out_channels), 100));
  b.initializer("bias_scale", {out_channels},
                std::vector<float>(static_cast<size_t>(out_channels), kInputScale * kWeightScale));
  add_typed_initializer<int32_t>(b, "bias_zero", DType::kInt32, {out_channels},
                                 std::vector<int32_t>(static_cast<size_t>(out_channels), 0));
  b.scalar("y_scale", kOutputScale);
  add_typed_initializer<uint8_t>(b, "y_zero", DType::kUInt8, {}, {128});
  b.node("QuantizeLinear", {"x", "x_scale", "x_zero"}, {"x_q"}, "quantize_x");
  b.node("DequantizeLinear", {"x_q", "x_scale", "x_zero"}, {"x_dq"}, "dequantize_x");
  b.node("DequantizeLinear", {"w", "w_scale", "w_zero"}, {"w_dq"}, "dequantize_w").i("axis", 0);
  b.node("DequantizeLinear", {"bias", "bias_scale", "bias_zero"}, {"bias_dq"}, "dequantize_bias").i("axis", 0);
  b.node("Conv", {"x_dq", "w_dq", "bias_dq"}, {"conv_out"}, "conv").ints("pads", {1, 1, 1, 1});
  b.node("QuantizeLinear", {"conv_out", "y_scale", "y_zero"}, {"y_q"}, "quantize_y");
  b.node("DequantizeLinear", {"y_q", "y_scale", "y_zero"}, {"y"}, "dequantize_y");
  return b.serialize();
}

}  // namespace qac::testing
