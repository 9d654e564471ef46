// compare_latency (qac/benchmark.h) on serialized models, for the library's own use.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "qac/benchmark.h"
#include "qac/status.h"
#include "qac/tensor.h"
#include "runtime/int8_coverage.h"
#include "runtime/profile.h"

namespace qac {

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
