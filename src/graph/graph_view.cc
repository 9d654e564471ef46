#include "graph/graph_view.h"

#include <functional>
#include <queue>

namespace qac {
namespace {

const std::vector<ValueUse> kNoUses;
const std::vector<int> kNoNodes;

std::string quoted(std::string_view s) {
  std::string out = "'";
  out.append(s);
  out += "'";
  return out;
}

std::string label_of(const onnx::NodeProto& node, int index) {
  if (!node.name().empty()) return node.name();
  std::string label = node.op_type() + "#" + std::to_string(index);
  if (node.output_size() > 0) label += " (" + node.output(0) + ")";
  return label;
}

}  // namespace


Result<GraphView> GraphView::build(const onnx::GraphProto& graph, bool allow_outer_scope) {
  GraphView view;
  view.graph_ = &graph;
  for (const auto& t : graph.initializer()) view.initializers_.emplace(t.name(), &t);
  for (const auto& v : graph.input()) {
    view.graph_inputs_.insert(v.name());
    view.value_infos_.emplace(v.name(), &v);
  }
  for (const auto& v : graph.output()) {
    view.graph_outputs_.insert(v.name());
    view.value_infos_.emplace(v.name(), &v);
  }
  for (const auto& v : graph.value_info()) view.value_infos_.emplace(v.name(), &v);

  const int n = graph.node_size();
  view.has_subgraphs_.assign(n, false);
  for (int i = 0; i < n; ++i) {
    const auto& node = graph.node(i);
    for (int slot = 0; slot < node.output_size(); ++slot) {
      const std::string& out = node.output(slot);
      if (out.empty()) continue;
      auto [it, inserted] = view.sources_.emplace(out, ValueSource{i, slot});
      if (!inserted) {
        return Status::InvalidModel("value " + quoted(out) + " is produced by node " +
                                    quoted(label_of(graph.node(it->second.node), it->second.node)) +
                                    " and again by node " + quoted(label_of(node, i)));
      }
      if (view.initializers_.count(out) || view.graph_inputs_.count(out)) {
        return Status::InvalidModel("value " + quoted(out) + " produced by node " +
                                    quoted(label_of(node, i)) +
                                    " is also a graph input or initializer");
      }
    }
  }
  auto defined = [&](const std::string& value) {
    return view.sources_.count(value) || view.initializers_.count(value) ||
           view.graph_inputs_.count(value);
  };
  for (int i = 0; i < n; ++i) {
    const auto& node = graph.node(i);
    for (int slot = 0; slot < node.input_size(); ++slot) {
      const std::string& in = node.input(slot);
      if (in.empty()) continue;
      if (!allow_outer_scope && !defined(in)) {
        return Status::InvalidModel("node " + quoted(label_of(node, i)) + " reads value " +
                                    quoted(in) + " that no node, input or initializer defines");
      }
      view.consumers_[in].push_back(ValueUse{i, slot});
    }
    const auto subgraphs = node_subgraphs(node);
    view.has_subgraphs_[i] = !subgraphs.empty();
    std::set<std::string> captured;
    for (const auto* sub : subgraphs) {
      for (const auto& value : outer_scope_reads(*sub)) captured.insert(value);
    }
    for (const auto& value : captured) {
      if (!allow_outer_scope && !defined(value)) {
        return Status::InvalidModel("a subgraph of node " + quoted(label_of(node, i)) +
                                    " reads value " + quoted(value) +
                                    " that nothing in scope defines");
      }
      view.captures_[value].push_back(i);
    }
  }
  for (const auto& out : graph.output()) {
    if (!allow_outer_scope && !defined(out.name())) {
      return Status::InvalidModel("graph output " + quoted(out.name()) +
                                  " is not produced by any node, input or initializer");
    }
  }
  QAC_ASSIGN_OR_RETURN(view.topo_order_, topological_node_order(graph));
  return view;
}

std::string GraphView::node_label(int index) const { return label_of(node(index), index); }

int GraphView::producer(std::string_view value) const {
  auto it = sources_.find(value);
  return it == sources_.end() ? -1 : it->second.node;
}

std::optional<ValueSource> GraphView::source(std::string_view value) const {
  auto it = sources_.find(value);
  if (it == sources_.end()) return std::nullopt;
  return it->second;
}

const std::vector<ValueUse>& GraphView::consumers(std::string_view value) const {
  auto it = consumers_.find(value);
  return it == consumers_.end() ? kNoUses : it->second;
}

const std::vector<int>& GraphView::captures(std::string_view value) const {
  auto it = captures_.find(value);
  return it == captures_.end() ? kNoNodes : it->second;
}

const onnx::TensorProto* GraphView::initializer(std::string_view name) const {
  auto it = initializers_.find(name);
  return it == initializers_.end() ? nullptr : it->second;
}

bool GraphView::is_graph_input(std::string_view name) const {
  return graph_inputs_.find(name) != graph_inputs_.end();
}

bool GraphView::is_graph_output(std::string_view name) const {
  return graph_outputs_.find(name) != graph_outputs_.end();
}

bool GraphView::has_subgraphs(int node_index) const { return has_subgraphs_[node_index]; }

const onnx::ValueInfoProto* GraphView::value_info(std::string_view value) const {
  auto it = value_infos_.find(value);
  return it == value_infos_.end() ? nullptr : it->second;
}

std::optional<int32_t> GraphView::elem_type(std::string_view value) const {
  if (const auto* info = value_info(value)) {
    if (info->type().has_tensor_type() && info->type().tensor_type().elem_type() != 0) {
      return info->type().tensor_type().elem_type();
    }
  }
  if (const auto* init = initializer(value)) return init->data_type();
  return std::nullopt;
}

std::optional<std::vector<int64_t>> GraphView::shape(std::string_view value) const {
  if (const auto* init = initializer(value)) {
    return std::vector<int64_t>(init->dims().begin(), init->dims().end());
  }
  const auto* info = value_info(value);
  if (info == nullptr || !info->type().has_tensor_type() ||
      !info->type().tensor_type().has_shape()) {
    return std::nullopt;
  }
  std::vector<int64_t> dims;
  for (const auto& d : info->type().tensor_type().shape().dim()) {
    dims.push_back(d.has_dim_value() ? d.dim_value() : -1);
  }
  return dims;
}

}  // namespace qac
