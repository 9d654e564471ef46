// Metrics that compare model outputs with the FP32 model's outputs, sample by sample
// (formulas in include/qac/metric.h): SQNR in dB, cosine similarity, negative NMSE.
#pragma once

#include "metrics/metric_base.h"

namespace qac {

enum class SimilarityKind { kSqnr, kCosine, kNmse };

class SimilarityMetric : public PerSampleMetric {
 public:
  // output_index: one output, kAllOutputs for the concatenation of every output per sample, or
  // kEveryOutput for each output on its own, a sample's value being its worst output's.
  SimilarityMetric(SimilarityKind kind, int output_index);
  std::string identity() const override { return name() + " output " + std::to_string(output_index_); }

  // The mean of the per-sample values, and with kEveryOutput each output's mean (per_output).
  Result<MetricValue> finish() override;
  void reset() override;

 protected:
  Status score_batch(size_t first, const std::vector<Tensor>& outputs,
                     const std::vector<Tensor>& reference, const Labels* labels,
                     std::vector<double>& scores) override;

 private:
  SimilarityKind kind_;
  int output_index_;
  std::vector<double> output_sums_;  // kEveryOutput: per output, the sum of its per-sample values
};

// Sums over the elements of one sample, from which every similarity value is computed.
struct SimilaritySums {
  double ref_energy = 0;    // sum ref^2
  double out_energy = 0;    // sum out^2
  double error_energy = 0;  // sum (out - ref)^2
  double dot = 0;           // sum out * ref
  size_t count = 0;         // elements
  void add(const float* out, const float* ref, size_t n);
};

// The per-sample value of `kind`; NaN when the sums are not finite.
double similarity_value(SimilarityKind kind, const SimilaritySums& sums);

}  // namespace qac
