#include "runtime/latency.h"

#include <chrono>
#include <memory>

#include "core/percentile.h"
#include "runtime/session.h"

namespace qac {
namespace {

using Clock = std::chrono::steady_clock;

struct TimedModel {
  std::string label;
  std::unique_ptr<Session> session;
  RunOutputs outputs;  // kept from run to run, so outputs are written in place
};

Status check_options(size_t num_models, const LatencyOptions& o) {
  if (num_models == 0) return Status::InvalidArgument("no model to time");
  if (!o.labels.empty() && o.labels.size() != num_models) {
    return Status::InvalidArgument(std::to_string(o.labels.size()) + " labels given for " +
                                   std::to_string(num_models) + " models");
  }
  if (o.timed_runs < 1) return Status::InvalidArgument("timed runs must be at least 1");
  if (o.warmup_runs < 0 || o.profiled_runs < 0 || o.threads < 0) {
    return Status::InvalidArgument("warm-up runs, profiled runs and threads must not be negative");
  }
  return Status::Ok();
}

SessionOptions session_options(const LatencyOptions& o) {
  SessionOptions so;
  so.optimization = OptimizationLevel::kAll;
  so.intra_op_threads = o.threads;
  return so;
}

// Runs every model once per round, in the given order on even rounds and reversed on odd ones;
// with `run_ms`, appends each model's wall time in milliseconds.
Status run_rounds(std::vector<TimedModel>& models, const NamedTensors& feeds, int rounds,
                  std::vector<std::vector<double>>* run_ms) {
  for (int round = 0; round < rounds; ++round) {
    for (size_t k = 0; k < models.size(); ++k) {
      const size_t m = round % 2 == 0 ? k : models.size() - 1 - k;
      TimedModel& model = models[m];
      const Clock::time_point start = Clock::now();
      const Status s = model.session->run_into(feeds, {}, model.outputs);
      const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
      QAC_RETURN_IF_ERROR(s);
      if (run_ms) (*run_ms)[m].push_back(ms);
    }
  }
  return Status::Ok();
}

Result<Int8Coverage> measure_coverage(const std::string& model_bytes, const NamedTensors& feeds,
                                      const LatencyOptions& o, const std::string& label) {
  SessionOptions so = session_options(o);
  so.prepack_weights = false;
  QAC_ASSIGN_OR_RETURN(auto session, Session::create(model_bytes, so, label));
  QAC_ASSIGN_OR_RETURN(const std::vector<NodeRecord> nodes, profile_nodes(*session, feeds, 1, label));
  Result<Int8Coverage> coverage = int8_coverage(nodes);
  if (!coverage.ok()) return coverage.status().with_context(label);
  return coverage;
}

}  // namespace

Result<LatencyComparison> compare_latency(const std::vector<std::string>& model_bytes, const NamedTensors& feeds,
                                          const LatencyOptions& options) {
  QAC_RETURN_IF_ERROR(check_options(model_bytes.size(), options));
  std::vector<TimedModel> models(model_bytes.size());
  for (size_t m = 0; m < models.size(); ++m) {
    models[m].label = options.labels.empty() ? "model " + std::to_string(m + 1) : options.labels[m];
    QAC_ASSIGN_OR_RETURN(models[m].session, Session::create(model_bytes[m], session_options(options), models[m].label));
  }
  QAC_RETURN_IF_ERROR(run_rounds(models, feeds, options.warmup_runs, nullptr));
  std::vector<std::vector<double>> run_ms(models.size());
  QAC_RETURN_IF_ERROR(run_rounds(models, feeds, options.timed_runs, &run_ms));

  LatencyComparison comparison;
  for (size_t m = 0; m < models.size(); ++m) {
    ModelLatency latency;
    latency.label = models[m].label;
    latency.median_ms = median(run_ms[m]);
    latency.p10_ms = percentile(run_ms[m], 0.1);
    latency.p90_ms = percentile(run_ms[m], 0.9);
    latency.ratio_to_first = latency.median_ms / (m == 0 ? latency.median_ms : comparison.models[0].median_ms);
    latency.run_ms = std::move(run_ms[m]);
    comparison.models.push_back(std::move(latency));
  }
  for (size_t m = 0; m < models.size(); ++m) {
    ModelLatency& latency = comparison.models[m];
    if (options.profiled_runs > 0) {
      QAC_ASSIGN_OR_RETURN(const std::vector<NodeRecord> nodes,
                           profile_nodes(*models[m].session, feeds, options.profiled_runs, latency.label));
      latency.op_type_times = time_per_op_type(nodes);
    }
    models[m].session.reset();  // freed before this model's coverage session is created
    if (options.coverage) {
      QAC_ASSIGN_OR_RETURN(latency.coverage, measure_coverage(model_bytes[m], feeds, options, latency.label));
    }
  }
  return comparison;
}

}  // namespace qac
