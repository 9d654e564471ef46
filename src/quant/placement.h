// Quantizer placement: decides which float tensors of the main graph get an activation
// quantizer (per tensor), which weights get a per-output-channel weight quantizer, and which
// nodes stay float — every decision with a reason naming ONNX nodes (docs/design.md §4).
//
// Rules, in the order they are applied:
//  1. Op behaviour comes from quant/op_table.h (weighted / quantizable inputs / agnostic /
//     float, with the model_type=transformer differences).
//  2. Nodes stay float (listed in `skipped`) when: the ignored scope matches them; they belong
//     to an SE block (GlobalAveragePool/ReduceMean -> ... -> Sigmoid/HardSigmoid -> Mul with
//     the pooled tensor); no path from them to a graph output passes a weighted op
//     (post-processing); they are an elementwise op with a constant operand; they form an
//     activation pattern x * f(x) (Swish, HardSwish, GELU written with Mul); model_type keeps
//     their op in float; their weight is not a float initializer (Conv/ConvTranspose).
//     Nodes holding subgraphs are listed too: subgraph nodes are never quantized.
//  3. Each remaining weighted/quantizable node asks for a quantizer on each float activation
//     input; a weighted node also gets a weight quantizer (per output channel). Requests on the
//     same tensor share one quantizer; MatMul/Gemm with two activation inputs quantize both
//     (symmetric for model_type=transformer; a Softmax output is non-negative, so a symmetric
//     quantizer becomes uint8 on [0, max], matching NNCF's unsigned Softmax quantizer).
//  4. A quantizer moves up through an agnostic op (MaxPool, Reshape, Transpose, Concat, ...)
//     when every reader of every output of that op is served by it, no such output is a graph
//     output, the op is not ignored, and its data inputs are float activations. After a move
//     through Concat, the quantizers on its inputs share one scale (unified_scale_group).
//  5. Quantizers are placed on inputs only, hence after Relu/BN/activation chains: nothing is
//     ever inserted between Conv/Gemm/MatMul and its BatchNormalization or activation.
//     Graph outputs keep FP32: a quantizer on a tensor that is also a graph output serves only
//     the listed consumers.
#pragma once

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <onnx/onnx_pb.h>

#include "qac/options.h"
#include "qac/status.h"
#include "quant/target.h"

namespace qac {

struct PlacementOptions {
  QdqForm form = QdqForm::kNncf;
  ModelType model_type = ModelType::kDefault;
  IgnoredScope ignored_scope;
  Preset preset = Preset::kPerformance;  // carried for later stages; placement ignores it
  // NNCF's validate=True: a name, type or pattern of the ignored scope matching no node is an
  // error (kInvalidArgument naming it). When false, unmatched entries are only logged.
  bool strict_ignored_scope = true;
};

struct ActivationQuantizer {
  std::string id;      // "act:<tensor>", unique in a setup
  std::string tensor;  // the FP32 tensor to quantize
  // (node index, input slot) pairs that read the quantized value; other readers of `tensor`
  // (and the graph output, if `tensor` is one) keep reading FP32.
  std::vector<std::pair<int, int>> consumers;
  bool force_symmetric = false;     // transformer MatMul with two activation inputs
  bool force_signed = false;        // reserved: int8 even for non-negative tensors
  // Non-empty: every quantizer with this group name must share one scale and zero point
  // (computed from the union of their ranges): the inputs of a Concat executed in int8.
  std::string unified_scale_group;
  std::string reason;  // why it was placed, naming ONNX nodes
  // Non-empty: the parameters are those of quantizer `params_from` instead of this tensor's own
  // (ONNX Runtime form: the output of a data-movement op such as Reshape or MaxPool reuses its
  // input's scale and zero point, so ONNX Runtime drops the Q/DQ pair and moves int8 data).
  std::string params_from;
};

struct WeightQuantizer {
  std::string id;           // "w:<node name>" ("#<node index>" appended for duplicate names)
  std::string initializer;  // float weight initializer (may be shared by several nodes)
  int node = -1;            // index of the weighted node in graph.node()
  std::string node_name;    // its name (or a label for unnamed nodes)
  int axis = 0;             // output-channel axis of the weight
  int input_slot = 1;       // input slot of the weight on `node`
};

// ONNX Runtime form: one op (plus a Relu/Clip after it) that ONNX Runtime runs as one int8
// kernel when it reads DequantizeLinear outputs and writes through a QuantizeLinear.

struct QuantUnit {
  std::string id;         // "unit:<node label>", unique in a setup
  int node = -1;          // the op, index in graph.node()
  std::string node_name;  // its label
  std::string op_type;
  std::vector<std::pair<int, int>> inputs;  // (node, slot) activation inputs read quantized
  std::string output;        // tensor the unit's QuantizeLinear reads (after a folded Relu/Clip)
  bool output_required = true;  // false: MatMul / Gemm also fuse with a float output
  int folded = -1;              // Relu/Clip node made redundant by the output quantizer, or -1
  std::string folded_name;      // its label
  std::string weight_id;        // WeightQuantizer::id, or "" (no constant weight)
  std::string reason;           // why the op is a unit, naming ONNX nodes
};

struct SkippedNode {
  std::string node_name;
  std::string op_type;
  std::string reason;
};

struct QuantizerSetup {
  std::vector<ActivationQuantizer> activations;  // ordered by position of the tensor in the graph
  std::vector<WeightQuantizer> weights;          // ordered by node position
  std::vector<SkippedNode> skipped;              // ordered by node position
  // Op type -> number of nodes whose inputs are quantized (for the CLI summary).
  std::map<std::string, int> quantized_ops_per_type;
  // ONNX Runtime form only (empty for NNCF's placement): the node units, in topological order,
  // and every tensor that gets a quantizer of its own in some configuration of enabled units
  // (statistics and parameters are prepared for all of them). `activations` is then the
  // resolution with every unit enabled (quant/unit_resolution.h).
  std::vector<QuantUnit> units;
  std::vector<std::string> unit_tensors;
  // Data-movement ops (op_table moves_int8_data) that may pass int8 data between units: node
  // indices, not ignored, data input 0 and output 0 float activations.
  std::vector<int> data_movers;
};

// "act:<tensor>": the id of the activation quantizer on `tensor` (one quantizer per tensor).
std::string activation_quantizer_id(const std::string& tensor);

// Ids named after nodes ("w:<label>", "unit:<label>"), unique in one setup although ONNX node
// names need not be: "#<node index>" is appended to an id already taken.
class NodeIds {
 public:
  std::string make(const std::string& prefix, const std::string& label, int node);

 private:
  std::set<std::string> used_;
};

// The per-output-channel quantizer of the initializer weight `weight` of weighted node `node`
// (index `index` in graph.node(), label `label`), id "w:<label>" from `ids`.
// REQUIRES: weighted_op_layout(node.op_type()) has a value.
WeightQuantizer make_weight_quantizer(const onnx::NodeProto& node, int index, const std::string& label,
                                      const onnx::TensorProto& weight, NodeIds& ids);

// Places quantizers on the main graph of `model` in `options.form`: NNCF's rules above, or
// ONNX Runtime node units (quant/node_units.h). The model is read only. Shapes/types from
// shape inference (value_info) are used when present but not required.
// Errors: kInvalidModel for a malformed graph (a value produced twice, a cycle, an undefined
// input), kInvalidArgument for an invalid or (strict) unmatched ignored-scope entry.
Result<QuantizerSetup> place_quantizers(const onnx::ModelProto& model,
                                        const PlacementOptions& options);

}  // namespace qac
