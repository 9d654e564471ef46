// Timing models side by side in ONNX Runtime, as `qac bench` does: every round runs each model
// once, in alternating order, so that drift (CPU clock, other processes, caches) affects every
// model alike and the ratios between models hold on a noisy machine.
//
//   LatencyOptions options;
//   options.labels = {"fp32", "int8"};
//   auto comparison = compare_latency({fp32, int8}, inputs, options);
//   // comparison->models[1].ratio_to_first: int8 median latency / fp32 median latency
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "qac/model.h"
#include "qac/status.h"
#include "qac/tensor.h"

namespace qac {

// How much of a model's multiply-accumulate work (convolutions and matrix products) ONNX
// Runtime ran in int8 kernels, counted on the nodes of its optimized graph: a QDQ Conv fused
// into QLinearConv counts as int8, one left as DequantizeLinear -> Conv as float.
struct Int8Coverage {
  double int8_macs = 0;
  double float_macs = 0;
  double weight_only_macs = 0;  // low-bit weight kernels (MatMulNBits), not counted as int8

  double total_macs() const { return int8_macs + float_macs + weight_only_macs; }
  // int8_macs / total_macs(); NaN when the model has no convolution or matrix product.
  double share() const;
};

// Time of the nodes of one op type in a profiled run.
struct OpTypeTime {
  std::string op_type;
  double microseconds = 0;  // summed over the nodes of this type
  int nodes = 0;
};

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
  // Measured on a second session that keeps every weight in the trace (to know their shapes);
  // it executes the same optimized graph. Set when LatencyOptions::coverage.
  std::optional<Int8Coverage> coverage;
  // From the profiled runs of the timed session: each node's median time, summed per op type,
  // largest first. Empty when profiled_runs is 0.
  std::vector<OpTypeTime> op_type_times;
};

struct LatencyComparison {
  std::vector<ModelLatency> models;  // in the order the models were given
};

// Creates a session for every model up front (all optimizations, as deployed), then runs
// `warmup_runs` untimed and `timed_runs` timed rounds on `inputs`: round r runs the models in
// the given order when r is even, in reverse when it is odd. A timed run is the wall time of one
// run whose outputs are written into the buffers of the previous one.
// Errors name the model by its label: InvalidArgument for bad options (no model, labels not one
// per model, timed_runs < 1, negative counts), and ONNX Runtime's errors when a model cannot be
// loaded or run on `inputs`.
Result<LatencyComparison> compare_latency(const std::vector<Model>& models, const NamedTensors& inputs,
                                          const LatencyOptions& options);

// Input name -> shape to feed (e.g. from --shape x=1x3x320x320).
using InputShapes = std::map<std::string, std::vector<int64_t>>;

// A tensor per input: shape `shapes[name]` when given, else the input's shape with a symbolic
// first dimension set to `batch`; floating-point values drawn uniformly from [-1, 1) (float16
// inputs are zeros), integers 0, booleans false; the same values for the same `seed`. Models
// whose speed depends on input values need real data.
// InvalidArgument naming the input and `model_label` when a given shape does not fit the input
// (rank, fixed dimensions, dimensions < 1), when another dimension is symbolic and no shape is
// given, or when `shapes` names no input.
Result<NamedTensors> random_inputs(const std::vector<ValueSpec>& inputs, const InputShapes& shapes, int64_t batch,
                                   const std::string& model_label, uint32_t seed = 0);

}  // namespace qac
