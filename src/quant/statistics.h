// Calibration statistics: one pass of the calibration subset through the model, observing
// every requested activation at once.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include <onnx/onnx_pb.h>

#include "qac/dataset.h"
#include "qac/status.h"
#include "quant/tensor_stats.h"
#include "runtime/session.h"

namespace qac {

struct StatisticsRequest {
  std::vector<std::string> tensors;                    // activations: min/max (+ histogram)
  std::map<std::string, int> channel_mean_axis;        // tensor -> axis of per-channel means
  std::vector<std::string> channel_absmax_last_axis;   // per-channel abs-max (SmoothQuant)
  bool histograms = true;
  // Summarize tensors inside ONNX Runtime with the observers of runtime/observer_ops.h where
  // possible (float32 tensors of known rank that need no histogram); false fetches every tensor
  // whole and accumulates it on the host. Both give the same statistics.
  bool in_graph_observers = true;
};

// How a collect_statistics call observed its tensors.
struct StatisticsInfo {
  size_t in_graph = 0;    // tensors summarized by in-graph observers
  size_t fetched = 0;     // tensors fetched whole and accumulated on the host
  size_t batch_size = 0;  // the batch size the samples ran with
};

// Output bytes per batch the automatic batch size aims at when every activation is fetched.
inline constexpr size_t kStatisticsBatchBytesBudget = size_t{256} << 20;

// Runs samples [0, min(subset_size, data.size())) through `model` in batches (batch_size 0 =
// chosen from the bytes one sample's fetched outputs take, at most kDefaultBatchSize) and
// accumulates the statistics of every requested tensor (the union of the three lists), with
// one ONNX Runtime session. A tensor is summarized in the graph by observer nodes (see
// StatisticsRequest::in_graph_observers), or else becomes an extra graph output accumulated on
// the host; the second way is taken for histograms, tensors of other float types or unknown
// rank, and per-channel statistics of models that fix a batch size above 1 (whose last batch
// is padded). Memory is independent of the number of samples: one batch plus the accumulators.
// The result holds one entry per observed tensor. Tensors that cannot be observed are logged
// and left out: initializers (constants), non-floating-point tensors, values inside subgraphs.
// Errors: a requested name the model does not hold anywhere (NotFound naming it), dataset /
// model mismatches, ONNX Runtime failures, inconsistent shapes across batches.
Result<std::map<std::string, TensorStats>> collect_statistics(const onnx::ModelProto& model,
                                                              const Dataset& data,
                                                              const StatisticsRequest& request,
                                                              size_t subset_size,
                                                              size_t batch_size,
                                                              const SessionOptions& options,
                                                              StatisticsInfo* info = nullptr);

}  // namespace qac
