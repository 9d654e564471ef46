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
    std::vector<int> depthwise;  // decided once the other units are known
    for (int i : view_.topological_order()) {
      if (is_data_mover(i)) setup_.data_movers.push_back(i);
      if (is_depthwise_candidate(i)) {
        depthwise.push_back(i);
        continue;
      }
      std::string why_not;
      if (auto unit = make_unit(i, why_not)) {
        accept(std::move(*unit));
      } else if (!why_not.empty()) {
        skip(i, why_not);
      } else if (!roles_.skip_reason[i].empty()) {
        skip(i, roles_.skip_reason[i]);
      }
    }
    for (int d : depthwise) decide_depthwise(d);
    order_by_position();
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

  void accept(QuantUnit unit) {
    if (!unit.weight_id.empty()) setup_.weights.push_back(std::move(pending_weight_));
    ++setup_.quantized_ops_per_type[unit.op_type];
    setup_.units.push_back(std::move(unit));
  }

  void skip(int i, const std::string& why) {
    skipped_.emplace_back(i, SkippedNode{view_.node_label(i), view_.node(i).op_type(), why});
  }

  bool is_depthwise_candidate(int i) const {
    const auto& node = view_.node(i);
    if (roles_.kind[i] != OpKind::kWeighted || !roles_.skip_reason[i].empty() || node.op_type() != ops::kConv ||
        node.input_size() < 2) {
      return false;
    }
    const onnx::TensorProto* weight = view_.initializer(node.input(1));
    return weight != nullptr && is_depthwise_conv(node, *weight);
  }

  // A depthwise Conv is a unit only between int8 units: its input is an int8 unit's output
  // (possibly moved by data-movement ops) and only units read its output. There ONNX Runtime
  // runs it as an int8 kernel in any case (it would quantize a float one's weight per tensor
  // itself); elsewhere the Q/DQ pair around the int8 kernel costs more than the float kernel.
  void decide_depthwise(int d) {
    std::string why_not;
    std::optional<QuantUnit> unit = make_unit(d, why_not);
    if (!unit) {
      skip(d, why_not.empty() ? roles_.skip_reason[d] : why_not);
      return;
    }
    const std::string& input = view_.node(d).input(unit->inputs.front().second);
    if (!int8_produced(input) || !read_only_by_units(unit->output)) {
      skip(d, "depthwise Conv stays float: outside a chain of int8 units, ONNX Runtime's int8 depthwise kernel "
              "and the Q/DQ pair around it cost more than its float kernel (measured on PP-OCRv4 cls)");
      return;
    }
    unit->reason = "depthwise QLinearConv between int8 units, per-channel int8 weight";
    accept(std::move(*unit));
  }

  // Produced by a unit's output, directly or through data-movement ops.
  bool int8_produced(const std::string& tensor) const {
    for (const QuantUnit& u : setup_.units) {
      if (u.output == tensor) return true;
    }
    const int p = view_.producer(tensor);
    return p >= 0 && std::find(setup_.data_movers.begin(), setup_.data_movers.end(), p) != setup_.data_movers.end() &&
           view_.node(p).output(0) == tensor && int8_produced(view_.node(p).input(0));
  }

  bool read_only_by_units(const std::string& tensor) const {
    const auto& readers = view_.consumers(tensor);
    if (readers.empty() || view_.is_graph_output(tensor) || !view_.captures(tensor).empty()) return false;
    for (const auto& use : readers) {
      bool unit_input = false;
      for (const QuantUnit& u : setup_.units) {
        unit_input |= std::find(u.inputs.begin(), u.inputs.end(), std::make_pair(use.node, use.slot)) != u.inputs.end();
      }
      if (!unit_input) return false;
    }
    return true;
  }

  // Units, weights and skipped nodes in topological order (depthwise Convs were decided last).
  void order_by_position() {
    std::vector<int> position(static_cast<size_t>(view_.num_nodes()), 0);
    const auto& order = view_.topological_order();
    for (size_t k = 0; k < order.size(); ++k) position[static_cast<size_t>(order[k])] = static_cast<int>(k);
    auto at = [&](int node) { return position[static_cast<size_t>(node)]; };
    std::stable_sort(setup_.units.begin(), setup_.units.end(),
                     [&](const QuantUnit& a, const QuantUnit& b) { return at(a.node) < at(b.node); });
    std::stable_sort(setup_.weights.begin(), setup_.weights.end(),
                     [&](const WeightQuantizer& a, const WeightQuantizer& b) { return at(a.node) < at(b.node); });
    std::stable_sort(skipped_.begin(), skipped_.end(),
                     [&](const auto& a, const auto& b) { return at(a.first) < at(b.first); });
    for (auto& [node, skipped] : skipped_) setup_.skipped.push_back(std::move(skipped));
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
  std::vector<std::pair<int, SkippedNode>> skipped_;  // (node index, why it stays float)
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
