// Scoring a model on a dataset with a metric, in ONNX Runtime, as `qac eval` does.
#pragma once

#include <cstddef>
#include <string>

#include "qac/dataset.h"
#include "qac/metric.h"
#include "qac/model.h"
#include "qac/status.h"

namespace qac {

struct EvaluateOptions {
  size_t limit = 0;           // the first `limit` samples; 0 = all
  size_t batch_size = 0;      // samples per run; 0 = automatic (one at a time for a model whose
                              // outputs for a sample depend on the other samples of its batch)
  bool optimizations = true;  // all ONNX Runtime optimizations, int8 kernels (as deployed);
                              // false: none, every Q/DQ runs as written (the float QDQ reference)
  int threads = 0;            // ONNX Runtime intra-op threads; 0 = all cores
};

struct EvaluateResult {
  MetricValue metric;
  std::string batch_note;  // why the samples ran one at a time, when automatic batching chose so
};

// Runs `model` (and `reference`, the FP32 model, required when the metric compares against FP32
// outputs) over `data` and scores the outputs with `metric`, freshly reset.
// Errors: InvalidData naming the dataset and input when `data` does not fit `model`;
// InvalidArgument when the metric needs a reference and none is given; those of the metric and
// of ONNX Runtime, naming the model.
Result<EvaluateResult> evaluate_model(const Model& model, const Model* reference, const Dataset& data, Metric& metric,
                                      const EvaluateOptions& options = {});

}  // namespace qac
