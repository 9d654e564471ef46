// THE table of how each ONNX op takes part in 8-bit quantization. Placement, grouping and the
// accuracy-control search read op behaviour only from here; code elsewhere names op types
// through the constants of onnx/op_types.h.
//
// Kinds (NNCF's CPU hardware configuration, see docs/design.md §4):
//   kWeighted           Conv, ConvTranspose, MatMul, Gemm: the activation input is quantized
//                       per tensor, the weight (an initializer) per output channel.
//   kQuantizableInputs  ops whose float inputs are quantized per tensor (Add, Mul, AveragePool,
//                       ReduceMean, Resize, ...): they run on int8 inputs.
//   kAgnostic           ops that commute with per-tensor quantization (MaxPool, Reshape,
//                       Transpose, Concat, ...): a quantizer may move above them so that one
//                       quantizer serves every consumer below.
//   kFloat              everything else: inputs stay float.
// model_type=transformer keeps the elementwise ops (Add, Sub, Mul, Div, Pow) and ReduceMean in
// float, as NNCF does; weighted ops, pooling and Resize stay quantizable.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include <onnx/onnx_pb.h>

#include "onnx/op_types.h"
#include "qac/options.h"

namespace qac {


enum class OpKind { kWeighted, kQuantizableInputs, kAgnostic, kFloat };
const char* op_kind_name(OpKind kind);

// The kind of `op_type` (default ONNX domain) under `model_type`; unknown ops are kFloat.
OpKind op_kind(std::string_view op_type, ModelType model_type);
// The kind of `node`: op_kind() for the default ONNX domain ("" or "ai.onnx"), kFloat for ops
// of other domains (com.microsoft, custom ops).
OpKind node_kind(const onnx::NodeProto& node, ModelType model_type);
// True for ops of the default ONNX domain ("" or "ai.onnx").
bool is_default_onnx_domain(const onnx::NodeProto& node);

// Input layout of a weighted op (kWeighted). Slots are ONNX input indices; -1 = none.
struct WeightedOpLayout {
  int activation_input = 0;
  int weight_input = 1;
  int bias_input = -1;
};
// std::nullopt unless `op_type` is weighted.
std::optional<WeightedOpLayout> weighted_op_layout(std::string_view op_type);

// The output-channel axis of the weight of weighted `node`, whose weight has rank
// `weight_rank`: Conv 0 ([C_out, C_in/g, k...]), ConvTranspose 1 ([C_in, C_out/g, k...]),
// MatMul rank-1 ([..., K, N]), Gemm 0 when transB=1 ([N, K]) else 1 ([K, N]).
// REQUIRES: weighted_op_layout(node.op_type()) has a value; weight_rank >= 1.
int weight_channel_axis(const onnx::NodeProto& node, int weight_rank);

// Input slots of `node` whose float values are quantized when the op is kQuantizableInputs or
// kWeighted (for weighted ops: the activation input only; the weight is handled separately).
std::vector<int> activation_input_slots(const onnx::NodeProto& node);

// Input slots of an agnostic `node` through which a quantizer may move up (data inputs, not
// shapes, axes or indices): every input of Concat, input 0 otherwise.
std::vector<int> agnostic_data_slots(const onnx::NodeProto& node);

// Elementwise binary arithmetic (Add, Sub, Mul, Div, Pow): loses its activation quantizers when
// an operand is constant; may form activation patterns (x * sigmoid(x)) with one constant
// operand.
bool is_elementwise_arithmetic(std::string_view op_type);
// Pointwise activation functions (Relu, Clip, Sigmoid, HardSwish, Erf, ...): fused after a
// weighted op and kept in float.
bool is_activation_function(std::string_view op_type);
// Gates closing an SE block: Sigmoid, HardSigmoid.
bool is_gate_function(std::string_view op_type);
// Spatial reductions opening an SE block: GlobalAveragePool, ReduceMean.
bool is_spatial_reduction(std::string_view op_type);
// Ops that only rearrange elements (Reshape, Flatten, Squeeze, Unsqueeze, Transpose, Identity).
bool is_layout_only(std::string_view op_type);
// ONNX Runtime's CPU execution provider (x86 and ARM):
// Ops it runs on int8 data when the DequantizeLinear before and the QuantizeLinear after them
// share scale and zero point (Reshape, Transpose, MaxPool, Resize, Slice, Gather, ...).
bool moves_int8_data(std::string_view op_type);
// Ops it replaces by a QLinear* kernel when every input is a DequantizeLinear output and the
// output goes through a QuantizeLinear (Add, Mul, Concat, AveragePool, GlobalAveragePool,
// LeakyRelu). Conv, MatMul and Gemm have int8 kernels of their own (weighted ops).
bool has_qlinear_kernel(std::string_view op_type);
// Ops whose outputs are never float (Shape, ArgMax, comparisons, logic ...). Cast depends on
// its `to` attribute and is not listed.
bool has_non_float_outputs(std::string_view op_type);

}  // namespace qac
