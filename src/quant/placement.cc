#include "quant/placement.h"

#include <algorithm>
#include <optional>
#include <queue>
#include <set>

#include "core/log.h"
#include "graph/graph_view.h"
#include "quant/node_units.h"
#include "quant/op_table.h"
#include "quant/placement_roles.h"
#include "quant/placement_values.h"

namespace qac {
namespace {

// An activation quantizer while placement moves it around.
struct Point {
  std::vector<ValueUse> consumers;       // readers of the quantized value
  bool force_symmetric = false;
  std::vector<std::string> serves;       // "input 0 of Conv 'conv2'" per quantized op input
  std::vector<std::string> moved_above;  // agnostic nodes it moved above, bottom first
  std::string stop_note;                 // why it did not move further up, when notable
  std::string concat;                    // Concat it was lifted through onto several inputs
};

// Union-find over tensor names: quantizers that must share one scale.
class ScaleUnion {
 public:
  std::string find(const std::string& x) {
    auto it = parent_.find(x);
    if (it == parent_.end()) return x;
    std::string root = find(it->second);
    parent_[x] = root;
    return root;
  }
  void unite(const std::string& a, const std::string& b) {
    std::string ra = find(a), rb = find(b);
    if (ra != rb) parent_[rb] = ra;
  }

 private:
  std::map<std::string, std::string> parent_;
};

template <typename T>
void append_unique(std::vector<T>& to, const std::vector<T>& from) {
  for (const auto& x : from) {
    if (std::find(to.begin(), to.end(), x) == to.end()) to.push_back(x);
  }
}

std::string join(const std::vector<std::string>& items, const std::string& separator = ", ") {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : separator) + item;
  return out;
}

class Placer {
 public:
  Placer(const GraphView& view, const ValueFacts& facts, const NodeRoles& roles,
         const PlacementOptions& options)
      : view_(view), facts_(facts), roles_(roles), options_(options) {
    const auto& order = view_.topological_order();
    position_.assign(view_.num_nodes(), 0);
    for (size_t i = 0; i < order.size(); ++i) position_[order[i]] = static_cast<int>(i);
  }

  QuantizerSetup run() {
    request_quantizers();
    propagate_up();
    return assemble();
  }

 private:
  std::string quoted_label(int node) const {
    std::string out = "'";
    out += view_.node_label(node);
    out += "'";
    return out;
  }

  // Step 3: one request per float activation input of each quantized node, plus weights.
  void request_quantizers() {
    for (int i : view_.topological_order()) {
      const OpKind kind = roles_.kind[i];
      if (kind != OpKind::kWeighted && kind != OpKind::kQuantizableInputs) continue;
      const auto& node = view_.node(i);
      std::vector<int> slots = activation_input_slots(node);
      bool two_activations = false;
      bool quantized = false;
      if (kind == OpKind::kWeighted) {
        const auto layout = *weighted_op_layout(node.op_type());
        const std::string& weight = node.input(layout.weight_input);
        if (const auto* init = view_.initializer(weight)) {
          WeightQuantizer w = make_weight_quantizer(node, i, view_.node_label(i), *init, weight_ids_);
          weights_.push_back(std::move(w));
          quantized = true;
        } else {
          slots.push_back(layout.weight_input);  // MatMul/Gemm with two activation inputs
          two_activations = true;
        }
      }
      const bool symmetric = two_activations && options_.model_type == ModelType::kTransformer;
      for (int slot : slots) {
        if (slot >= node.input_size()) continue;
        const std::string& tensor = node.input(slot);
        if (!facts_.is_float_activation(tensor)) continue;
        Point& point = points_[tensor];
        point.consumers.push_back(ValueUse{i, slot});
        point.force_symmetric = point.force_symmetric || symmetric;
        point.serves.push_back("input " + std::to_string(slot) + " of " + node.op_type() + " " +
                               quoted_label(i));
        quantized = true;
      }
      if (quantized) quantized_nodes_.insert(i);
    }
  }

  // Step 4: move quantizers above agnostic ops, bottom-up.
  void propagate_up() {
    std::priority_queue<std::pair<int, int>> queue;  // (topological position, node)
    std::set<int> queued;
    auto enqueue_producer = [&](const std::string& tensor) {
      const int p = view_.producer(tensor);
      if (p >= 0 && queued.insert(p).second) queue.emplace(position_[p], p);
    };
    for (const auto& [tensor, point] : points_) enqueue_producer(tensor);
    while (!queue.empty()) {
      const int p = queue.top().second;
      queue.pop();
      if (std::optional<std::string> blocked = lift_blocker(p)) {
        for (const auto& out : view_.node(p).output()) {
          auto it = points_.find(out);
          if (it != points_.end()) it->second.stop_note = *blocked;
        }
        continue;
      }
      for (const std::string& tensor : lift(p)) enqueue_producer(tensor);
    }
  }

  // Why the quantizers on the outputs of node `p` cannot move above it: std::nullopt when
  // they can, "" when there is nothing worth reporting (`p` is not an agnostic op).
  std::optional<std::string> lift_blocker(int p) const {
    const auto& node = view_.node(p);
    const std::string where = "stays below " + node.op_type() + " " + quoted_label(p) + ": ";
    if (node_kind(node, options_.model_type) != OpKind::kAgnostic) return "";
    if (roles_.kind[p] != OpKind::kAgnostic) return where + roles_.skip_reason[p];
    for (const auto& out : node.output()) {
      if (out.empty()) continue;
      if (view_.is_graph_output(out)) return where + "its output '" + out + "' is a graph output";
      if (!view_.captures(out).empty()) {
        return where + "its output '" + out + "' is read by a subgraph";
      }
      const auto& readers = view_.consumers(out);
      auto it = points_.find(out);
      for (const auto& use : readers) {
        const bool served = it != points_.end() &&
                            std::find(it->second.consumers.begin(), it->second.consumers.end(),
                                      use) != it->second.consumers.end();
        if (!served) {
          return where + "its output '" + out + "' is also read by float " +
                 view_.node(use.node).op_type() + " " + quoted_label(use.node);
        }
      }
    }
    int data_inputs = 0;
    for (int slot : agnostic_data_slots(node)) {
      if (slot >= node.input_size() || node.input(slot).empty()) continue;
      if (!facts_.is_float_activation(node.input(slot))) {
        return where + "its input '" + node.input(slot) + "' is a constant or not float32";
      }
      ++data_inputs;
    }
    if (data_inputs == 0) return where + "it has no data input";
    return std::nullopt;
  }

  // Moves the quantizers on the outputs of agnostic node `p` onto its data inputs. Returns the
  // tensors that received a quantizer.
  std::vector<std::string> lift(int p) {
    const auto& node = view_.node(p);
    Point merged;
    std::vector<std::string> old_tensors;
    for (const auto& out : node.output()) {
      auto it = points_.find(out);
      if (it == points_.end()) continue;
      merged.force_symmetric = merged.force_symmetric || it->second.force_symmetric;
      append_unique(merged.serves, it->second.serves);
      append_unique(merged.moved_above, it->second.moved_above);
      if (merged.concat.empty()) merged.concat = it->second.concat;
      old_tensors.push_back(out);
      points_.erase(it);
    }
    merged.moved_above.push_back(node.op_type() + " " + quoted_label(p));
    std::vector<std::string> inputs;
    for (int slot : agnostic_data_slots(node)) {
      if (slot >= node.input_size() || node.input(slot).empty()) continue;
      const std::string& tensor = node.input(slot);
      Point& point = points_[tensor];
      point.consumers.push_back(ValueUse{p, slot});
      point.force_symmetric = point.force_symmetric || merged.force_symmetric;
      append_unique(point.serves, merged.serves);
      append_unique(point.moved_above, merged.moved_above);
      if (point.concat.empty()) point.concat = merged.concat;
      if (std::find(inputs.begin(), inputs.end(), tensor) == inputs.end()) {
        inputs.push_back(tensor);
      }
    }
    const bool spreads = inputs.size() > 1;
    for (const auto& tensor : inputs) {
      for (const auto& old : old_tensors) scales_.unite(old, tensor);
      if (spreads) {
        scales_.unite(inputs.front(), tensor);
        Point& point = points_[tensor];
        if (point.concat.empty()) point.concat = node.op_type() + " " + quoted_label(p);
      }
    }
    return inputs;
  }

  QuantizerSetup assemble() {
    QuantizerSetup setup;
    // Unified scale groups: components with several quantizers.
    std::map<std::string, std::vector<std::string>> components;
    for (const auto& [tensor, point] : points_) components[scales_.find(tensor)].push_back(tensor);
    std::map<std::string, std::string> group_of;
    for (const auto& [root, members] : components) {
      if (members.size() < 2) continue;
      std::string concat;
      for (const auto& m : members) {
        if (concat.empty()) concat = points_[m].concat;
      }
      const std::string name = "scale:" + (concat.empty() ? members.front() : concat);
      for (const auto& m : members) group_of[m] = name;
    }

    for (auto& [tensor, point] : points_) {
      ActivationQuantizer q;
      q.id = activation_quantizer_id(tensor);
      q.tensor = tensor;
      std::sort(point.consumers.begin(), point.consumers.end());
      for (const auto& use : point.consumers) q.consumers.emplace_back(use.node, use.slot);
      q.force_symmetric = point.force_symmetric;
      if (auto it = group_of.find(tensor); it != group_of.end()) q.unified_scale_group = it->second;
      q.reason = describe(tensor, point, q.unified_scale_group);
      setup.activations.push_back(std::move(q));
    }
    auto tensor_position = [&](const std::string& tensor) {
      const int p = view_.producer(tensor);
      return p < 0 ? -1 : position_[p];
    };
    std::stable_sort(setup.activations.begin(), setup.activations.end(),
                     [&](const ActivationQuantizer& a, const ActivationQuantizer& b) {
                       return tensor_position(a.tensor) < tensor_position(b.tensor);
                     });
    std::stable_sort(weights_.begin(), weights_.end(),
                     [&](const WeightQuantizer& a, const WeightQuantizer& b) {
                       return position_[a.node] < position_[b.node];
                     });
    setup.weights = std::move(weights_);

    for (int i : view_.topological_order()) {
      if (!roles_.skip_reason[i].empty()) {
        setup.skipped.push_back(
            SkippedNode{view_.node_label(i), view_.node(i).op_type(), roles_.skip_reason[i]});
      }
    }
    for (int i : quantized_nodes_) ++setup.quantized_ops_per_type[view_.node(i).op_type()];
    return setup;
  }

  std::string describe(const std::string& tensor, const Point& point,
                       const std::string& group) const {
    std::string reason = "quantizes " + join(point.serves);
    if (!point.moved_above.empty()) {
      std::vector<std::string> top_first(point.moved_above.rbegin(), point.moved_above.rend());
      reason += "; placed above " + join(top_first) + " (every reader below is quantized)";
    }
    if (!point.stop_note.empty()) reason += "; " + point.stop_note;
    if (view_.is_graph_output(tensor)) {
      reason += "; '" + tensor + "' is also a graph output, which keeps FP32";
    }
    if (point.force_symmetric) {
      reason += "; symmetric: MatMul with two activation inputs (model_type=transformer)";
      const int p = view_.producer(tensor);
      if (p >= 0 && view_.node(p).op_type() == ops::kSoftmax) {
        reason += "; Softmax output is non-negative, so the symmetric quantizer is uint8 on "
                  "[0, max] (NNCF's unsigned Softmax quantizer)";
      }
    }
    if (!group.empty()) {
      reason += "; shares one scale with the other inputs of " +
                (point.concat.empty() ? std::string("a Concat") : point.concat) +
                " (int8 Concat)";
    }
    return reason;
  }

  const GraphView& view_;
  const ValueFacts& facts_;
  const NodeRoles& roles_;
  const PlacementOptions& options_;
  std::vector<int> position_;  // node index -> position in topological order
  std::map<std::string, Point> points_;
  std::vector<WeightQuantizer> weights_;
  NodeIds weight_ids_;
  std::set<int> quantized_nodes_;
  ScaleUnion scales_;
};

}  // namespace

std::string activation_quantizer_id(const std::string& tensor) { return "act:" + tensor; }

std::string NodeIds::make(const std::string& prefix, const std::string& label, int node) {
  std::string id = prefix + label;
  if (!used_.insert(id).second) {
    id.append("#").append(std::to_string(node));
    used_.insert(id);
  }
  return id;
}

WeightQuantizer make_weight_quantizer(const onnx::NodeProto& node, int index, const std::string& label,
                                      const onnx::TensorProto& weight, NodeIds& ids) {
  const WeightedOpLayout layout = *weighted_op_layout(node.op_type());
  WeightQuantizer w;
  w.node = index;
  w.node_name = label;
  w.id = ids.make("w:", label, index);
  w.initializer = weight.name();
  w.axis = weight_channel_axis(node, std::max(1, weight.dims_size()));
  w.input_slot = layout.weight_input;
  return w;
}

Result<QuantizerSetup> place_quantizers(const onnx::ModelProto& model,
                                        const PlacementOptions& options) {
  QAC_ASSIGN_OR_RETURN(GraphView view, GraphView::build(model.graph()));
  const ValueFacts facts(view);
  QAC_ASSIGN_OR_RETURN(NodeRoles roles, assign_node_roles(view, facts, options));
  QuantizerSetup setup;
  if (options.form == QdqForm::kOnnxRuntimeUnits) {
    QAC_ASSIGN_OR_RETURN(setup, place_node_units(view, facts, roles, options));
    QAC_LOG(kInfo) << "placement (ONNX Runtime node units): " << setup.units.size() << " int8 units";
  } else {
    setup = Placer(view, facts, roles, options).run();
  }
  QAC_LOG(kInfo) << "placement: " << setup.activations.size() << " activation quantizers, "
                 << setup.weights.size() << " weight quantizers, " << setup.skipped.size()
                 << " nodes kept float";
  for (const auto& q : setup.activations) QAC_LOG(kDebug) << q.id << ": " << q.reason;
  for (const auto& s : setup.skipped) {
    QAC_LOG(kDebug) << "float " << s.op_type << " '" << s.node_name << "': " << s.reason;
  }
  return setup;
}

}  // namespace qac
