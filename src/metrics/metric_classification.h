// Classification metrics over an output shaped [N, C] (one score per class and sample).
#pragma once

#include "metrics/metric_base.h"

namespace qac {

// Per sample 1 when the label is among the k highest scores, else 0. Ranking follows argmax
// order: a class ranks above every class with a lower score and every equal-scored class
// with a higher index. REQUIRES: k >= 1.
class TopKMetric : public PerSampleMetric {
 public:
  TopKMetric(std::string name, int k, int output_index);
  std::string identity() const override { return name() + " output " + std::to_string(output_index_); }

 protected:
  Status score_batch(size_t first, const std::vector<Tensor>& outputs,
                     const std::vector<Tensor>& reference, const Labels* labels,
                     std::vector<double>& scores) override;

 private:
  int k_;
  int output_index_;
};

// Per sample 1 when argmax(output) == argmax(FP32 reference output), else 0.
class AgreementMetric : public PerSampleMetric {
 public:
  explicit AgreementMetric(int output_index);
  std::string identity() const override { return name() + " output " + std::to_string(output_index_); }

 protected:
  Status score_batch(size_t first, const std::vector<Tensor>& outputs,
                     const std::vector<Tensor>& reference, const Labels* labels,
                     std::vector<double>& scores) override;

 private:
  int output_index_;
};

}  // namespace qac
