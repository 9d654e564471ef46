// Shared machinery of the built-in metrics: per-sample accumulation, batch-order and input
// checks, and the NaN/inf check of finish(). Each built-in only scores one batch.
#pragma once

#include <string>
#include <vector>

#include "qac/metric.h"

namespace qac {

class PerSampleMetric : public Metric {
 public:
  PerSampleMetric(std::string name, bool needs_labels, bool needs_reference)
      : name_(std::move(name)), needs_labels_(needs_labels), needs_reference_(needs_reference) {}

  std::string name() const override { return name_; }
  bool needs_labels() const override { return needs_labels_; }
  bool needs_reference() const override { return needs_reference_; }

  // Checks the batch order and that labels / reference outputs are present when needed, then
  // appends the batch's per-sample values (score_batch). A failing batch adds nothing.
  Status add_batch(size_t first, const std::vector<Tensor>& outputs,
                   const std::vector<Tensor>& reference, const Labels* labels) final;
  // value = mean of the per-sample values.
  Result<MetricValue> finish() override;
  void reset() override;

 protected:
  // Appends one value per sample of the batch (samples first, first+1, ...) to `scores`.
  // A sample whose outputs hold NaN or infinity scores NaN (finish() then reports it).
  virtual Status score_batch(size_t first, const std::vector<Tensor>& outputs,
                             const std::vector<Tensor>& reference, const Labels* labels,
                             std::vector<double>& scores) = 0;

  // "metric <name>: " for messages.
  std::string prefix() const { return "metric " + name_ + ": "; }

 private:
  std::string name_;
  bool needs_labels_;
  bool needs_reference_;
  bool started_ = false;
  size_t first_sample_ = 0;  // dataset index of per_sample_[0]
  std::vector<double> per_sample_;
};

// outputs[index], or InvalidData naming `metric_name` when the model has no such output or the
// output has no sample axis. `what` is "output" or "reference output".
Result<const Tensor*> select_output(const std::vector<Tensor>& outputs, int index,
                                    const std::string& metric_name, const char* what);

// The value of sample `sample` in `labels`, or InvalidData when it has none.
// REQUIRES: labels has class ids.
Result<int64_t> class_label(const Labels& labels, size_t sample, const std::string& metric_name);

}  // namespace qac
