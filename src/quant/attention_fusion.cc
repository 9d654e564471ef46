#include "quant/attention_fusion.h"

#include <map>
#include <optional>
#include <set>
#include <utility>

#include "graph/graph_edit.h"
#include "graph/graph_view.h"
#include "graph/tensor_data.h"
#include "onnx/node_order.h"
#include "onnx/op_types.h"
#include "quant/attention_match.h"

namespace qac {
namespace {

constexpr const char* kMicrosoftDomain = "com.microsoft";
constexpr const char* kMultiHeadAttention = "MultiHeadAttention";
constexpr const char* kAttention = "Attention";

onnx::NodeProto make_node(const char* type, std::vector<std::string> inputs, std::vector<std::string> outputs,
                          const std::string& name) {
  onnx::NodeProto n;
  n.set_op_type(type);
  n.set_name(name);
  for (auto& in : inputs) n.add_input(std::move(in));
  for (auto& out : outputs) n.add_output(std::move(out));
  return n;
}

void add_int(onnx::NodeProto& n, const char* name, int64_t value) {
  onnx::AttributeProto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(value);
}

void add_float(onnx::NodeProto& n, const char* name, float value) {
  onnx::AttributeProto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(value);
}

// The nodes replacing one attention, writing the attention output to `fused`: one Attention
// node when the projection is matched, else X3, Split and MultiHeadAttention (header).
Result<std::vector<onnx::NodeProto>> fused_nodes(onnx::GraphProto& graph, NameGenerator& names, const SelfAttention& a,
                                                 const std::string& fused) {
  const std::string& b = a.base;
  std::vector<onnx::NodeProto> nodes;
  if (!a.input.empty()) {
    nodes.push_back(make_node(kAttention, {a.input, a.weight, a.bias}, {fused}, names.make(b + "/as_attention")));
  } else {
    const int64_t width = a.heads * a.head_size;
    const std::string packed_shape = names.make(b + "/packed_shape");
    const std::string sizes = names.make(b + "/split_sizes");
    QAC_RETURN_IF_ERROR(add_initializer(graph, make_int64_tensor(packed_shape, {3}, a.packed_dims)).status());
    QAC_RETURN_IF_ERROR(add_initializer(graph, make_int64_tensor(sizes, {3}, {width, width, width})).status());
    const std::string x3 = names.make(b + "/packed_qkv");
    const std::string q = names.make(b + "/q");
    const std::string k = names.make(b + "/k");
    const std::string v = names.make(b + "/v");
    nodes.push_back(make_node(op::kReshape, {a.packed, packed_shape}, {x3}, names.make(b + "/reshape_packed_qkv")));
    nodes.push_back(make_node(op::kSplit, {x3, sizes}, {q, k, v}, names.make(b + "/split_qkv")));
    add_int(nodes.back(), "axis", 2);
    nodes.push_back(make_node(kMultiHeadAttention, {q, k, v}, {fused}, names.make(b + "/as_multi_head_attention")));
  }
  onnx::NodeProto& fused_node = nodes.back();
  fused_node.set_domain(kMicrosoftDomain);
  add_int(fused_node, "num_heads", a.heads);
  add_float(fused_node, "scale", static_cast<float>(a.scale));
  return nodes;
}

void import_microsoft_domain(onnx::ModelProto& model) {
  for (const auto& op : model.opset_import()) {
    if (op.domain() == kMicrosoftDomain) return;
  }
  auto* op = model.add_opset_import();
  op->set_domain(kMicrosoftDomain);
  op->set_version(1);
}

}  // namespace

Result<int> rewrite_self_attention(onnx::ModelProto& model, std::vector<std::string>* log) {
  onnx::GraphProto& graph = *model.mutable_graph();
  std::vector<SelfAttention> found;
  {
    QAC_ASSIGN_OR_RETURN(GraphView view, GraphView::build(graph));
    found = find_self_attentions(view);
  }
  if (found.empty()) return 0;
  NameGenerator names(graph);
  std::map<int, std::vector<onnx::NodeProto>> inserted;  // before the node at that index
  std::set<int> removed;
  std::set<std::string> maybe_unused;
  for (const SelfAttention& a : found) {
    const std::string fused = names.make(a.base + "/attention");
    QAC_ASSIGN_OR_RETURN(inserted[a.packed_reshape], fused_nodes(graph, names, a, fused));
    onnx::NodeProto& output_reshape = *graph.mutable_node(a.output_reshape);
    output_reshape.set_input(0, fused);
    if (a.output_dims) {
      const std::string shape = names.make(a.base + "/output_shape");
      const int64_t rank = static_cast<int64_t>(a.output_dims->size());
      QAC_RETURN_IF_ERROR(add_initializer(graph, make_int64_tensor(shape, {rank}, *a.output_dims)).status());
      output_reshape.set_input(1, shape);
      maybe_unused.insert(a.output_shape);
    }
    for (int r : a.removed) {
      removed.insert(r);
      for (const std::string& in : graph.node(r).input()) maybe_unused.insert(in);
    }
    if (log) {
      log->push_back(std::string(kSelfAttentionLogPrefix) + " '" + a.base + "' (" + std::to_string(a.heads) +
                     " heads of " + std::to_string(a.head_size) + ", scale " + std::to_string(a.scale) + ", " +
                     std::to_string(a.removed.size()) + " nodes) rewritten as the " +
                     inserted[a.packed_reshape].back().op_type() + " node '" +
                     inserted[a.packed_reshape].back().name() + "'");
    }
  }
  google::protobuf::RepeatedPtrField<onnx::NodeProto> nodes;
  for (int i = 0; i < graph.node_size(); ++i) {
    if (auto it = inserted.find(i); it != inserted.end()) {
      for (onnx::NodeProto& n : it->second) *nodes.Add() = std::move(n);
    }
    if (!removed.count(i)) *nodes.Add() = std::move(*graph.mutable_node(i));
  }
  graph.mutable_node()->Swap(&nodes);
  import_microsoft_domain(model);
  QAC_RETURN_IF_ERROR(remove_unread_nodes(graph, maybe_unused).status());
  remove_unused_initializers(graph, &maybe_unused);
  remove_stale_value_info(graph);
  QAC_RETURN_IF_ERROR(topological_sort(graph));
  return static_cast<int>(found.size());
}

}  // namespace qac
