// Runs a model over a dataset and scores it with a metric, batch by batch.
#pragma once

#include <cstddef>
#include <vector>

#include "qac/dataset.h"
#include "qac/metric.h"
#include "runtime/session.h"

namespace qac {

struct EvaluationOptions {
  size_t limit = 0;       // evaluate the first `limit` samples; 0 = all
  size_t batch_size = 0;  // 0 = automatic
};

// Scores `model` on `data`. `reference` (the FP32 model) is required when the metric compares
// against FP32 outputs; its outputs are computed on the same batches.
// REQUIRES: the metric is freshly reset.
Result<MetricValue> evaluate(const Session& model, const Session* reference, const Dataset& data,
                             Metric& metric, const EvaluationOptions& options);

}  // namespace qac
