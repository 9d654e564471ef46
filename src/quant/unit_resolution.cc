#include "quant/unit_resolution.h"

#include <algorithm>
#include <map>

#include "graph/graph_view.h"

namespace qac {
namespace {

constexpr int kDataSlot = 0;  // data input of every data-movement op

enum class Carrier {
  kFloat,     // no quantizer
  kOwn,       // quantizer with the tensor's own parameters
  kInherited  // quantizer with the parameters of the data-movement op's input
};

struct TensorState {
  Carrier carrier = Carrier::kFloat;
  bool int8_producer = false;  // every reader reads the DequantizeLinear
  std::string params_from;     // kInherited: the quantizer id whose parameters it reuses
  std::string reason;
};

class Resolver {
 public:
  Resolver(const GraphView& view, const QuantizerSetup& setup, const std::set<std::string>& disabled)
      : view_(view), setup_(setup) {
    for (size_t u = 0; u < setup.units.size(); ++u) {
      const QuantUnit& unit = setup.units[u];
      if (disabled.count(unit.id)) continue;
      for (const auto& [node, slot] : unit.inputs) unit_slots_[{node, slot}] = static_cast<int>(u);
      unit_of_output_[unit.output] = static_cast<int>(u);
    }
    movers_.insert(setup.data_movers.begin(), setup.data_movers.end());
  }

  std::vector<ActivationQuantizer> run() {
    compute_wanted();
    for (const auto& input : view_.graph().input()) decide_graph_input(input.name());
    for (int n : view_.topological_order()) {
      for (const auto& out : view_.node(n).output()) {
        if (!out.empty()) decide(n, out);
      }
    }
    return assemble();
  }

 private:
  bool is_mover(int node) const { return movers_.count(node) > 0; }
  bool read_by_enabled_unit(const std::string& tensor) const {
    for (const auto& use : view_.consumers(tensor)) {
      if (unit_slots_.count({use.node, use.slot})) return true;
    }
    return false;
  }
  std::string label(int node) const {
    return view_.node(node).op_type() + " '" + view_.node_label(node) + "'";
  }

  // wanted(T), in reverse topological order so that a mover's output is decided first.
  void compute_wanted() {
    const auto& order = view_.topological_order();
    auto wanted_value = [&](const std::string& tensor) {
      for (const auto& use : view_.consumers(tensor)) {
        if (unit_slots_.count({use.node, use.slot})) return true;
        if (use.slot == kDataSlot && is_mover(use.node)) {
          const std::string& out = view_.node(use.node).output(0);
          if (wanted_.count(out) && wanted_.at(out)) return true;
        }
      }
      return false;
    };
    for (auto it = order.rbegin(); it != order.rend(); ++it) {
      for (const auto& out : view_.node(*it).output()) {
        if (!out.empty()) wanted_[out] = wanted_value(out);
      }
    }
    for (const auto& input : view_.graph().input()) wanted_[input.name()] = wanted_value(input.name());
  }

  bool wanted(const std::string& tensor) const {
    auto it = wanted_.find(tensor);
    return it != wanted_.end() && it->second;
  }

  // Graph inputs: own quantizer when an enabled unit reads them.
  void decide_graph_input(const std::string& tensor) {
    if (state_.count(tensor) || !read_by_enabled_unit(tensor)) return;
    TensorState& s = state_[tensor];
    s.carrier = Carrier::kOwn;
    s.reason = "graph input read by int8 " + readers_text(tensor);
  }

  void decide(int producer, const std::string& tensor) {
    TensorState s;
    auto unit_it = unit_of_output_.find(tensor);
    const bool graph_output = view_.is_graph_output(tensor) || !view_.captures(tensor).empty();
    if (unit_it != unit_of_output_.end() && !graph_output) {
      const QuantUnit& unit = setup_.units[static_cast<size_t>(unit_it->second)];
      if (unit.output_required || wanted(tensor)) {
        s.carrier = Carrier::kOwn;
        s.int8_producer = true;
        s.reason = "output of " + label(unit.node) + ", which runs as an int8 kernel";
        if (unit.folded >= 0) s.reason += " with " + label(unit.folded) + " folded in";
        state_[tensor] = std::move(s);
        return;
      }
    }
    if (!graph_output && is_mover(producer) && tensor == view_.node(producer).output(0) && wanted(tensor)) {
      const std::string& in = view_.node(producer).input(kDataSlot);
      auto in_it = state_.find(in);
      if (in_it != state_.end() && in_it->second.carrier != Carrier::kFloat) {
        s.carrier = Carrier::kInherited;
        s.int8_producer = true;
        s.params_from = in_it->second.carrier == Carrier::kInherited ? in_it->second.params_from : activation_quantizer_id(in);
        s.reason = "int8 data passed through " + label(producer) + " with the scale and zero point of '" + in + "'";
        state_[tensor] = std::move(s);
        return;
      }
    }
    if (read_by_enabled_unit(tensor)) {
      s.carrier = Carrier::kOwn;
      s.reason = "read by int8 " + readers_text(tensor);
      state_[tensor] = std::move(s);
    }
  }

  std::string readers_text(const std::string& tensor) const {
    std::string out;
    for (const auto& use : view_.consumers(tensor)) {
      if (!unit_slots_.count({use.node, use.slot})) continue;
      out += (out.empty() ? "" : ", ") + label(use.node);
    }
    return out;
  }

  // Readers of the DequantizeLinear of a quantized tensor.
  std::vector<std::pair<int, int>> dq_readers(const std::string& tensor, const TensorState& s) const {
    std::vector<std::pair<int, int>> readers;
    for (const auto& use : view_.consumers(tensor)) {
      bool reads_dq = s.int8_producer || unit_slots_.count({use.node, use.slot});
      if (!reads_dq && use.slot == kDataSlot && is_mover(use.node)) {
        auto out = state_.find(view_.node(use.node).output(0));
        reads_dq = out != state_.end() && out->second.carrier == Carrier::kInherited;
      }
      if (reads_dq) readers.emplace_back(use.node, use.slot);
    }
    std::sort(readers.begin(), readers.end());
    return readers;
  }

  std::vector<ActivationQuantizer> assemble() const {
    std::vector<int> position(static_cast<size_t>(view_.num_nodes()), 0);
    const auto& order = view_.topological_order();
    for (size_t i = 0; i < order.size(); ++i) position[static_cast<size_t>(order[i])] = static_cast<int>(i);
    std::vector<ActivationQuantizer> out;
    for (const auto& [tensor, s] : state_) {
      if (s.carrier == Carrier::kFloat) continue;
      ActivationQuantizer q;
      q.id = activation_quantizer_id(tensor);
      q.tensor = tensor;
      q.consumers = dq_readers(tensor, s);
      q.params_from = s.params_from;
      q.reason = s.reason;
      if (q.consumers.empty()) continue;
      out.push_back(std::move(q));
    }
    auto tensor_position = [&](const ActivationQuantizer& q) {
      const int p = view_.producer(q.tensor);
      return p < 0 ? -1 : position[static_cast<size_t>(p)];
    };
    std::stable_sort(out.begin(), out.end(), [&](const ActivationQuantizer& a, const ActivationQuantizer& b) {
      return tensor_position(a) < tensor_position(b);
    });
    return out;
  }

  const GraphView& view_;
  const QuantizerSetup& setup_;
  std::map<std::pair<int, int>, int> unit_slots_;  // enabled unit inputs -> unit index
  std::map<std::string, int> unit_of_output_;      // enabled unit outputs -> unit index
  std::set<int> movers_;
  std::map<std::string, bool> wanted_;
  std::map<std::string, TensorState> state_;
};

}  // namespace

Result<std::vector<ActivationQuantizer>> resolve_unit_quantizers(const onnx::GraphProto& graph,
                                                                 const QuantizerSetup& setup,
                                                                 const std::set<std::string>& disabled_units) {
  QAC_ASSIGN_OR_RETURN(GraphView view, GraphView::build(graph));
  return Resolver(view, setup, disabled_units).run();
}

}  // namespace qac
