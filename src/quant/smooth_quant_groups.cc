#include "quant/smooth_quant_groups.h"

#include <map>
#include <set>
#include <utility>

#include "graph/graph_view.h"
#include "graph/node_attributes.h"
#include "quant/op_table.h"

namespace qac::smoothing {
namespace {

constexpr int kMaxAgnosticDepth = 64;  // agnostic ops walked to find a lifted quantizer

// True when input `slot` of `node` reads a quantized value: an activation quantizer serves it,
// or it is the output of an agnostic op all of whose data inputs are quantized (placement moved
// the quantizer above that op).
bool activation_is_quantized(const GraphView& view, const std::set<std::pair<int, int>>& served,
                             int node, int slot, int depth) {
  if (served.count({node, slot})) return true;
  if (depth >= kMaxAgnosticDepth) return false;
  const int producer = view.producer(view.node(node).input(slot));
  if (producer < 0) return false;
  const auto& p = view.node(producer);
  if (node_kind(p, ModelType::kDefault) != OpKind::kAgnostic) return false;
  int data_inputs = 0;
  for (int s : agnostic_data_slots(p)) {
    if (s >= p.input_size() || p.input(s).empty()) continue;
    if (!activation_is_quantized(view, served, producer, s, depth + 1)) return false;
    ++data_inputs;
  }
  return data_inputs > 0;
}

// Why weighted `node` cannot be smoothed ("" when it can); sets `row_axis`.
std::string smoothing_problem(const GraphView& view, const onnx::NodeProto& node,
                              const WeightedOpLayout& layout, int* row_axis) {
  const bool is_gemm = node.op_type() == ops::kGemm;
  if (is_gemm && int_attribute(node, "transA", 0) != 0) {
    return "transA=1: its input channels are not the last axis";
  }
  if (node.input_size() <= layout.weight_input) return "it has no weight";
  const std::string& weight = node.input(layout.weight_input);
  const auto* init = view.initializer(weight);
  if (init == nullptr || init->data_type() != onnx::TensorProto_DataType_FLOAT) {
    return "its weight " + in_quotes(weight) + " is not a float initializer";
  }
  if (view.is_graph_input(weight)) return "its weight " + in_quotes(weight) + " is also a graph input";
  const int rank = init->dims_size();
  if (is_gemm) {
    if (rank != 2) return "its weight " + in_quotes(weight) + " is not 2-D";
    *row_axis = int_attribute(node, "transB", 0) != 0 ? 1 : 0;
  } else {
    if (rank < 2) return "its weight " + in_quotes(weight) + " is 1-D";
    *row_axis = rank - 2;
  }
  return "";
}

}  // namespace

std::string in_quotes(const std::string& s) { return "'" + s + "'"; }

std::string node_text(const GraphView& view, int node) {
  return view.node(node).op_type() + " " + in_quotes(view.node_label(node));
}

Result<std::vector<Group>> find_groups(const GraphView& view, const QuantizerSetup& setup,
                                       SmoothQuantLog* log) {
  std::set<std::pair<int, int>> served;
  for (const auto& aq : setup.activations) {
    for (const auto& use : aq.consumers) served.insert(use);
  }
  std::set<int> weighted;
  for (const auto& wq : setup.weights) {
    if (wq.node < 0 || wq.node >= view.num_nodes() ||
        view.node_label(wq.node) != wq.node_name) {
      return Status::InvalidArgument("quantizer setup does not match the model: weight quantizer " +
                                     in_quotes(wq.id) + " names node #" + std::to_string(wq.node));
    }
    weighted.insert(wq.node);
  }
  std::vector<Group> groups;
  std::map<std::string, size_t> group_of;
  for (int i : view.topological_order()) {
    if (!weighted.count(i)) continue;
    const auto& node = view.node(i);
    if (!is_default_onnx_domain(node) ||
        (node.op_type() != ops::kMatMul && node.op_type() != ops::kGemm)) {
      continue;
    }
    const WeightedOpLayout layout = *weighted_op_layout(node.op_type());
    SmoothedNode sn;
    sn.node = i;
    sn.activation_slot = layout.activation_input;
    sn.weight_slot = layout.weight_input;
    std::string problem = smoothing_problem(view, node, layout, &sn.row_axis);
    if (problem.empty() && !activation_is_quantized(view, served, i, layout.activation_input, 0)) {
      problem = "its activation is not quantized";
    }
    if (!problem.empty()) {
      if (log) log->entries.push_back("SmoothQuant leaves " + node_text(view, i) + " alone: " + problem);
      continue;
    }
    sn.weight = node.input(layout.weight_input);
    const std::string& x = node.input(layout.activation_input);
    auto [it, added] = group_of.emplace(x, groups.size());
    if (added) groups.push_back(Group{x, {}});
    groups[it->second].nodes.push_back(std::move(sn));
  }
  return groups;
}


}  // namespace qac::smoothing
