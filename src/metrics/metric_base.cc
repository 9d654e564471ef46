#include "metrics/metric_base.h"

#include <cmath>
#include <numeric>

namespace qac {

Status PerSampleMetric::add_batch(size_t first, const std::vector<Tensor>& outputs,
                                  const std::vector<Tensor>& reference, const Labels* labels) {
  if (needs_labels_ && labels == nullptr) {
    return Status::InvalidArgument(prefix() +
                                   "needs labels (labels.npy or labels.json beside the data)");
  }
  if (needs_reference_ && reference.size() != outputs.size()) {
    return Status::InvalidArgument(prefix() + "needs the FP32 reference outputs (got " +
                                   std::to_string(reference.size()) + " for " +
                                   std::to_string(outputs.size()) + " outputs)");
  }
  const size_t expected_first = first_sample_ + per_sample_.size();
  if (started_ && first != expected_first) {
    return Status::InvalidArgument(prefix() + "batch starts at sample " + std::to_string(first) +
                                   " but the next sample in order is " +
                                   std::to_string(expected_first));
  }
  // Score into a scratch vector so that a failing batch leaves the metric unchanged.
  std::vector<double> scores;
  QAC_RETURN_IF_ERROR(score_batch(first, outputs, reference, labels, scores));
  if (!started_) {
    started_ = true;
    first_sample_ = first;
  }
  per_sample_.insert(per_sample_.end(), scores.begin(), scores.end());
  return Status::Ok();
}

Result<MetricValue> PerSampleMetric::finish() {
  if (per_sample_.empty()) return Status::InvalidData(prefix() + "no sample was evaluated");
  for (size_t i = 0; i < per_sample_.size(); ++i) {
    if (!std::isfinite(per_sample_[i])) {
      return Status::InvalidData(prefix() + "value of sample " +
                                 std::to_string(first_sample_ + i) + " is " +
                                 std::to_string(per_sample_[i]) +
                                 " (the model outputs hold NaN or infinity)");
    }
  }
  MetricValue result;
  result.per_sample = per_sample_;
  result.value = std::accumulate(per_sample_.begin(), per_sample_.end(), 0.0) /
                 static_cast<double>(per_sample_.size());
  return result;
}

void PerSampleMetric::reset() {
  started_ = false;
  first_sample_ = 0;
  per_sample_.clear();
}

Result<const Tensor*> select_output(const std::vector<Tensor>& outputs, int index,
                                    const std::string& metric_name, const char* what) {
  if (index < 0 || static_cast<size_t>(index) >= outputs.size()) {
    return Status::InvalidData("metric " + metric_name + ": the model has no " + what + " " +
                               std::to_string(index) + " (it has " +
                               std::to_string(outputs.size()) + ")");
  }
  const Tensor& t = outputs[static_cast<size_t>(index)];
  if (t.shape.empty()) {
    return Status::InvalidData("metric " + metric_name + ": " + what + " " +
                               std::to_string(index) + " is a scalar without a sample axis");
  }
  return &t;
}

Result<int64_t> class_label(const Labels& labels, size_t sample, const std::string& metric_name) {
  if (sample >= labels.classes.size()) {
    return Status::InvalidData("metric " + metric_name + ": sample " + std::to_string(sample) +
                               " has no label (there are " +
                               std::to_string(labels.classes.size()) + ")");
  }
  return labels.classes[sample];
}

}  // namespace qac
