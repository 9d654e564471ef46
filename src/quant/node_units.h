// Placement in ONNX Runtime's form: instead of quantizers on op inputs (NNCF), node units that
// ONNX Runtime's CPU execution provider turns into int8 kernels, and the tensors around them.
//
// A node of the main graph becomes a unit (QuantUnit) when:
//   - placement's float-keeping rules (quant/placement_roles.h: ignored scope, SE blocks,
//     post-processing, x * f(x) activations, constant operands, model_type) leave it
//     quantizable, and
//   - ONNX Runtime has an int8 kernel for it: Conv with an initializer weight (QLinearConv),
//     MatMul with an initializer weight or two activation inputs (QLinearMatMul or, when its
//     output stays float, MatMulIntegerToFloat), Gemm with an initializer weight (QGemm), and
//     the QLinear ops: Add and Mul of two activations, Concat of activations, AveragePool,
//     GlobalAveragePool, LeakyRelu (quant/op_table.h: has_qlinear_kernel), and
//   - a depthwise Conv (one input channel per group) only between int8 units: its input is a
//     unit's output (possibly moved by data-movement ops) and only units read its output. There
//     ONNX Runtime runs it in int8 anyway; elsewhere its int8 kernel plus the Q/DQ pair around
//     it cost more than ONNX Runtime's float depthwise kernel (measured on PP-OCRv4 cls);
//   - when its kernel needs a QuantizeLinear on its output (all but MatMul / Gemm), that output
//     is not a graph output (graph outputs keep FP32, and ONNX Runtime fuses no op whose output
//     is one).
// ConvTranspose, Sub, Div, Pow, ReduceMean, Softmax, LayerNormalization, ... have no int8 kernel
// on ONNX Runtime's CPU: a quantizer around them would be executed as written, at every run,
// for no speed. They are listed in `skipped` with that reason.
// A Relu, or a Clip with constant bounds, that is the only reader of a unit's output is folded
// into the unit: the output quantizer goes after it, and ONNX Runtime drops the Relu/Clip
// because the uint8 range [0, max] of that quantizer already clamps the same way.
// Data-movement ops (Reshape, Transpose, MaxPool, Resize, ...: quant/op_table.h
// moves_int8_data) are not units: unit resolution lets them pass int8 data between units.
#pragma once

#include "graph/graph_view.h"
#include "quant/placement.h"
#include "quant/placement_roles.h"
#include "quant/placement_values.h"

namespace qac {

// The setup of `view`'s graph in ONNX Runtime's form: units, weight quantizers of the weighted
// units, unit_tensors, skipped nodes, and `activations` resolved with every unit enabled.
// Errors: those of unit resolution (a malformed graph).
Result<QuantizerSetup> place_node_units(const GraphView& view, const ValueFacts& facts,
                                        const NodeRoles& roles, const PlacementOptions& options);

}  // namespace qac
