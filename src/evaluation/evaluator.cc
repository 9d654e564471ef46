#include "evaluation/evaluator.h"

#include "core/progress.h"
#include "runtime/batching.h"

namespace qac {

Result<MetricValue> evaluate(const Session& model, const Session* reference, const Dataset& data,
                             Metric& metric, const EvaluationOptions& options) {
  ReferenceSource source;
  if (reference) {
    source = [reference](size_t, size_t, const NamedTensors& inputs, const std::vector<Tensor>&) {
      return reference->run(inputs);
    };
  }
  return evaluate(model, source, data, metric, options);
}

Result<MetricValue> evaluate(const Session& model, const ReferenceSource& reference, const Dataset& data,
                             Metric& metric, const EvaluationOptions& options) {
  if (metric.needs_reference() && !reference) {
    return Status::InvalidArgument("metric '" + metric.name() + "' compares against the FP32 model: give --reference");
  }
  if (metric.needs_labels() && !data.labels()) {
    return Status::InvalidData("metric '" + metric.name() + "' needs labels but " + data.description() +
                               " has no labels.npy or labels.json");
  }
  const size_t n = options.limit ? std::min(options.limit, data.size()) : data.size();
  const size_t batch = options.batch_size ? options.batch_size : auto_batch_size(model, n);
  const Labels* labels = data.labels() ? &*data.labels() : nullptr;
  Progress progress("evaluating " + metric.name(), n);
  Status status = run_batches(
      model, data, n, batch, options.fetch,
      [&](size_t first, size_t count, const NamedTensors& inputs, std::vector<Tensor>& outputs) -> Status {
        if (options.on_outputs) options.on_outputs(first, count, outputs);
        std::vector<Tensor> ref;
        if (metric.needs_reference()) {
          QAC_ASSIGN_OR_RETURN(ref, reference(first, count, inputs, outputs));
        }
        QAC_RETURN_IF_ERROR(metric.add_batch(first, outputs, ref, labels));
        progress.advance(count);
        return Status::Ok();
      });
  QAC_RETURN_IF_ERROR(status);
  progress.finish();
  return metric.finish();
}

}  // namespace qac
