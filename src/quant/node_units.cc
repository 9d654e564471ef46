#include "quant/node_units.h"

#include <algorithm>
#include <optional>
#include <set>

#include "core/log.h"
#include "graph/node_attributes.h"
#include "quant/op_table.h"
#include "quant/placement_patterns.h"
#include "quant/unit_resolution.h"

namespace qac {
namespace {

constexpr int kClipMinSlot = 1;
constexpr int kClipMaxSlot = 2;

// Conv with one input channel per group (weight [C_out, 1, k...]) and more than one group.
bool is_depthwise_conv(const onnx::NodeProto& node, const onnx::TensorProto& weight) {
  constexpr int kChannelsPerGroupAxis = 1;
  return node.op_type() == ops::kConv && int_attribute(node, "group", 1) > 1 &&
         weight.dims_size() > kChannelsPerGroupAxis && weight.dims(kChannelsPerGroupAxis) == 1;
}

class UnitPlacer {
 public:
  UnitPlacer(const GraphView& view, const ValueFacts& facts, const NodeRoles& roles)
      : view_(view), facts_(facts), roles_(roles), reaches_weighted_(reaches_weighted_op(view)) {}

  QuantizerSetup run() {
    for (int i : view_.topological_order()) {
      std::string why_not;
      if (auto unit = make_unit(i, why_not)) {
        ++setup_.quantized_ops_per_type[unit->op_type];
        setup_.units.push_back(std::move(*unit));
      } else if (!why_not.empty()) {
        setup_.skipped.push_back(SkippedNode{view_.node_label(i), view_.node(i).op_type(), why_not});
      } else if (!roles_.skip_reason[i].empty()) {
        setup_.skipped.push_back(SkippedNode{view_.node_label(i), view_.node(i).op_type(), roles_.skip_reason[i]});
      }
      if (is_data_mover(i)) setup_.data_movers.push_back(i);
    }
    collect_unit_tensors();
    return std::move(setup_);
  }

 private:
  std::string label(int node) const { return view_.node(node).op_type() + " '" + view_.node_label(node) + "'"; }

  bool is_data_mover(int i) const {
    const auto& node = view_.node(i);
    return is_default_onnx_domain(node) && moves_int8_data(node.op_type()) && roles_.skip_reason[i].empty() &&
           !view_.has_subgraphs(i) && node.input_size() > 0 && node.output_size() > 0 &&
           facts_.is_float_activation(node.input(0)) && facts_.is_float_activation(node.output(0));
  }

  bool all_float_activations(const onnx::NodeProto& node, const std::vector<int>& slots) const {
    for (int slot : slots) {
      if (slot >= node.input_size() || !facts_.is_float_activation(node.input(slot))) return false;
    }
    return !slots.empty();
  }

  // The unit of node `i`, or nullopt with `why_not` set when an ONNX Runtime-specific rule keeps
  // a quantizable node float (left empty when the node was never a candidate).
  std::optional<QuantUnit> make_unit(int i, std::string& why_not) {
    const auto& node = view_.node(i);
    if (!is_default_onnx_domain(node) || !roles_.skip_reason[i].empty() || view_.has_subgraphs(i)) return std::nullopt;
    const std::string& op = node.op_type();
    QuantUnit unit;
    unit.node = i;
    unit.node_name = view_.node_label(i);
    unit.op_type = op;
    unit.id = unit_ids_.make("unit:", unit.node_name, i);
    const OpKind kind = roles_.kind[i];
    if (kind == OpKind::kWeighted) {
      if (!weighted_unit(i, unit, why_not)) return std::nullopt;
    } else if (has_qlinear_kernel(op)) {
      if (!qlinear_unit(i, kind, unit, why_not)) return std::nullopt;
    } else {
      if (kind == OpKind::kQuantizableInputs) {
        why_not = op + " has no int8 kernel in ONNX Runtime's CPU execution provider: quantizers around it "
                       "would run as written, at every inference, for no speed";
      }
      return std::nullopt;
    }
    unit.output = node.output(0);
    fold_activation(unit);
    if (unit.output_required && (view_.is_graph_output(unit.output) || !view_.captures(unit.output).empty())) {
      why_not = "its output '" + unit.output + "' is a graph output, which keeps FP32, and ONNX Runtime fuses " +
                op + " into an int8 kernel only with a QuantizeLinear on its output";
      return std::nullopt;
    }
    if (!unit.weight_id.empty()) setup_.weights.push_back(std::move(pending_weight_));
    return unit;
  }

  bool weighted_unit(int i, QuantUnit& unit, std::string& why_not) {
    const auto& node = view_.node(i);
    const std::string& op = node.op_type();
    const auto layout = *weighted_op_layout(op);
    unit.output_required = op == ops::kConv;
    if (op == ops::kConvTranspose) {
      why_not = "ONNX Runtime's CPU execution provider has no int8 ConvTranspose kernel: quantizers around it "
                "would run as written, at every inference, for no speed";
      return false;
    }
    const std::string& weight = node.input(layout.weight_input);
    const onnx::TensorProto* init = view_.initializer(weight);
    if (init == nullptr) {
      if (op != ops::kMatMul) {
        why_not = op + " with a weight computed at run time has no int8 kernel in ONNX Runtime";
        return false;
      }
      if (!all_float_activations(node, {layout.activation_input, layout.weight_input})) return false;
      unit.inputs = {{i, layout.activation_input}, {i, layout.weight_input}};
      unit.reason = "MatMul of two activations: QLinearMatMul or MatMulIntegerToFloat with uint8 inputs";
      return true;
    }
    if (!all_float_activations(node, {layout.activation_input})) return false;
    if (is_depthwise_conv(node, *init)) {
      why_not = "depthwise Conv stays float: ONNX Runtime's int8 depthwise kernel and the Q/DQ pair around it "
                "cost more than its float kernel (measured on PP-OCRv4 cls)";
      return false;
    }
    WeightQuantizer w = make_weight_quantizer(node, i, view_.node_label(i), *init, weight_ids_);
    unit.weight_id = w.id;
    unit.inputs = {{i, layout.activation_input}};
    unit.reason = op == ops::kConv    ? "QLinearConv: uint8 input and output, int8 per-channel weight, int32 bias"
                  : op == ops::kGemm  ? "QGemm: uint8 input, int8 per-channel weight, int32 bias"
                                      : "QLinearMatMul or MatMulIntegerToFloat: uint8 input, int8 per-channel weight";
    pending_weight_ = std::move(w);
    return true;
  }

  bool qlinear_unit(int i, OpKind kind, QuantUnit& unit, std::string& why_not) {
    const auto& node = view_.node(i);
    const std::string& op = node.op_type();
    unit.output_required = true;
    if (op == ops::kLeakyRelu) {
      if (!reaches_weighted_[i]) return false;  // post-processing
    } else if (kind == OpKind::kFloat) {
      return false;  // model_type keeps it float (reported by the roles)
    }
    std::vector<int> slots = op == ops::kConcat || is_elementwise_arithmetic(op) ? activation_input_slots(node)
                                                                                 : std::vector<int>{0};
    if (!all_float_activations(node, slots)) {
      if (op == ops::kConcat) why_not = "Concat with a constant or non-float input stays float";
      return false;
    }
    for (int slot : slots) unit.inputs.emplace_back(i, slot);
    unit.reason = "QLinear" + op + " (com.microsoft) on uint8 inputs and output";
    return true;
  }

  // A Relu, or a Clip with constant bounds, that alone reads the unit's output.
  void fold_activation(QuantUnit& unit) {
    const std::string& out = unit.output;
    if (view_.is_graph_output(out) || !view_.captures(out).empty()) return;
    const auto& readers = view_.consumers(out);
    if (readers.size() != 1) return;
    const int r = readers.front().node;
    const auto& reader = view_.node(r);
    if (!is_default_onnx_domain(reader) || !roles_.skip_reason[r].empty()) return;
    if (reader.op_type() != ops::kRelu && reader.op_type() != ops::kClip) return;
    for (int slot : {kClipMinSlot, kClipMaxSlot}) {
      if (slot < reader.input_size() && !reader.input(slot).empty() && !facts_.is_constant(reader.input(slot))) return;
    }
    unit.folded = r;
    unit.folded_name = view_.node_label(r);
    unit.output = reader.output(0);
  }

  void collect_unit_tensors() {
    std::set<std::string> seen;
    auto add = [&](const std::string& t) {
      if (!t.empty() && facts_.is_float_activation(t) && seen.insert(t).second) setup_.unit_tensors.push_back(t);
    };
    for (const QuantUnit& unit : setup_.units) {
      for (const auto& [node, slot] : unit.inputs) add(view_.node(node).input(slot));
      add(unit.output);
    }
  }

  const GraphView& view_;
  const ValueFacts& facts_;
  const NodeRoles& roles_;
  const std::vector<bool> reaches_weighted_;
  QuantizerSetup setup_;
  NodeIds unit_ids_, weight_ids_;
  WeightQuantizer pending_weight_;  // of the weighted unit being built
};

}  // namespace

Result<QuantizerSetup> place_node_units(const GraphView& view, const ValueFacts& facts, const NodeRoles& roles,
                                        const PlacementOptions& options) {
  QuantizerSetup setup = UnitPlacer(view, facts, roles).run();
  QAC_ASSIGN_OR_RETURN(setup.activations, resolve_unit_quantizers(view.graph(), setup, {}));
  for (const QuantUnit& unit : setup.units) {
    QAC_LOG(kDebug) << unit.id << ": " << unit.reason;
  }
  return setup;
}

}  // namespace qac
