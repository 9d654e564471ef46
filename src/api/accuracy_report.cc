// AccuracyControlReport: JSON and a readable summary.
#include <cmath>
#include <cstdio>
#include <sstream>

#include <nlohmann/json.hpp>

#include "api/options_json.h"
#include "qac/accuracy_control.h"
#include "qac/version.h"

namespace qac {
namespace {

nlohmann::json optional_number(const std::optional<double>& v) {
  return v && std::isfinite(*v) ? nlohmann::json(*v) : nlohmann::json();
}

// JSON has no infinities: +inf (identical outputs) is written "inf", -inf "-inf".
nlohmann::json sqnr_json(double db) {
  if (std::isfinite(db)) return db;
  return db > 0 ? "inf" : "-inf";
}

}  // namespace

std::string AccuracyControlReport::to_json() const {
  nlohmann::json j;
  j["qac_version"] = version();
  j["options"] = options_to_json(options);
  j["strategy"] = strategy;
  j["metric"] = metric_name;
  j["drop_type"] = drop_type;
  j["max_drop"] = max_drop;
  j["fp32_metric"] = fp32_metric;
  j["int8_metric"] = int8_metric;
  j["final_metric"] = final_metric;
  j["int8_drop"] = int8_drop;
  j["final_drop"] = final_drop;
  if (has_interval) j["final_drop_ci95"] = {drop_low, drop_high};
  if (!per_output.empty()) {
    nlohmann::json outputs = nlohmann::json::array();
    for (const auto& o : per_output) {
      outputs.push_back({{"output", o.output}, {"fp32", o.fp32}, {"int8", o.int8}, {"final", o.final_value}});
    }
    j["per_output"] = outputs;
  }
  j["budget_met"] = budget_met;
  j["total_groups"] = total_groups;
  j["groups_in_float"] = reverted.size();
  nlohmann::json groups = nlohmann::json::array();
  for (const auto& g : reverted) {
    groups.push_back({{"id", g.id}, {"nodes", g.nodes}, {"op_types", g.op_types}, {"score", g.score},
                      {"float_cost_us", g.float_cost_us ? nlohmann::json(*g.float_cost_us) : nlohmann::json()},
                      {"needed_step", g.needed_step ? nlohmann::json(*g.needed_step) : nlohmann::json()},
                      {"drop_without", g.drop_without ? nlohmann::json(*g.drop_without) : nlohmann::json()}});
  }
  j["reverted_groups"] = groups;
  if (!tuned_settings.empty()) j["tuned_settings"] = tuned_settings;
  j["evaluations"] = evaluations;
  j["full_pass_equivalents"] = full_pass_equivalents;
  j["cached_answers"] = cached_answers;
  nlohmann::json phases = nlohmann::json::object();
  for (const auto& [phase, secs] : seconds_per_phase) phases[phase] = secs;
  j["seconds_per_phase"] = phases;
  j["steps"] = steps;
  nlohmann::json records = nlohmann::json::array();
  for (const auto& r : search_steps) {
    records.push_back({{"kind", r.kind}, {"phase", r.phase}, {"groups_in_float", r.groups_in_float},
                       {"metric", r.metric}, {"drop", optional_number(r.drop)}, {"samples", r.sample_count},
                       {"full_set", r.full_set}, {"approximate", r.approximate}, {"reused", r.reused},
                       {"returned", r.returned}});
  }
  j["search_steps"] = records;
  nlohmann::json all_groups = nlohmann::json::array();
  for (const auto& g : this->groups) {
    all_groups.push_back({{"id", g.id}, {"nodes", g.nodes}, {"op_types", g.op_types},
                          {"probe", optional_number(g.probe)}, {"ranking_score", optional_number(g.ranking_score)},
                          {"reverted", g.reverted}});
  }
  j["groups"] = all_groups;
  nlohmann::json layers = nlohmann::json::array();
  for (const auto& e : layer_errors) {
    layers.push_back({{"node", e.node}, {"op_type", e.op_type}, {"tensor", e.tensor}, {"group", e.group},
                      {"sqnr_db", sqnr_json(e.sqnr_db)}});
  }
  j["layer_sqnr"] = {{"samples", layer_error_samples}, {"layers", layers}};
  if (latency.measured) {
    j["latency"] = {{"fp32_ms", latency.fp32_ms}, {"int8_ms", latency.int8_ms}, {"final_ms", latency.final_ms},
                    {"final_over_fp32", latency.final_ms / latency.fp32_ms}, {"threads", 1}, {"batch", 1}};
  }
  j["quantization"] = nlohmann::json::parse(quantization.to_json());
  return j.dump(2);
}

std::string AccuracyControlReport::summary() const {
  std::ostringstream s;
  char buf[256];
  std::snprintf(buf, sizeof buf, "%s: FP32 %.4f, INT8 %.4f (drop %.4f), final %.4f (drop %.4f", metric_name.c_str(),
                fp32_metric, int8_metric, int8_drop, final_metric, final_drop);
  s << buf;
  if (has_interval) {
    std::snprintf(buf, sizeof buf, ", 95%% CI [%.4f, %.4f]", drop_low, drop_high);
    s << buf;
  }
  std::snprintf(buf, sizeof buf, ") %s budget %s %.4f\n", drop_type.c_str(), budget_met ? "within" : "NOT within",
                max_drop);
  s << buf;
  for (const auto& o : per_output) {
    std::snprintf(buf, sizeof buf, "  output '%s': FP32 %.4f, INT8 %.4f, final %.4f\n", o.output.c_str(), o.fp32, o.int8,
                  o.final_value);
    s << buf;
  }
  s << reverted.size() << " of " << total_groups << " quantizer groups returned to float (strategy " << strategy
    << ", " << evaluations << " evaluations, " << full_pass_equivalents << " full-pass equivalents)\n";
  if (cached_answers > 0) s << "  " << cached_answers << " answers read from the cache " << options.cache_dir << "\n";
  for (const auto& g : reverted) {
    s << "  group " << g.id << ":";
    for (size_t i = 0; i < g.nodes.size(); ++i) s << " " << g.nodes[i] << " (" << g.op_types[i] << ")";
    if (g.float_cost_us) {
      std::snprintf(buf, sizeof buf, ", in float %+.1f us", *g.float_cost_us);
      s << buf;
    }
    if (g.needed_step && g.drop_without) {
      std::snprintf(buf, sizeof buf, "; needed: without it drop %.4f (step %zu)", *g.drop_without, *g.needed_step);
      s << buf;
    }
    s << "\n";
  }
  if (latency.measured) {
    std::snprintf(buf, sizeof buf, "latency (1 thread, batch 1): FP32 %.3f ms, plain INT8 %.3f ms (%.3fx), returned %.3f ms (%.3fx)\n",
                  latency.fp32_ms, latency.int8_ms, latency.int8_ms / latency.fp32_ms, latency.final_ms,
                  latency.final_ms / latency.fp32_ms);
    s << buf;
  }
  if (!tuned_settings.empty()) s << "tuned: " << tuned_settings << "\n";
  s << "time:";
  for (const auto& [phase, secs] : seconds_per_phase) {
    std::snprintf(buf, sizeof buf, " %s %.1fs", phase.c_str(), secs);
    s << buf;
  }
  s << "\n";
  return s.str();
}

}  // namespace qac
