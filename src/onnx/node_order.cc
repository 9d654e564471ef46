#include "onnx/node_order.h"

#include <functional>
#include <map>
#include <queue>

namespace qac {
namespace {

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

Status sort_nested(onnx::NodeProto& node) {
  for (auto& attr : *node.mutable_attribute()) {
    if (attr.has_g()) QAC_RETURN_IF_ERROR(topological_sort(*attr.mutable_g()));
    for (auto& g : *attr.mutable_graphs()) QAC_RETURN_IF_ERROR(topological_sort(g));
  }
  return Status::Ok();
}

}  // namespace

std::vector<const onnx::GraphProto*> node_subgraphs(const onnx::NodeProto& node) {
  std::vector<const onnx::GraphProto*> graphs;
  for (const auto& attr : node.attribute()) {
    if (attr.has_g()) graphs.push_back(&attr.g());
    for (const auto& g : attr.graphs()) graphs.push_back(&g);
  }
  return graphs;
}

std::set<std::string> outer_scope_reads(const onnx::GraphProto& subgraph) {
  std::set<std::string> defined;
  for (const auto& v : subgraph.input()) defined.insert(v.name());
  for (const auto& t : subgraph.initializer()) defined.insert(t.name());
  for (const auto& n : subgraph.node()) {
    for (const auto& out : n.output()) defined.insert(out);
  }
  std::set<std::string> reads;
  for (const auto& n : subgraph.node()) {
    for (const auto& in : n.input()) {
      if (!in.empty()) reads.insert(in);
    }
    for (const auto* nested : node_subgraphs(n)) {
      for (const auto& name : outer_scope_reads(*nested)) reads.insert(name);
    }
  }
  for (const auto& v : subgraph.output()) reads.insert(v.name());
  std::set<std::string> outer;
  for (const auto& name : reads) {
    if (!defined.count(name)) outer.insert(name);
  }
  return outer;
}

Result<std::vector<int>> topological_node_order(const onnx::GraphProto& graph) {
  const int n = graph.node_size();
  std::map<std::string, int, std::less<>> producer;
  for (int i = 0; i < n; ++i) {
    for (const auto& out : graph.node(i).output()) {
      if (!out.empty()) producer.emplace(out, i);
    }
  }
  // dependents[p] lists nodes reading an output of p; pending[i] counts unmet dependencies.
  std::vector<std::vector<int>> dependents(n);
  std::vector<int> pending(n, 0);
  for (int i = 0; i < n; ++i) {
    std::set<int> deps;
    auto add_dependency = [&](const std::string& value) {
      auto it = producer.find(value);
      if (it != producer.end() && it->second != i) deps.insert(it->second);
    };
    for (const auto& in : graph.node(i).input()) {
      if (!in.empty()) add_dependency(in);
    }
    for (const auto* sub : node_subgraphs(graph.node(i))) {
      for (const auto& value : outer_scope_reads(*sub)) add_dependency(value);
    }
    pending[i] = static_cast<int>(deps.size());
    for (int d : deps) dependents[d].push_back(i);
  }
  std::priority_queue<int, std::vector<int>, std::greater<>> ready;
  for (int i = 0; i < n; ++i) {
    if (pending[i] == 0) ready.push(i);
  }
  std::vector<int> order;
  order.reserve(n);
  while (!ready.empty()) {
    int i = ready.top();
    ready.pop();
    order.push_back(i);
    for (int d : dependents[i]) {
      if (--pending[d] == 0) ready.push(d);
    }
  }
  if (static_cast<int>(order.size()) != n) {
    for (int i = 0; i < n; ++i) {
      if (pending[i] > 0) {
        return Status::InvalidModel("graph " + quoted(graph.name()) +
                                    " has a cycle through node " +
                                    quoted(label_of(graph.node(i), i)));
      }
    }
  }
  return order;
}

Status topological_sort(onnx::GraphProto& graph) {
  QAC_ASSIGN_OR_RETURN(std::vector<int> order, topological_node_order(graph));
  std::vector<onnx::NodeProto> sorted;
  sorted.reserve(order.size());
  for (int i : order) sorted.push_back(std::move(*graph.mutable_node(i)));
  graph.clear_node();
  for (auto& node : sorted) *graph.add_node() = std::move(node);
  for (auto& node : *graph.mutable_node()) QAC_RETURN_IF_ERROR(sort_nested(node));
  return Status::Ok();
}

}  // namespace qac
