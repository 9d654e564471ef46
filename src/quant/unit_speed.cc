#include "quant/unit_speed.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "core/log.h"
#include "onnx/op_types.h"
#include "quant/unit_resolution.h"
#include "runtime/latency.h"

namespace qac {
namespace {

class SpeedModel {
 public:
  SpeedModel(const GraphView& view, const QuantizerSetup& setup, const std::map<int, double>& maxpool_penalty_us)
      : view_(view), setup_(setup), maxpool_penalty_us_(maxpool_penalty_us) {
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

  // The uint8 MaxPool penalties on the data-movement path that leads to `tensor`.
  double maxpool_penalty(std::string tensor) const {
    double us = 0;
    for (int p = view_.producer(tensor); p >= 0 && movers_.count(p) && view_.node(p).output(0) == tensor;
         p = view_.producer(tensor)) {
      auto it = maxpool_penalty_us_.find(p);
      if (it != maxpool_penalty_us_.end()) us += it->second;
      tensor = view_.node(p).input(0);
    }
    return us;
  }

  double int8_cost(size_t u, const UnitTiming& t, const std::vector<bool>& enabled) const {
    double cost = t.int8_us;
    for (const auto& [tensor, us] : t.quantize_input_us) {
      if (!int8_fed(tensor, enabled)) cost += us + maxpool_penalty(tensor);
    }
    if (!int8_read(setup_.units[u].output, enabled)) cost += t.dequantize_output_us;
    return cost;
  }

 private:
  const GraphView& view_;
  const QuantizerSetup& setup_;
  const std::map<int, double>& maxpool_penalty_us_;
  std::map<std::pair<int, int>, size_t> unit_of_input_;
  std::map<std::string, size_t> unit_of_output_;
  std::set<int> movers_;
};

}  // namespace

std::vector<UnitSpeedDecision> select_units_by_speed(const GraphView& view, const QuantizerSetup& setup,
                                                     const std::map<std::string, UnitTiming>& timings,
                                                     const std::map<int, double>& maxpool_penalty_us) {
  const SpeedModel model(view, setup, maxpool_penalty_us);
  const size_t n = setup.units.size();
  std::vector<bool> enabled(n, true);
  std::vector<const UnitTiming*> timing(n, nullptr);
  for (size_t u = 0; u < n; ++u) {
    auto it = timings.find(setup.units[u].id);
    if (it != timings.end()) timing[u] = &it->second;
  }
  // Total cost of a selection; a float unit counts kKeepInt8Below of its float time, so that
  // int8 has to save more than that margin to be kept.
  auto total = [&](const std::vector<bool>& on) {
    double sum = 0;
    for (size_t u = 0; u < n; ++u) {
      if (timing[u] == nullptr) continue;
      sum += on[u] ? model.int8_cost(u, *timing[u], on) : kKeepInt8Below * timing[u]->float_us;
    }
    return sum;
  };
  // Local search: flip the unit whose flip lowers the total most, until no flip lowers it.
  double current = total(enabled);
  for (;;) {
    size_t best = n;
    double best_total = current;
    for (size_t u = 0; u < n; ++u) {
      if (timing[u] == nullptr) continue;
      enabled[u] = !enabled[u];
      const double t = total(enabled);
      enabled[u] = !enabled[u];
      if (t < best_total - 1e-9) {
        best_total = t;
        best = u;
      }
    }
    if (best == n) break;
    enabled[best] = !enabled[best];
    current = best_total;
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

constexpr int kWholeModelRounds = 15;
constexpr double kEqualSpeed = 1.03;  // medians this close count as the same speed

std::string microseconds(double us) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f us", us);
  return buf;
}

// Median latency of each candidate model (1 thread, runs interleaved), from the timing cache
// when it holds them.
Result<std::vector<double>> whole_model_medians(const std::vector<std::string>& candidates,
                                                const std::vector<std::string>& labels, const NamedTensors& sample,
                                                const UnitTimingOptions& options) {
  const std::string cache_key = options.cache ? options.cache->key(candidates) : "";
  if (auto cached = options.cache ? options.cache->get(cache_key) : std::nullopt;
      cached && cached->size() == candidates.size()) {
    return *cached;
  }
  LatencyOptions lo;
  lo.labels = labels;
  lo.threads = 1;
  lo.timed_runs = kWholeModelRounds;
  lo.coverage = false;
  QAC_ASSIGN_OR_RETURN(LatencyComparison c, compare_latency(candidates, sample, lo));
  std::vector<double> medians;
  for (const ModelLatency& m : c.models) medians.push_back(m.median_ms);
  if (options.cache) options.cache->put(cache_key, medians);
  return medians;
}

// Of every-unit / selected / no-unit medians: the fastest, or among the models within
// kEqualSpeed of it, the one with the fewest units in int8 (at equal speed float is exact).
size_t fastest_with_fewest_units(const std::vector<double>& medians) {
  const double fastest = *std::min_element(medians.begin(), medians.end());
  for (size_t k : {size_t{2}, size_t{1}, size_t{0}}) {  // fewest units first
    if (medians[k] <= kEqualSpeed * fastest) return k;
  }
  return 0;
}

}  // namespace

Status keep_units_that_pay(const onnx::ModelProto& fp32, QuantizerSetup& setup,
                           const std::map<std::string, TensorStats>& stats, const NamedTensors& sample,
                           const UnitTimingOptions& options, std::vector<std::string>* log,
                           std::map<std::string, double>* float_cost_us) {
  if (setup.units.empty()) return Status::Ok();
  const auto t0 = std::chrono::steady_clock::now();
  QAC_ASSIGN_OR_RETURN(GraphView view, GraphView::build(fp32.graph()));
  std::map<std::string, UnitTiming> timings;
  for (const QuantUnit& unit : setup.units) {
    QAC_ASSIGN_OR_RETURN(std::optional<UnitTiming> t, time_unit(fp32, setup, unit, stats, options));
    if (t) timings[unit.id] = std::move(*t);
  }
  std::map<int, double> maxpool_penalty_us;
  for (int mover : setup.data_movers) {
    if (view.node(mover).op_type() != ops::kMaxPool) continue;
    QAC_ASSIGN_OR_RETURN(std::optional<double> penalty, time_uint8_maxpool_penalty(fp32, mover, stats, options));
    if (penalty) maxpool_penalty_us[mover] = *penalty;
  }
  std::set<std::string> float_units;
  std::map<std::string, std::string> reasons;
  for (const UnitSpeedDecision& d : select_units_by_speed(view, setup, timings, maxpool_penalty_us)) {
    const UnitTiming& t = timings.at(d.unit_id);
    std::string kernels;
    for (const std::string& k : t.int8_kernels) kernels += (kernels.empty() ? "" : "+") + k;
    if (kernels.empty()) kernels = "int8 kernel";
    const std::string measured = "int8 form " + microseconds(d.int8_cost_us) + " (" + kernels + " " +
                                 microseconds(t.int8_us) + " plus the Q/DQ its neighbours need) against " +
                                 microseconds(d.float_cost_us) + " in float";
    QAC_LOG(kDebug) << d.unit_id << ": " << measured << (d.keep_int8 ? ": int8" : ": float");
    if (float_cost_us) (*float_cost_us)[d.unit_id] = d.float_cost_us - d.int8_cost_us;
    if (d.keep_int8) continue;
    float_units.insert(d.unit_id);
    reasons[d.unit_id] = "timed on this CPU, its int8 kernel does not pay: " + measured;
  }

  // Whole-model check: every unit, the selected units, no unit.
  QuantizerSetup selected = setup;
  QAC_RETURN_IF_ERROR(drop_units(view, selected, float_units, reasons));
  QAC_ASSIGN_OR_RETURN(onnx::ModelProto all_model, emit_for_timing(fp32, setup, stats, options.activation_types));
  QAC_ASSIGN_OR_RETURN(onnx::ModelProto selected_model,
                       emit_for_timing(fp32, selected, stats, options.activation_types));
  const std::vector<std::string> labels = {"every unit in int8", "the units that pay in int8", "no unit in int8"};
  const std::vector<std::string> candidates = {all_model.SerializeAsString(), selected_model.SerializeAsString(),
                                               fp32.SerializeAsString()};
  QAC_ASSIGN_OR_RETURN(const std::vector<double> medians, whole_model_medians(candidates, labels, sample, options));
  const size_t winner = fastest_with_fewest_units(medians);
  char check[256];
  std::snprintf(check, sizeof check, "kernel timing, whole model (1 thread, batch 1): every unit in int8 %.3f ms, "
                "the %zu that pay %.3f ms, none %.3f ms: %s",
                medians[0], setup.units.size() - float_units.size(), medians[1], medians[2],
                labels[winner].c_str());
  QAC_LOG(kInfo) << check;
  if (log) log->push_back(check);
  if (winner == 0) {
    float_units.clear();
  } else if (winner == 2) {
    for (const QuantUnit& unit : setup.units) {
      if (float_units.insert(unit.id).second) {
        reasons[unit.id] = "the model with no unit in int8 was the fastest of the whole-model check";
      }
    }
  }
  QAC_RETURN_IF_ERROR(drop_units(view, setup, float_units, reasons));
  if (log) {
    for (const std::string& unit : float_units) log->push_back(unit + " stays float: " + reasons[unit]);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  char summary[160];
  std::snprintf(summary, sizeof summary, "kernel timing: %zu units timed in %.1f s, %zu stay float because their int8 "
                "form is not faster on this CPU", timings.size(), seconds, float_units.size());
  QAC_LOG(kInfo) << summary;
  if (log) log->push_back(summary);
  return Status::Ok();
}

}  // namespace qac
