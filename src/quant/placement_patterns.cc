#include "quant/placement_patterns.h"

#include <optional>

#include "quant/op_table.h"

namespace qac {
namespace {

// Longest SE branch walked from the gate back to the pooling op (GAP, 2 convs, activations,
// reshapes, bias adds: real blocks use fewer than 10 nodes).
constexpr int kMaxSeBranchNodes = 16;
// Longest chain f in x * f(x) (HardSwish written as Add, Clip, Div uses 3).
constexpr int kMaxActivationChain = 6;

// The only non-constant input of `node`, or "" when there are none or several.
std::string single_variable_input(const onnx::NodeProto& node, const ValueFacts& facts) {
  std::string found;
  for (const auto& in : node.input()) {
    if (in.empty() || facts.is_constant(in)) continue;
    if (!found.empty() && found != in) return "";
    found = in;
  }
  return found;
}

// Walks from the gate value `g` up to the pooling of `x`; returns the branch nodes (gate side
// first) when it is an SE branch.
std::optional<std::vector<int>> walk_se_branch(const GraphView& view, const ValueFacts& facts,
                                               const std::string& x, const std::string& g) {
  std::vector<int> nodes;
  bool saw_gate = false;
  bool saw_weighted = false;
  std::string current = g;
  for (int step = 0; step < kMaxSeBranchNodes && !current.empty(); ++step) {
    if (view.is_graph_output(current) || view.consumers(current).size() != 1 ||
        !view.captures(current).empty()) {
      return std::nullopt;
    }
    const int p = view.producer(current);
    if (p < 0) return std::nullopt;
    const auto& node = view.node(p);
    if (!is_default_onnx_domain(node)) return std::nullopt;
    const std::string_view op = node.op_type();
    nodes.push_back(p);
    if (is_spatial_reduction(op)) {
      if (saw_gate && saw_weighted && node.input_size() > 0 && node.input(0) == x) return nodes;
      return std::nullopt;
    }
    if (auto layout = weighted_op_layout(op)) {
      if (node.input_size() <= layout->weight_input ||
          !view.is_initializer(node.input(layout->weight_input))) {
        return std::nullopt;
      }
      saw_weighted = true;
      current = node.input(layout->activation_input);
    } else if (is_gate_function(op) || is_activation_function(op) || is_layout_only(op) ||
               is_elementwise_arithmetic(op)) {
      saw_gate = saw_gate || is_gate_function(op);
      current = single_variable_input(node, facts);
    } else {
      return std::nullopt;
    }
  }
  return std::nullopt;
}

// True when `value` is computed from `target` by at most kMaxActivationChain pointwise ops
// (activation functions, elementwise ops with one variable operand), or is `target` itself.
bool derives_pointwise(const GraphView& view, const ValueFacts& facts, std::string value,
                       const std::string& target) {
  for (int step = 0; step <= kMaxActivationChain && !value.empty(); ++step) {
    if (value == target) return true;
    const int p = view.producer(value);
    if (p < 0) return false;
    const auto& node = view.node(p);
    if (!is_default_onnx_domain(node)) return false;
    const std::string_view op = node.op_type();
    if (!is_activation_function(op) && !is_elementwise_arithmetic(op)) return false;
    value = single_variable_input(node, facts);
  }
  return false;
}

}  // namespace

std::map<int, std::string> find_se_blocks(const GraphView& view, const ValueFacts& facts) {
  std::map<int, std::string> members;
  for (int m = 0; m < view.num_nodes(); ++m) {
    const auto& mul = view.node(m);
    if (mul.op_type() != ops::kMul || !is_default_onnx_domain(mul) || mul.input_size() != 2) continue;
    for (int side = 0; side < 2; ++side) {
      const std::string& x = mul.input(side);
      const std::string& g = mul.input(1 - side);
      if (!facts.is_float_activation(x) || !facts.is_float_activation(g)) continue;
      auto branch = walk_se_branch(view, facts, x, g);
      if (!branch) continue;
      const std::string reason = "SE block '" + view.node_label(branch->back()) + "' -> ... -> '" +
                                 view.node_label(m) +
                                 "': the squeeze-excitation branch stays float";
      members.emplace(m, reason);
      for (int n : *branch) members.emplace(n, reason);
      break;
    }
  }
  return members;
}

std::map<int, std::string> find_product_activations(const GraphView& view,
                                                    const ValueFacts& facts) {
  std::map<int, std::string> found;
  for (int m = 0; m < view.num_nodes(); ++m) {
    const auto& mul = view.node(m);
    if (mul.op_type() != ops::kMul || !is_default_onnx_domain(mul) || mul.input_size() != 2) continue;
    const std::string& a = mul.input(0);
    const std::string& b = mul.input(1);
    if (!facts.is_float_activation(a) || !facts.is_float_activation(b)) continue;
    std::string x;
    if (derives_pointwise(view, facts, b, a)) {
      x = a;
    } else if (derives_pointwise(view, facts, a, b)) {
      x = b;
    } else {
      continue;
    }
    found.emplace(m, "activation written as x * f(x) with x = '" + x +
                         "' (Swish/HardSwish/GELU form): stays float like a fused activation");
  }
  return found;
}

std::vector<bool> reaches_weighted_op(const GraphView& view) {
  std::vector<bool> reaches(view.num_nodes(), false);
  const auto& order = view.topological_order();
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    const int i = *it;
    bool found = false;
    for (const auto& out : view.node(i).output()) {
      if (out.empty()) continue;
      auto check = [&](int reader) {
        found = found || reaches[reader] ||
                node_kind(view.node(reader), ModelType::kDefault) == OpKind::kWeighted;
      };
      for (const auto& use : view.consumers(out)) check(use.node);
      for (int reader : view.captures(out)) check(reader);
    }
    reaches[i] = found;
  }
  return reaches;
}

}  // namespace qac
