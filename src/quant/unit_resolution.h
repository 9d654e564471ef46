// Which tensors carry a quantizer in ONNX Runtime's form, for a given set of enabled node units
// (every unit of the setup except the disabled ones). Quantizers follow from the units:
//
//   wanted(T)  some reader of T is an enabled unit input, or a data-movement op (Reshape,
//              MaxPool, ...: op_table moves_int8_data) whose output is wanted.
//   T produced by an enabled unit whose kernel needs an output quantizer (Conv, Add, Concat,
//   pools, LeakyRelu), or by an enabled MatMul / Gemm when T is wanted:
//              quantizer with T's own parameters; EVERY reader of T reads its
//              DequantizeLinear (ONNX Runtime's kernel writes int8 data).
//   T produced by a data-movement op whose data input is quantized, T wanted and not a graph
//   output: quantizer with the parameters of that input (params_from), every reader reads the
//              DequantizeLinear: ONNX Runtime drops the equal Q/DQ pair and moves int8 data.
//   otherwise, T read by an enabled unit input: quantizer with T's own parameters, read only by
//              enabled unit inputs and by the data-movement ops that pass it on; the float
//              producer's other readers keep the FP32 value.
//   otherwise T stays float.
// A disabled unit thus reads a quantized input only when its producer runs in int8 (that int8
// result is all there is), and its output is quantized only for the enabled units that read it.
#pragma once

#include <set>
#include <string>
#include <vector>

#include <onnx/onnx_pb.h>

#include "qac/status.h"
#include "quant/placement.h"

namespace qac {

// The activation quantizers of `setup` (ONNX Runtime form, placed on `graph`) when the units
// whose id is in `disabled_units` run in float. Every quantizer's id is "act:<tensor>" and its
// tensor is one of setup.unit_tensors, or an output of a data-movement op with params_from set.
// Ordered by the topological position of the tensor's producer (graph inputs first).
// Errors: kInvalidModel for a malformed graph.
Result<std::vector<ActivationQuantizer>> resolve_unit_quantizers(const onnx::GraphProto& graph,
                                                                 const QuantizerSetup& setup,
                                                                 const std::set<std::string>& disabled_units);

}  // namespace qac
