// Emits the QDQ model: QuantizeLinear/DequantizeLinear pairs on activations, per-axis
// DequantizeLinear on int8 weights, int32 biases for ops whose input and weight are both
// quantized (the form ONNX Runtime fuses into QLinearConv / QGemm / MatMulInteger kernels).
#pragma once

#include <map>
#include <string>
#include <vector>

#include <onnx/onnx_pb.h>

#include "qac/status.h"
#include "quant/placement.h"
#include "quant/scheme.h"
#include "quant/weight_quant.h"

namespace qac {

struct QdqEmitOptions {
  // true: weights stored as int8 initializers + DequantizeLinear (compact file).
  // false: float weights + QuantizeLinear + DequantizeLinear (values still on the int8 grid).
  bool weights_as_int8_initializers = true;
  // ONNX Runtime form: a Conv, ConvTranspose or Gemm left in float (no weight quantizer) that
  // reads a quantized activation and whose output runs (through Relu/Clip) only into a
  // QuantizeLinear gets its own DequantizeLinear with one (equal) scale per input channel. With
  // a per-tensor one, ONNX Runtime's weight-bias quantization would quantize its float weight per
  // tensor and run it as an int8 kernel: much worse than the float op it was left as (a
  // depthwise Conv lost all accuracy that way), and not what a returned group means.
  bool per_channel_dq_for_float_weighted_ops = false;
};

// The emit options for a model placed as `setup` (the setup placement returned, all units).
QdqEmitOptions qdq_emit_options(const QuantizerSetup& setup, bool weights_as_int8_initializers = true);

struct QdqInputs {
  const QuantizerSetup* setup = nullptr;
  std::map<std::string, QParams> activation_params;        // by ActivationQuantizer::id
  std::map<std::string, QuantizedWeight> weights;          // by WeightQuantizer::id
  // Bias after correction, applied only while the node's weight quantizer is kept:
  std::map<std::string, std::vector<float>> corrected_bias;  // by node name: its own bias input
  // by MatMul node name: (initializer of the Add that follows it, corrected values)
  std::map<std::string, std::pair<std::string, std::vector<float>>> corrected_add_bias;
};

// Returns a copy of `fp32` with the quantizers of `inputs.setup` inserted.
// REQUIRES: every activation quantizer has params, every weight quantizer a quantized weight.
// `log` receives one line per inserted quantizer naming the tensor and its consumers.
Result<onnx::ModelProto> emit_qdq(const onnx::ModelProto& fp32, const QdqInputs& inputs,
                                  const QdqEmitOptions& options, std::vector<std::string>* log);

}  // namespace qac
