// ConfigOracle: the only way the accuracy-control search sees a model. A configuration is the
// set of quantizer groups returned to float ("reverted"); every other group stays quantized.
// The search strategies (search_nncf.h, search_qac.h) decide WHAT to evaluate; an oracle
// implementation decides HOW (emit the QDQ model with those groups reverted, run it on the
// validation samples, score it with the user's metric).
#pragma once

#include <cstddef>
#include <vector>

#include "qac/status.h"

namespace qac {

// A metric value, higher is better. `per_sample` is aligned with the requested samples (one
// value per requested sample, in the requested order), or empty when the metric has none.
struct Evaluation {
  double metric = 0;
  std::vector<double> per_sample;
  std::vector<double> per_output;  // each output's value, when the metric has them (MetricValue)
  bool approximate = false;  // answered by screen() from an approximate model
};

class ConfigOracle {
 public:
  virtual ~ConfigOracle() = default;

  // Number of quantizer groups; group ids are 0..num_groups()-1.
  virtual size_t num_groups() const = 0;
  // Number of validation samples; sample indices are 0..num_samples()-1.
  virtual size_t num_samples() const = 0;

  // Metric of the model with the groups in `reverted` returned to float (all others quantized)
  // on the validation samples `samples`.
  // REQUIRES: `reverted` sorted, unique, ids < num_groups(); `samples` sorted, unique, indices
  //           < num_samples(); an empty `samples` means all samples.
  // Implementations may cache; callers should still avoid repeats.
  virtual Result<Evaluation> evaluate(const std::vector<int>& reverted,
                                      const std::vector<size_t>& samples) = 0;

  // Like evaluate(), for answers that only choose what to evaluate next (ranking, screening):
  // an implementation may answer from a cheaper approximate model (marking the result
  // `approximate`), e.g. one model whose groups are switched per run instead of a new model
  // per configuration. Never a substitute for a measurement that decides or is reported.
  // Same REQUIRES as evaluate(); `samples` is a strict subset of the validation samples.
  virtual Result<Evaluation> screen(const std::vector<int>& reverted, const std::vector<size_t>& samples) {
    return evaluate(reverted, samples);
  }

  // Same for the FP32 model.
  virtual Result<Evaluation> evaluate_fp32(const std::vector<size_t>& samples) = 0;

  // Normalized MSE between this configuration's outputs and the FP32 outputs on `samples`
  // (lower is better): sum (out - ref)^2 / sum ref^2 over the samples' outputs. The ranking
  // score when the metric has no per-sample values.
  virtual Result<double> output_nmse(const std::vector<int>& reverted,
                                     const std::vector<size_t>& samples) = 0;

  // A cheap one-pass sensitivity per group (e.g. local SQNR loss of the group's ops), higher =
  // more harmful; indexed by group id. An empty vector when unavailable.
  virtual Result<std::vector<double>> sensitivity() = 0;

  // Cost accounting: total validation samples run so far through any non-FP32 configuration
  // by evaluate() and output_nmse() (callers divide by num_samples() for full-pass
  // equivalents).
  virtual size_t samples_evaluated() const = 0;
};

}  // namespace qac
