// SyntheticOracle: a ConfigOracle over a synthetic "model" whose accuracy is a known function
// of the configuration, to test the accuracy-control searches without ONNX Runtime.
//
// Model: N samples with an FP32 per-sample correctness (0/1). Each quantizer group flips a set
// of samples while it is quantized (a flip turns a correct sample wrong, or, for a sample FP32
// gets wrong, lucky-right); a sample is flipped when ANY active disturbance hits it:
//   - a quantized group whose flip set holds it,
//   - an interaction (pair of groups) whose samples hold it, while BOTH groups are quantized,
//   - the residual set, in every evaluate() call, even with every group reverted
//     (quantization no group revert undoes); evaluate_fp32() is the only clean model.
// Reverting every group therefore gives back the FP32 metric unless there is a residual.
// Output NMSE = kNmsePerFlip * (active disturbances per sample, averaged over the samples)
//             + sum of the quantized groups' output_noise, where a group's output noise grows
// with its effect (a layer that flips decisions perturbs every sample's outputs) plus a part
// unrelated to accuracy.
// Sensitivity = (true flips of the group + 1) * lognormal noise, or unavailable.
// The oracle counts samples evaluated and (configuration, samples) requests seen before.
#pragma once

#include <cstddef>
#include <cstdint>
#include <set>
#include <utility>
#include <vector>

#include "search/config_oracle.h"

namespace qac::testing {

inline constexpr double kNmsePerFlip = 0.01;

struct SyntheticInteraction {
  int first = 0;
  int second = 0;
  std::vector<size_t> samples;  // flipped while both groups are quantized
};

struct SyntheticModel {
  std::vector<double> fp32;                // per-sample correctness of FP32, 0 or 1
  std::vector<std::vector<size_t>> flips;  // per group: samples flipped while it is quantized
  std::vector<SyntheticInteraction> interactions;
  std::vector<size_t> residual;            // flipped in every evaluate() configuration
  std::vector<double> output_noise;        // per group: NMSE added while quantized (may be empty)
  std::vector<double> sensitivity;         // per group; empty = unavailable
};

// Random model generator.
struct SyntheticSpec {
  size_t num_samples = 2000;
  size_t num_groups = 80;
  double fp32_accuracy = 0.9;
  size_t num_major_groups = 4;       // groups with a large effect
  double major_flip_min = 0.004;     // fraction of samples a major group flips, uniform in
  double major_flip_max = 0.012;     //   [min, max]
  double minor_flip_mean = 0.00015;  // mean fraction (exponential) for the other groups
  size_t num_interactions = 0;
  double interaction_flip = 0.003;   // fraction of samples per interaction
  double residual_flip = 0;          // fraction of samples in the residual set
  double sensitivity_noise = 0.5;    // sigma of the lognormal noise; < 0: no sensitivity
  double max_output_noise = 1e-4;    // output noise unrelated to accuracy: uniform in [0, max]
  double noise_per_flip_fraction = 0.1;  // output noise per fraction of samples flipped
  uint64_t seed = 1;
};

SyntheticModel make_synthetic_model(const SyntheticSpec& spec);

enum class SyntheticMetric {
  kMeanAccuracy,         // metric = mean correctness, with per-sample values
  kAccuracyNoPerSample,  // metric = mean correctness, no per-sample values
  kSquaredAccuracy,      // metric = (mean correctness)^2 with per-sample values: not mean-type
};

class SyntheticOracle final : public ConfigOracle {
 public:
  explicit SyntheticOracle(SyntheticModel model,
                           SyntheticMetric metric = SyntheticMetric::kMeanAccuracy);

  size_t num_groups() const override { return model_.flips.size(); }
  size_t num_samples() const override { return model_.fp32.size(); }
  Result<Evaluation> evaluate(const std::vector<int>& reverted,
                              const std::vector<size_t>& samples) override;
  Result<Evaluation> evaluate_fp32(const std::vector<size_t>& samples) override;
  Result<double> output_nmse(const std::vector<int>& reverted,
                             const std::vector<size_t>& samples) override;
  Result<std::vector<double>> sensitivity() override { return model_.sensitivity; }
  size_t samples_evaluated() const override { return samples_evaluated_; }

  // Calls to evaluate()/output_nmse() whose (configuration, samples) was requested before.
  size_t repeated_calls() const { return repeated_calls_; }
  // The full-set metric of a configuration, without counting it.
  double metric_of(const std::vector<int>& reverted) const;
  const SyntheticModel& model() const { return model_; }

 private:
  Status check_request(const std::vector<int>& reverted, const std::vector<size_t>& samples) const;
  std::vector<bool> quantized_mask(const std::vector<int>& reverted) const;
  // Active disturbances on `sample` (0 = unchanged from FP32) in a quantized-model evaluation.
  int disturbances(const std::vector<bool>& quantized, size_t sample) const;
  Evaluation score(const std::vector<double>& values) const;
  std::vector<size_t> resolve(const std::vector<size_t>& samples) const;

  SyntheticModel model_;
  SyntheticMetric metric_;
  std::vector<std::vector<int>> groups_of_sample_;        // groups flipping each sample
  std::vector<std::vector<size_t>> interactions_of_sample_;
  std::vector<bool> in_residual_;
  size_t samples_evaluated_ = 0;
  size_t repeated_calls_ = 0;
  std::set<std::pair<std::vector<int>, std::vector<size_t>>> seen_evaluations_;
  std::set<std::pair<std::vector<int>, std::vector<size_t>>> seen_nmse_;
};

}  // namespace qac::testing
