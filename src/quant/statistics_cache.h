// Calibration statistics kept on disk (QuantizationOptions::cache_dir), so that a run repeated
// with the same model, calibration samples and options (a resumed accuracy-control run, another
// estimator) skips the calibration pass. An entry is keyed by the qac and ONNX Runtime versions,
// the CPU model, the model's bytes, the request, the calibration samples' content, the subset
// and batch sizes and the thread count: everything collect_statistics() reads.
#pragma once

#include <map>
#include <string>

#include "quant/statistics.h"

namespace qac {

// collect_statistics(), answered from `cache_dir`/statistics when it holds an entry with the
// same key (logged), else computed and stored there (a store that fails is logged and costs
// only the next run a pass). An empty cache_dir computes without a cache.
Result<std::map<std::string, TensorStats>> collect_statistics_cached(const onnx::ModelProto& model,
                                                                     const Dataset& data,
                                                                     const StatisticsRequest& request,
                                                                     size_t subset_size, size_t batch_size,
                                                                     const SessionOptions& options,
                                                                     const std::string& cache_dir);

// The bytes of `stats` as a cache entry, and back (InvalidData for bytes that are not one).
std::string statistics_to_bytes(const std::map<std::string, TensorStats>& stats);
Result<std::map<std::string, TensorStats>> statistics_from_bytes(const std::string& bytes);

}  // namespace qac
