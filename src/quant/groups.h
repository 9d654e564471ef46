// Quantizer groups for accuracy control (docs/design.md §6): a group is the smallest set of
// quantizers whose removal returns a connected set of quantized ops fully to float.
#pragma once

#include <string>
#include <vector>

#include <onnx/onnx_pb.h>

#include "quant/placement.h"

namespace qac {

struct QuantizerGroup {
  int id = 0;
  std::vector<std::string> activation_ids;  // ActivationQuantizer::id, in setup order
  std::vector<std::string> weight_ids;      // WeightQuantizer::id, in setup order
  std::vector<std::string> unit_ids;        // QuantUnit::id (ONNX Runtime form only)
  std::vector<std::string> node_names;      // the quantized ops the group returns to float
  std::vector<std::string> op_types;        // op type of each entry of node_names
};

// Builds the groups of `setup` (placed on `model` by place_quantizers, unedited since).
// ONNX Runtime form (setup.units not empty): one group per node unit, so that returning a group
// to float leaves every other unit fused. NNCF's form:
// From each activation quantizer, walk down from its consumers through agnostic ops (Concat
// included) to the quantized ops it feeds; from those ops, up to every other quantizer feeding
// them; repeat to a fixpoint (connected components of the quantizer/op graph). Weight
// quantizers join the group of their op. Groups are numbered 0.. in the topological order of
// their first op; a quantizer whose walk reaches no op forms a group of its own.
// Every quantizer of `setup` belongs to exactly one group.
std::vector<QuantizerGroup> build_groups(const onnx::ModelProto& model,
                                         const QuantizerSetup& setup);

}  // namespace qac
