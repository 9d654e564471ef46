#include "quant/unit_speed.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "core/log.h"

#include "quant/unit_resolution.h"

namespace qac {
namespace {

class SpeedModel {
 public:
  SpeedModel(const GraphView& view, const QuantizerSetup& setup) : view_(view), setup_(setup) {
    for (size_t u = 0; u < setup.units.size(); ++u) {
      for (const auto& in : setup.units[u].inputs) unit_of_input_[in] = u;
      unit_of_output_[setup.units[u].output] = u;
    }
    movers_.insert(setup.data_movers.begin(), setup.data_movers.end());
  }

  // An enabled unit writes `tensor` in int8, directly or through data-movement ops.
  bool int8_fed(const std::string& tensor, const std::vector<bool>& enabled) const {
    auto it = unit_of_output_.find(tensor);
    if (it != unit_of_output_.end()) return enabled[it->second];
    const int p = view_.producer(tensor);
    if (p < 0 || !movers_.count(p) || view_.node(p).output(0) != tensor) return false;
    return int8_fed(view_.node(p).input(0), enabled);
  }

  // Only enabled unit inputs read `tensor` (directly or through data-movement ops): no
  // DequantizeLinear of it runs.
  bool int8_read(const std::string& tensor, const std::vector<bool>& enabled) const {
    if (view_.is_graph_output(tensor)) return false;
    for (const ValueUse& use : view_.consumers(tensor)) {
      auto it = unit_of_input_.find({use.node, use.slot});
      if (it != unit_of_input_.end() && enabled[it->second]) continue;
      if (movers_.count(use.node) && use.slot == 0) {
        if (!int8_read(view_.node(use.node).output(0), enabled)) return false;
        continue;
      }
      return false;
    }
    return true;
  }

  double int8_cost(size_t u, const UnitTiming& t, const std::vector<bool>& enabled) const {
    double cost = t.int8_us;
    for (const auto& [tensor, us] : t.quantize_input_us) {
      if (!int8_fed(tensor, enabled)) cost += us;
    }
    if (!int8_read(setup_.units[u].output, enabled)) cost += t.dequantize_output_us;
    return cost;
  }

 private:
  const GraphView& view_;
  const QuantizerSetup& setup_;
  std::map<std::pair<int, int>, size_t> unit_of_input_;
  std::map<std::string, size_t> unit_of_output_;
  std::set<int> movers_;
};

}  // namespace

std::vector<UnitSpeedDecision> select_units_by_speed(const GraphView& view, const QuantizerSetup& setup,
                                                     const std::map<std::string, UnitTiming>& timings) {
  const SpeedModel model(view, setup);
  const size_t n = setup.units.size();
  std::vector<bool> enabled(n, true);
  std::vector<const UnitTiming*> timing(n, nullptr);
  for (size_t u = 0; u < n; ++u) {
    auto it = timings.find(setup.units[u].id);
    if (it != timings.end()) timing[u] = &it->second;
  }
  for (;;) {
    size_t worst = n;
    double worst_excess = 0;
    for (size_t u = 0; u < n; ++u) {
      if (!enabled[u] || timing[u] == nullptr) continue;
      const double excess = model.int8_cost(u, *timing[u], enabled) - kKeepInt8Below * timing[u]->float_us;
      if (excess > worst_excess) {
        worst_excess = excess;
        worst = u;
      }
    }
    if (worst == n) break;
    enabled[worst] = false;
  }
  std::vector<UnitSpeedDecision> decisions;
  for (size_t u = 0; u < n; ++u) {
    if (timing[u] == nullptr) continue;
    std::vector<bool> with_u = enabled;
    with_u[u] = true;
    decisions.push_back({setup.units[u].id, model.int8_cost(u, *timing[u], with_u), timing[u]->float_us,
                         static_cast<bool>(enabled[u])});
  }
  return decisions;
}

Status drop_units(const GraphView& view, QuantizerSetup& setup, const std::set<std::string>& float_units,
                  const std::map<std::string, std::string>& reasons) {
  if (float_units.empty()) return Status::Ok();
  std::set<std::string> dropped_weights;
  std::vector<QuantUnit> kept;
  for (QuantUnit& unit : setup.units) {
    if (!float_units.count(unit.id)) {
      kept.push_back(std::move(unit));
      continue;
    }
    if (!unit.weight_id.empty()) dropped_weights.insert(unit.weight_id);
    auto count = setup.quantized_ops_per_type.find(unit.op_type);
    if (count != setup.quantized_ops_per_type.end() && --count->second <= 0) setup.quantized_ops_per_type.erase(count);
    auto why = reasons.find(unit.id);
    setup.skipped.push_back({unit.node_name, unit.op_type, why == reasons.end() ? "" : why->second});
  }
  setup.units = std::move(kept);
  std::erase_if(setup.weights, [&](const WeightQuantizer& w) { return dropped_weights.count(w.id) > 0; });

  std::map<std::string, int> position_of_label;
  const auto& order = view.topological_order();
  for (size_t k = 0; k < order.size(); ++k) position_of_label[view.node_label(order[k])] = static_cast<int>(k);
  std::stable_sort(setup.skipped.begin(), setup.skipped.end(), [&](const SkippedNode& a, const SkippedNode& b) {
    return position_of_label[a.node_name] < position_of_label[b.node_name];
  });

  std::set<std::string> used;
  for (const QuantUnit& unit : setup.units) {
    for (const auto& [node, slot] : unit.inputs) used.insert(view.node(node).input(slot));
    used.insert(unit.output);
  }
  std::erase_if(setup.unit_tensors, [&](const std::string& t) { return used.count(t) == 0; });
  QAC_ASSIGN_OR_RETURN(setup.activations, resolve_unit_quantizers(view.graph(), setup, {}));
  return Status::Ok();
}

namespace {

std::string microseconds(double us) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f us", us);
  return buf;
}

}  // namespace

Status keep_units_that_pay(const onnx::ModelProto& fp32, QuantizerSetup& setup,
                           const std::map<std::string, TensorStats>& stats, const UnitTimingOptions& options,
                           std::vector<std::string>* log) {
  if (setup.units.empty()) return Status::Ok();
  const auto t0 = std::chrono::steady_clock::now();
  QAC_ASSIGN_OR_RETURN(GraphView view, GraphView::build(fp32.graph()));
  std::map<std::string, UnitTiming> timings;
  for (const QuantUnit& unit : setup.units) {
    QAC_ASSIGN_OR_RETURN(std::optional<UnitTiming> t, time_unit(fp32, setup, unit, stats, options));
    if (t) timings[unit.id] = std::move(*t);
  }
  std::set<std::string> float_units;
  std::map<std::string, std::string> reasons;
  for (const UnitSpeedDecision& d : select_units_by_speed(view, setup, timings)) {
    const UnitTiming& t = timings.at(d.unit_id);
    std::string kernels;
    for (const std::string& k : t.int8_kernels) kernels += (kernels.empty() ? "" : "+") + k;
    const std::string measured = "int8 form " + microseconds(d.int8_cost_us) + " (" + kernels + " " +
                                 microseconds(t.int8_us) + " plus the Q/DQ its neighbours need) against " +
                                 microseconds(d.float_cost_us) + " in float";
    QAC_LOG(kDebug) << d.unit_id << ": " << measured << (d.keep_int8 ? ": int8" : ": float");
    if (d.keep_int8) continue;
    float_units.insert(d.unit_id);
    reasons[d.unit_id] = "timed on this CPU, its int8 kernel does not pay: " + measured;
    if (log) log->push_back(d.unit_id + " stays float: " + measured);
  }
  QAC_RETURN_IF_ERROR(drop_units(view, setup, float_units, reasons));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  char summary[160];
  std::snprintf(summary, sizeof summary, "kernel timing: %zu units timed in %.1f s, %zu stay float because their int8 "
                "form is not faster on this CPU", timings.size(), seconds, float_units.size());
  QAC_LOG(kInfo) << summary;
  if (log) log->push_back(summary);
  return Status::Ok();
}

}  // namespace qac
