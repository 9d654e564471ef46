// Latency of models on the same inputs, measured interleaved: every round runs each model once,
// in alternating order, so that drift (CPU clock, other processes, caches) affects every model
// alike and the ratios between models hold on a noisy machine.
//
//   LatencyOptions options;
//   options.labels = {"fp32", "int8"};
//   auto comparison = compare_latency({fp32.serialize(), int8.serialize()}, feeds, options);
//   // comparison->models[1].ratio_to_first: int8 median latency / fp32 median latency
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "qac/status.h"
#include "qac/tensor.h"
#include "runtime/int8_coverage.h"
#include "runtime/profile.h"

namespace qac {

struct LatencyOptions {
  std::vector<std::string> labels;  // model names for messages and results; empty = "model 1", ...
  int threads = 1;                  // intra-op threads of each session (0 = every CPU)
  int warmup_runs = 3;              // untimed runs per model, before the first timed round
  int timed_runs = 15;              // timed rounds; each runs every model once
  int profiled_runs = 0;            // runs per model with the profiler on, after timing (0 = none)
  bool coverage = true;             // measure int8 coverage: one profiled run per model
};

struct ModelLatency {
  std::string label;
  std::vector<double> run_ms;  // the timed runs, in round order
  double median_ms = 0;
  double p10_ms = 0;
  double p90_ms = 0;
  double ratio_to_first = 0;  // median_ms / the first model's median_ms
  // Measured on a second session that keeps every weight in the trace (node_macs() needs their
  // shapes); it executes the same optimized graph. Set when LatencyOptions::coverage.
  std::optional<Int8Coverage> coverage;
  // From the profiled runs of the timed session: each node's median time, summed per op type,
  // largest first. Empty when profiled_runs is 0.
  std::vector<OpTypeTime> op_type_times;
};

struct LatencyComparison {
  std::vector<ModelLatency> models;  // in the order of the model bytes given
};

// Creates a session for every model up front (all optimizations, as deployed), then runs
// `warmup_runs` untimed and `timed_runs` timed rounds on `feeds`: round r runs the models in
// the given order when r is even, in reverse when it is odd. Each timed run is the wall time of
// one Session::run_into call whose outputs are written into buffers kept from the previous run.
// Errors name the model by its label: InvalidArgument for bad options (no model, labels not one
// per model, timed_runs < 1, negative counts), and the session's errors when a model cannot be
// loaded or run on `feeds`.
Result<LatencyComparison> compare_latency(const std::vector<std::string>& model_bytes, const NamedTensors& feeds,
                                          const LatencyOptions& options);

}  // namespace qac
