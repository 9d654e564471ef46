#include "quant/placement_roles.h"

#include "core/log.h"
#include "quant/ignored_scope.h"
#include "quant/placement_patterns.h"

namespace qac {
namespace {

bool has_float_activation_input(const onnx::NodeProto& node, const ValueFacts& facts) {
  for (const auto& in : node.input()) {
    if (facts.is_float_activation(in)) return true;
  }
  return false;
}

int count_subgraph_nodes(const onnx::NodeProto& node) {
  int count = 0;
  for (const auto* sub : node_subgraphs(node)) {
    count += sub->node_size();
    for (const auto& inner : sub->node()) count += count_subgraph_nodes(inner);
  }
  return count;
}

// Why a weighted node cannot be quantized as such; empty when it can.
std::string weighted_node_problem(const GraphView& view, const ValueFacts& facts,
                                  const onnx::NodeProto& node) {
  const auto layout = weighted_op_layout(node.op_type());
  if (node.input_size() <= layout->weight_input || node.input(layout->weight_input).empty()) {
    return "has no weight input";
  }
  const std::string& activation = node.input(layout->activation_input);
  const std::string& weight = node.input(layout->weight_input);
  if (facts.is_constant(activation)) {
    return "its data input '" + activation + "' is a constant";
  }
  if (const auto* init = view.initializer(weight)) {
    if (init->data_type() != onnx::TensorProto_DataType_FLOAT) {
      return "weight '" + weight + "' is not float32 (ONNX type " +
             std::to_string(init->data_type()) + ")";
    }
    return "";
  }
  if (facts.is_constant(weight)) {
    return "weight '" + weight +
           "' is a constant computed in the graph, not an initializer (normalize the model "
           "first)";
  }
  const bool dynamic_weight_ok = node.op_type() == ops::kMatMul || node.op_type() == ops::kGemm;
  if (!dynamic_weight_ok) return "weight '" + weight + "' is computed at run time";
  return "";  // MatMul/Gemm with two activation inputs
}

}  // namespace

Result<NodeRoles> assign_node_roles(const GraphView& view, const ValueFacts& facts,
                                    const PlacementOptions& options) {
  QAC_ASSIGN_OR_RETURN(IgnoredNodes ignored,
                       match_ignored_scope(view, options.ignored_scope,
                                           options.strict_ignored_scope));
  if (!options.strict_ignored_scope) {
    // Non-strict: report entries that matched nothing (strict mode already failed on them).
    auto lenient = match_ignored_scope(view, options.ignored_scope, /*strict=*/true);
    if (!lenient.ok()) {
      QAC_LOG(kWarning) << lenient.status().message();
    }
  }
  const auto se_blocks = find_se_blocks(view, facts);
  const auto product_activations = find_product_activations(view, facts);
  const auto reaches_weighted = reaches_weighted_op(view);

  const int n = view.num_nodes();
  NodeRoles roles;
  roles.kind.assign(n, OpKind::kFloat);
  roles.skip_reason.assign(n, "");
  for (int i = 0; i < n; ++i) {
    const auto& node = view.node(i);
    const OpKind kind = node_kind(node, options.model_type);
    const OpKind default_kind = node_kind(node, ModelType::kDefault);
    const bool quantizable = kind == OpKind::kWeighted || kind == OpKind::kQuantizableInputs;
    const bool reportable = has_float_activation_input(node, facts);
    std::string reason;
    if (view.has_subgraphs(i)) {
      reason = node.op_type() == "If"
                   ? "runs in float; the " + std::to_string(count_subgraph_nodes(node)) +
                         " nodes of its branches are quantized as models of their own where calibration reaches them"
                   : "holds subgraphs whose " + std::to_string(count_subgraph_nodes(node)) +
                         " nodes stay float (only If branches are quantized)";
    } else if (auto it = ignored.find(i); it != ignored.end()) {
      reason = it->second;
    } else if (auto se = se_blocks.find(i); se != se_blocks.end()) {
      reason = se->second;
    } else if (!quantizable) {
      if (default_kind != kind && reportable) {
        reason = "model_type=transformer keeps " + node.op_type() + " in float";
      }
    } else if (kind != OpKind::kWeighted && !reaches_weighted[i]) {
      if (reportable) {
        reason = "post-processing: no weighted op (Conv, ConvTranspose, MatMul, Gemm) lies "
                 "between this node and the graph outputs";
      }
    } else if (auto pa = product_activations.find(i); pa != product_activations.end()) {
      reason = pa->second;
    } else if (is_elementwise_arithmetic(node.op_type())) {
      for (const auto& in : node.input()) {
        if (!in.empty() && facts.is_constant(in) && reportable) {
          reason = node.op_type() + " with constant operand '" + in +
                   "' loses its activation quantizer";
          break;
        }
      }
    } else if (kind == OpKind::kWeighted) {
      const std::string problem = weighted_node_problem(view, facts, node);
      if (!problem.empty()) reason = node.op_type() + " stays float: " + problem;
    }
    const bool keep_float = !reason.empty() || view.has_subgraphs(i);
    roles.kind[i] = keep_float ? OpKind::kFloat : kind;
    roles.skip_reason[i] = std::move(reason);
  }
  return roles;
}

}  // namespace qac
