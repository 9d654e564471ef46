#include "graph/graph_edit.h"

#include <algorithm>

namespace qac {
namespace {

void collect_names(const onnx::GraphProto& graph, std::set<std::string, std::less<>>* names) {
  for (const auto& v : graph.input()) names->insert(v.name());
  for (const auto& v : graph.output()) names->insert(v.name());
  for (const auto& v : graph.value_info()) names->insert(v.name());
  for (const auto& t : graph.initializer()) names->insert(t.name());
  for (const auto& n : graph.node()) {
    if (!n.name().empty()) names->insert(n.name());
    for (const auto& s : n.input()) names->insert(s);
    for (const auto& s : n.output()) names->insert(s);
    for (const auto* sub : node_subgraphs(n)) collect_names(*sub, names);
  }
}

std::set<std::string> names_read(const onnx::GraphProto& graph) {
  std::set<std::string> read;
  for (const auto& n : graph.node()) {
    for (const auto& s : n.input()) {
      if (!s.empty()) read.insert(s);
    }
    for (const auto* sub : node_subgraphs(n)) {
      for (const auto& s : outer_scope_reads(*sub)) read.insert(s);
    }
  }
  for (const auto& v : graph.output()) read.insert(v.name());
  return read;
}


}  // namespace

NameGenerator::NameGenerator(const onnx::GraphProto& graph) { collect_names(graph, &used_); }

std::string NameGenerator::make(std::string_view base) {
  std::string name(base);
  for (int suffix = 1; name.empty() || used_.count(name); ++suffix) {
    name = std::string(base) + "_" + std::to_string(suffix);
  }
  used_.insert(name);
  return name;
}

Status replace_uses(onnx::GraphProto& graph, const std::string& old_value,
                    const std::string& new_value, const std::vector<ValueUse>& uses) {
  for (const auto& use : uses) {
    if (use.node < 0 || use.node >= graph.node_size() || use.slot < 0 ||
        use.slot >= graph.node(use.node).input_size()) {
      return Status::InvalidArgument("cannot redirect '" + old_value + "': node " +
                                     std::to_string(use.node) + " has no input slot " +
                                     std::to_string(use.slot));
    }
    if (graph.node(use.node).input(use.slot) != old_value) {
      return Status::InvalidArgument("cannot redirect '" + old_value + "': input " +
                                     std::to_string(use.slot) + " of node '" +
                                     graph.node(use.node).name() + "' reads '" +
                                     graph.node(use.node).input(use.slot) + "'");
    }
  }
  for (const auto& use : uses) {
    graph.mutable_node(use.node)->set_input(use.slot, new_value);
  }
  return Status::Ok();
}

int replace_all_uses(onnx::GraphProto& graph, const std::string& old_value,
                     const std::string& new_value) {
  int changed = 0;
  for (auto& node : *graph.mutable_node()) {
    for (int slot = 0; slot < node.input_size(); ++slot) {
      if (node.input(slot) == old_value) {
        node.set_input(slot, new_value);
        ++changed;
      }
    }
  }
  return changed;
}

onnx::NodeProto* insert_node(onnx::GraphProto& graph, onnx::NodeProto node, int position) {
  auto* nodes = graph.mutable_node();
  nodes->Add(std::move(node));
  // Bubble the appended node back to `position`.
  for (int i = nodes->size() - 1; i > position; --i) nodes->SwapElements(i, i - 1);
  return nodes->Mutable(position);
}

void remove_nodes(onnx::GraphProto& graph, const std::vector<int>& indices) {
  std::vector<bool> removed(graph.node_size(), false);
  for (int i : indices) removed[i] = true;
  auto* nodes = graph.mutable_node();
  int kept = 0;
  for (int i = 0; i < nodes->size(); ++i) {
    if (removed[i]) continue;
    if (kept != i) nodes->SwapElements(kept, i);
    ++kept;
  }
  nodes->DeleteSubrange(kept, nodes->size() - kept);
}

Result<int> remove_unread_nodes(onnx::GraphProto& graph, std::set<std::string>& values) {
  int removed = 0;
  std::set<std::string> frontier = values;
  while (!frontier.empty()) {
    QAC_ASSIGN_OR_RETURN(GraphView view, GraphView::build(graph));
    std::set<int> dead;
    for (const std::string& value : frontier) {
      const int p = view.producer(value);
      if (p < 0 || view.has_subgraphs(p)) continue;
      bool read = false;
      for (const std::string& out : view.node(p).output()) {
        read = read || !view.consumers(out).empty() || !view.captures(out).empty() || view.is_graph_output(out);
      }
      if (!read) dead.insert(p);
    }
    frontier.clear();
    for (int p : dead) {
      for (const std::string& in : view.node(p).input()) {
        if (in.empty()) continue;
        values.insert(in);
        frontier.insert(in);
      }
    }
    remove_nodes(graph, std::vector<int>(dead.begin(), dead.end()));
    removed += static_cast<int>(dead.size());
  }
  return removed;
}

Result<onnx::TensorProto*> add_initializer(onnx::GraphProto& graph, onnx::TensorProto tensor) {
  if (tensor.name().empty()) return Status::InvalidArgument("initializer without a name");
  for (const auto& t : graph.initializer()) {
    if (t.name() == tensor.name()) {
      return Status::InvalidArgument("initializer '" + tensor.name() + "' already exists");
    }
  }
  auto* added = graph.add_initializer();
  *added = std::move(tensor);
  return added;
}

std::vector<std::string> remove_unused_initializers(onnx::GraphProto& graph,
                                                    const std::set<std::string>* candidates) {
  const std::set<std::string> read = names_read(graph);
  std::set<std::string> inputs;
  for (const auto& v : graph.input()) inputs.insert(v.name());
  std::vector<std::string> removed;
  auto* inits = graph.mutable_initializer();
  int kept = 0;
  for (int i = 0; i < inits->size(); ++i) {
    const std::string& name = inits->Get(i).name();
    const bool considered = candidates == nullptr || candidates->count(name);
    if (considered && !read.count(name) && !inputs.count(name)) {
      removed.push_back(name);
      continue;
    }
    if (kept != i) inits->SwapElements(kept, i);
    ++kept;
  }
  inits->DeleteSubrange(kept, inits->size() - kept);
  return removed;
}

void remove_stale_value_info(onnx::GraphProto& graph) {
  std::set<std::string> live;
  for (const auto& n : graph.node()) {
    for (const auto& s : n.output()) live.insert(s);
  }
  for (const auto& v : graph.input()) live.insert(v.name());
  for (const auto& t : graph.initializer()) live.insert(t.name());
  auto* infos = graph.mutable_value_info();
  int kept = 0;
  for (int i = 0; i < infos->size(); ++i) {
    if (!live.count(infos->Get(i).name())) continue;
    if (kept != i) infos->SwapElements(kept, i);
    ++kept;
  }
  infos->DeleteSubrange(kept, infos->size() - kept);
}


}  // namespace qac
