#include "quant/groups.h"

#include <algorithm>
#include <map>
#include <numeric>

#include "core/log.h"
#include "graph/graph_view.h"
#include "quant/op_table.h"

namespace qac {
namespace {

class DisjointSets {
 public:
  explicit DisjointSets(int n) : parent_(n) { std::iota(parent_.begin(), parent_.end(), 0); }
  int find(int x) {
    while (parent_[x] != x) x = parent_[x] = parent_[parent_[x]];
    return x;
  }
  void unite(int a, int b) {
    a = find(a);
    b = find(b);
    if (a != b) parent_[std::max(a, b)] = std::min(a, b);
  }

 private:
  std::vector<int> parent_;
};

// Quantized ops reached from the readers of an activation quantizer, walking down through
// agnostic ops (whose outputs then carry quantized values too).
std::vector<int> quantized_ops_fed(const GraphView& view,
                                   const std::vector<std::pair<int, int>>& consumers) {
  std::vector<int> ops_found;
  std::vector<int> stack;
  std::vector<bool> seen(view.num_nodes(), false);
  for (const auto& [node, slot] : consumers) {
    if (node >= 0 && node < view.num_nodes()) stack.push_back(node);
  }
  while (!stack.empty()) {
    const int n = stack.back();
    stack.pop_back();
    if (seen[n]) continue;
    seen[n] = true;
    if (node_kind(view.node(n), ModelType::kDefault) != OpKind::kAgnostic) {
      ops_found.push_back(n);
      continue;
    }
    for (const auto& out : view.node(n).output()) {
      if (out.empty()) continue;
      for (const auto& use : view.consumers(out)) stack.push_back(use.node);
    }
  }
  return ops_found;
}

// ONNX Runtime form: one group per node unit, in unit (topological) order. The group lists the
// unit's own input quantizers (the tensors it reads) for the sensitivity probe; which quantizers
// a configuration emits follows from the enabled units.
std::vector<QuantizerGroup> unit_groups(const onnx::ModelProto& model, const QuantizerSetup& setup) {
  std::vector<QuantizerGroup> groups;
  const auto& graph = model.graph();
  for (const QuantUnit& unit : setup.units) {
    QuantizerGroup g;
    g.id = static_cast<int>(groups.size());
    g.unit_ids.push_back(unit.id);
    if (!unit.weight_id.empty()) g.weight_ids.push_back(unit.weight_id);
    for (const auto& [node, slot] : unit.inputs) {
      const std::string id = activation_quantizer_id(graph.node(node).input(slot));
      if (std::find(g.activation_ids.begin(), g.activation_ids.end(), id) == g.activation_ids.end()) {
        g.activation_ids.push_back(id);
      }
    }
    g.node_names.push_back(unit.node_name);
    g.op_types.push_back(unit.op_type);
    if (unit.folded >= 0) {
      g.node_names.push_back(unit.folded_name);
      g.op_types.push_back(graph.node(unit.folded).op_type());
    }
    groups.push_back(std::move(g));
  }
  return groups;
}

// Joins each quantizer with the quantized ops it feeds. Elements of `sets`: activation
// quantizers, then weight quantizers, then graph nodes; marks those ops in `is_quantized_op`.
void unite_quantizers_with_ops(const GraphView& view, const QuantizerSetup& setup, DisjointSets& sets,
                               std::vector<bool>& is_quantized_op) {
  const int num_activations = static_cast<int>(setup.activations.size());
  const int num_weights = static_cast<int>(setup.weights.size());
  const int first_node = num_activations + num_weights;
  for (int a = 0; a < num_activations; ++a) {
    for (int op : quantized_ops_fed(view, setup.activations[a].consumers)) {
      is_quantized_op[op] = true;
      sets.unite(a, first_node + op);
    }
  }
  for (int w = 0; w < num_weights; ++w) {
    const int op = setup.weights[w].node;
    if (op < 0 || op >= view.num_nodes()) continue;
    is_quantized_op[op] = true;
    sets.unite(num_activations + w, first_node + op);
  }
}

}  // namespace

std::vector<QuantizerGroup> build_groups(const onnx::ModelProto& model,
                                         const QuantizerSetup& setup) {
  if (!setup.units.empty()) return unit_groups(model, setup);
  const int num_activations = static_cast<int>(setup.activations.size());
  const int num_weights = static_cast<int>(setup.weights.size());
  auto view_or = GraphView::build(model.graph());
  if (!view_or.ok()) {
    QAC_LOG(kError) << "quantizer groups: " << view_or.status().message()
                    << "; every quantizer gets its own group";
  }
  const int num_nodes = view_or.ok() ? view_or->num_nodes() : 0;
  // Elements: activation quantizers, then weight quantizers, then graph nodes.
  const int first_weight = num_activations;
  const int first_node = num_activations + num_weights;
  DisjointSets sets(first_node + num_nodes);
  std::vector<bool> is_quantized_op(num_nodes, false);
  std::vector<int> position(num_nodes, 0);
  if (view_or.ok()) {
    const auto& order = view_or->topological_order();
    for (size_t i = 0; i < order.size(); ++i) position[order[i]] = static_cast<int>(i);
    unite_quantizers_with_ops(*view_or, setup, sets, is_quantized_op);
  }

  // Collect components; order them by their first op (quantizer-only groups last, in order).
  struct Component {
    int first_position = 0;
    int first_element = 0;
    QuantizerGroup group;
    std::vector<int> ops;
  };
  std::map<int, Component> components;
  auto component = [&](int element) -> Component& {
    const int root = sets.find(element);
    auto [it, inserted] = components.try_emplace(root);
    if (inserted) {
      it->second.first_position = num_nodes;
      it->second.first_element = element;
    }
    return it->second;
  };
  for (int a = 0; a < num_activations; ++a) {
    component(a).group.activation_ids.push_back(setup.activations[a].id);
  }
  for (int w = 0; w < num_weights; ++w) {
    component(first_weight + w).group.weight_ids.push_back(setup.weights[w].id);
  }
  for (int op = 0; op < num_nodes; ++op) {
    if (!is_quantized_op[op]) continue;
    Component& c = component(first_node + op);
    c.ops.push_back(op);
    c.first_position = std::min(c.first_position, position[op]);
  }
  std::vector<Component*> ordered;
  for (auto& [root, c] : components) ordered.push_back(&c);
  std::stable_sort(ordered.begin(), ordered.end(), [](const Component* a, const Component* b) {
    if (a->first_position != b->first_position) return a->first_position < b->first_position;
    return a->first_element < b->first_element;
  });
  std::vector<QuantizerGroup> groups;
  for (Component* c : ordered) {
    std::sort(c->ops.begin(), c->ops.end(),
              [&](int a, int b) { return position[a] < position[b]; });
    for (int op : c->ops) {
      c->group.node_names.push_back(view_or->node_label(op));
      c->group.op_types.push_back(view_or->node(op).op_type());
    }
    c->group.id = static_cast<int>(groups.size());
    groups.push_back(std::move(c->group));
  }
  return groups;
}

}  // namespace qac
