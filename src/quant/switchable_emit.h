// The switchable evaluation model of accuracy control: ONE model in which every quantizer group
// can be returned to float per run, so that any configuration (set of reverted groups) is
// evaluated without emitting a model and creating an ONNX Runtime session for it.
//
// Built from the fully quantized QDQ model (emit with nothing disabled) and the float model
// (cm.fp32). Wherever the two differ at a node input, the node reads
//     Where(float_g, <float value>, <quantized value>)
// where g is the group owning the quantizer that changed the input:
//   - an activation input reading a DequantizeLinear output: the activation quantizer's group;
//   - a weight input reading a DequantizeLinear output: the weight quantizer's group;
//   - the bias of a weighted node (int32-quantized or bias-corrected): its weight quantizer's
//     group;
//   - an initializer rewritten in place by bias correction (the Add bias after a MatMul): the
//     MatMul's weight quantizer group.
// float_g is element g of row 0 of the bool graph input `switch_input` [batch, num_groups]
// (true = group g in float). A reverted group is fully float: activations AND weights, i.e.
// restore_mode activations_and_weights.
//
// The Q/DQ nodes stay as float arithmetic next to a Where, so ONNX Runtime does not fuse them
// into int8 kernels: the model simulates the quantized arithmetic in float. It is meant for
// screening (what to measure next); measurements that decide or report go to the real model.
#pragma once

#include <string>
#include <vector>

#include <onnx/onnx_pb.h>

#include "qac/options.h"
#include "qac/status.h"
#include "quant/groups.h"
#include "quant/pipeline.h"

namespace qac {

struct SwitchableModel {
  onnx::ModelProto model;
  std::string switch_input;  // bool [batch, num_groups]; true = the group is in float
  size_t num_groups = 0;
};

// REQUIRES: cm.params filled (parameterize()); `groups` built from cm.setup (build_groups).
// Unsupported when a difference between the quantized and the float model cannot be
// attributed to one group (the model then cannot be switched per group).
Result<SwitchableModel> emit_switchable(const CalibratedModel& cm, const std::vector<QuantizerGroup>& groups,
                                        const QuantizationOptions& options);

}  // namespace qac
