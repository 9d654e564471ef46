// Runs a model over a dataset and scores it with a metric, batch by batch.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "qac/dataset.h"
#include "qac/metric.h"
#include "runtime/session.h"

namespace qac {

struct EvaluationOptions {
  size_t limit = 0;       // evaluate the first `limit` samples; 0 = all
  size_t batch_size = 0;  // 0 = automatic (callers check batch_size_for() first: runtime/batching.h)
  // The model outputs handed to the metric, in this order; empty = all, in model order.
  std::vector<std::string> fetch;
  // When set, sees the outputs of samples [first, first + count) of every batch, in sample
  // order, before they are scored (e.g. to keep them).
  std::function<void(size_t first, size_t count, const std::vector<Tensor>& outputs)> on_outputs;
};

// Supplies the FP32 outputs of samples [first, first + count) of the evaluated dataset, given
// the inputs that were fed and the evaluated model's outputs on them (all outputs, model order).
using ReferenceSource = std::function<Result<std::vector<Tensor>>(
    size_t first, size_t count, const NamedTensors& inputs, const std::vector<Tensor>& outputs)>;

// Scores `model` on `data`. `reference` (the FP32 model) is required when the metric compares
// against FP32 outputs; its outputs are computed on the same batches.
// REQUIRES: the metric is freshly reset.
Result<MetricValue> evaluate(const Session& model, const Session* reference, const Dataset& data,
                             Metric& metric, const EvaluationOptions& options);

// Same, with the FP32 outputs taken from `reference` (required when the metric compares against
// FP32 outputs; called once per batch, in sample order, only then).
Result<MetricValue> evaluate(const Session& model, const ReferenceSource& reference, const Dataset& data,
                             Metric& metric, const EvaluationOptions& options);

}  // namespace qac
