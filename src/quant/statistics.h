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
};

// Output bytes per batch the automatic batch size aims at when every activation is fetched.
inline constexpr size_t kStatisticsBatchBytesBudget = size_t{256} << 20;

// Runs samples [0, min(subset_size, data.size())) through `model` in batches (batch_size 0 =
// chosen from the bytes one sample's observed tensors take, at most kDefaultBatchSize) and
// accumulates the statistics of every requested tensor (the union of the three lists), with
// one ONNX Runtime session in which the requested tensors are extra graph outputs.
// Memory is independent of the number of samples: one batch of outputs plus the accumulators.
// The result holds one entry per observed tensor. Tensors that cannot be observed are logged
// and left out: initializers (constants), non-floating-point tensors, values inside subgraphs.
// Errors: a requested name the model does not hold anywhere (NotFound naming it), dataset /
// model mismatches, ONNX Runtime failures, inconsistent shapes across batches.
Result<std::map<std::string, TensorStats>> collect_statistics(const onnx::ModelProto& model,
                                                              const Dataset& data,
                                                              const StatisticsRequest& request,
                                                              size_t subset_size,
                                                              size_t batch_size,
                                                              const SessionOptions& options);

}  // namespace qac
