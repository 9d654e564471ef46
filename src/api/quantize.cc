#include "qac/quantize.h"

#include <chrono>
#include <cmath>

#include <nlohmann/json.hpp>

#include "api/calibration_check.h"
#include "api/options_json.h"
#include "api/model_impl.h"
#include "core/log.h"
#include "onnx/model_io.h"
#include "quant/pipeline.h"
#include "runtime/batching.h"
#include "runtime/latency.h"
#include "runtime/session.h"
#include "qac/version.h"

namespace qac {

std::string QuantizationReport::to_json() const {
  nlohmann::json j;
  j["qac_version"] = version();
  j["options"] = options_to_json(options);
  j["target"] = target;
  j["overflow_fix"] = overflow_fix;
  j["machine_dependence"] = machine_dependence;
  j["calibration_samples"] = calibration_samples;
  j["activation_quantizers"] = activation_quantizers;
  j["weight_quantizers"] = weight_quantizers;
  j["quantized_ops_per_type"] = quantized_ops_per_type;
  j["normalization"] = normalization;
  j["decisions"] = decisions;
  nlohmann::json skipped_nodes = nlohmann::json::array();
  for (const auto& s : skipped) skipped_nodes.push_back({{"node", s.node}, {"op_type", s.op_type}, {"reason", s.reason}});
  j["skipped"] = skipped_nodes;
  nlohmann::json ranges = nlohmann::json::array();
  for (const auto& r : activation_ranges) {
    ranges.push_back({{"tensor", r.tensor}, {"range", {r.range_min, r.range_max}},
                      {"observed", {r.observed_min, r.observed_max}}, {"scale", r.scale},
                      {"zero_point", r.zero_point}, {"type", r.type}});
  }
  j["activation_ranges"] = ranges;
  j["seconds"] = {{"statistics", seconds_statistics}, {"total", seconds_total}};
  if (speed.measured) {
    j["latency"] = {{"fp32_ms", speed.fp32_ms}, {"int8_ms", speed.int8_ms}, {"int8_over_fp32", speed.ratio},
                    {"int8_mac_share", std::isnan(speed.int8_mac_share) ? nlohmann::json() : nlohmann::json(speed.int8_mac_share)},
                    {"threads", 1}, {"batch", 1}};
  }
  return j.dump(2);
}

namespace {

constexpr int kLatencyRounds = 15;

// Fills report.speed: both models on the first calibration sample, interleaved rounds, 1 thread.
Status measure_speed(const onnx::ModelProto& fp32, const std::string& int8_bytes, const Dataset& calibration,
                     QuantizationReport& report) {
  QAC_ASSIGN_OR_RETURN(NamedTensors feeds, calibration.read(0, 1));
  LatencyOptions lo;
  lo.labels = {"FP32 model", "quantized model"};
  lo.threads = 1;
  lo.timed_runs = kLatencyRounds;
  QAC_ASSIGN_OR_RETURN(LatencyComparison c, compare_latency({serialize(fp32), int8_bytes}, feeds, lo));
  if (c.models.size() != 2) return Status::Internal("latency comparison returned no result");
  report.speed.measured = true;
  report.speed.fp32_ms = c.models[0].median_ms;
  report.speed.int8_ms = c.models[1].median_ms;
  report.speed.ratio = c.models[1].ratio_to_first;
  report.speed.int8_mac_share = c.models[1].coverage ? c.models[1].coverage->share() : std::nan("");
  if (report.speed.ratio >= 1.0) {
    QAC_LOG(kWarning) << "the quantized model is NOT faster than FP32 here: " << report.speed.int8_ms << " ms vs "
                      << report.speed.fp32_ms << " ms (1 thread, batch 1); qac bench --profile shows where the time goes";
  }
  return Status::Ok();
}

}  // namespace

Result<Model> quantize(const Model& model, const Dataset& calibration, const QuantizationOptions& requested,
                       QuantizationReport* report) {
  const auto t0 = std::chrono::steady_clock::now();
  QuantizationReport local;
  QuantizationReport& rep = report ? *report : local;
  rep.options = requested;
  if (calibration.size() == 0) {
    return Status::InvalidData("calibration dataset " + calibration.description() + " holds no samples");
  }
  QAC_RETURN_IF_ERROR(check_calibration_data(model_proto(model), model.label(), calibration, requested.subset_size));
  warn_if_subset_exceeds_data(calibration, requested.subset_size);
  QuantizationOptions options = requested;
  std::string coupling;
  QAC_ASSIGN_OR_RETURN(options.batch_size, batch_size_for(model.serialize(), model.label(), calibration,
                                                          requested.batch_size, &coupling));
  if (!coupling.empty()) {
    QAC_LOG(kWarning) << coupling;
  }
  QAC_ASSIGN_OR_RETURN(CalibratedModel cm, prepare(model_proto(model), options, &rep));
  if (!coupling.empty()) rep.decisions.insert(rep.decisions.begin(), coupling);
  QAC_RETURN_IF_ERROR(calibrate(cm, calibration, options, &rep));
  QAC_RETURN_IF_ERROR(parameterize(cm, options, &calibration, &rep));
  merge_subgraph_reports(cm, rep);
  std::vector<std::string> emit_log;
  QAC_ASSIGN_OR_RETURN(onnx::ModelProto q, emit(cm, {}, options, &emit_log));
  for (const auto& line : emit_log) {
    if (is_graph_rewrite(line)) {
      QAC_LOG(kInfo) << line;
      rep.decisions.push_back(line);
    } else {
      QAC_LOG(kDebug) << line;
    }
  }
  // The result must load in ONNX Runtime with every optimization (int8 kernels) enabled.
  SessionOptions so;
  so.optimization = OptimizationLevel::kAll;
  so.intra_op_threads = 1;
  const std::string q_bytes = serialize(q);
  auto session = Session::create(q_bytes, so, "quantized " + model.label());
  if (!session.ok()) return session.status().with_context("the quantized model does not load");
  if (options.measure_latency) QAC_RETURN_IF_ERROR(measure_speed(model_proto(model), q_bytes, calibration, rep));
  rep.seconds_total = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return make_model(std::move(q), model.label());
}

}  // namespace qac
