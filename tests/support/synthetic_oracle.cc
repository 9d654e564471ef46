#include "support/synthetic_oracle.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <string>

namespace qac::testing {
namespace {

std::vector<size_t> random_samples(size_t count, size_t num_samples, std::mt19937_64& rng) {
  std::vector<size_t> all(num_samples);
  std::iota(all.begin(), all.end(), size_t{0});
  count = std::min(count, num_samples);
  for (size_t k = 0; k < count; ++k) {  // partial Fisher-Yates
    std::uniform_int_distribution<size_t> pick(k, num_samples - 1);
    std::swap(all[k], all[pick(rng)]);
  }
  all.resize(count);
  std::sort(all.begin(), all.end());
  return all;
}

size_t fraction_of(double fraction, size_t num_samples) {
  return static_cast<size_t>(std::llround(fraction * static_cast<double>(num_samples)));
}

}  // namespace

SyntheticModel make_synthetic_model(const SyntheticSpec& spec) {
  std::mt19937_64 rng(spec.seed);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  SyntheticModel model;
  model.fp32.resize(spec.num_samples);
  for (double& value : model.fp32) value = unit(rng) < spec.fp32_accuracy ? 1.0 : 0.0;

  std::vector<int> ids(spec.num_groups);
  std::iota(ids.begin(), ids.end(), 0);
  std::shuffle(ids.begin(), ids.end(), rng);
  std::vector<bool> major(spec.num_groups, false);
  for (size_t k = 0; k < std::min(spec.num_major_groups, spec.num_groups); ++k) major[ids[k]] = true;

  std::exponential_distribution<double> minor(1.0 / std::max(spec.minor_flip_mean, 1e-12));
  std::uniform_real_distribution<double> major_fraction(spec.major_flip_min, spec.major_flip_max);
  model.flips.resize(spec.num_groups);
  for (size_t g = 0; g < spec.num_groups; ++g) {
    const double fraction = major[g] ? major_fraction(rng) : minor(rng);
    model.flips[g] = random_samples(fraction_of(fraction, spec.num_samples), spec.num_samples, rng);
  }
  std::uniform_int_distribution<int> any_group(0, static_cast<int>(spec.num_groups) - 1);
  for (size_t k = 0; k < spec.num_interactions && spec.num_groups >= 2; ++k) {
    SyntheticInteraction interaction;
    interaction.first = any_group(rng);
    do {
      interaction.second = any_group(rng);
    } while (interaction.second == interaction.first);
    interaction.samples =
        random_samples(fraction_of(spec.interaction_flip, spec.num_samples), spec.num_samples, rng);
    model.interactions.push_back(std::move(interaction));
  }
  model.residual = random_samples(fraction_of(spec.residual_flip, spec.num_samples), spec.num_samples, rng);

  std::uniform_real_distribution<double> noise(0.0, spec.max_output_noise);
  std::lognormal_distribution<double> coupling(0.0, 0.5);
  model.output_noise.resize(spec.num_groups);
  for (size_t g = 0; g < spec.num_groups; ++g) {
    const double flipped_fraction =
        static_cast<double>(model.flips[g].size()) / static_cast<double>(spec.num_samples);
    model.output_noise[g] = noise(rng) + spec.noise_per_flip_fraction * flipped_fraction * coupling(rng);
  }

  if (spec.sensitivity_noise >= 0) {
    std::normal_distribution<double> normal(0.0, 1.0);
    std::vector<double> true_effect(spec.num_groups, 1.0);
    for (size_t g = 0; g < spec.num_groups; ++g) true_effect[g] += static_cast<double>(model.flips[g].size());
    for (const SyntheticInteraction& interaction : model.interactions) {
      true_effect[interaction.first] += static_cast<double>(interaction.samples.size());
      true_effect[interaction.second] += static_cast<double>(interaction.samples.size());
    }
    for (size_t g = 0; g < spec.num_groups; ++g) {
      model.sensitivity.push_back(true_effect[g] * std::exp(spec.sensitivity_noise * normal(rng)));
    }
  }
  return model;
}

SyntheticOracle::SyntheticOracle(SyntheticModel model, SyntheticMetric metric)
    : model_(std::move(model)), metric_(metric) {
  const size_t n = model_.fp32.size();
  groups_of_sample_.resize(n);
  interactions_of_sample_.resize(n);
  in_residual_.assign(n, false);
  for (size_t g = 0; g < model_.flips.size(); ++g) {
    for (size_t i : model_.flips[g]) groups_of_sample_[i].push_back(static_cast<int>(g));
  }
  for (size_t k = 0; k < model_.interactions.size(); ++k) {
    for (size_t i : model_.interactions[k].samples) interactions_of_sample_[i].push_back(k);
  }
  for (size_t i : model_.residual) in_residual_[i] = true;
  if (model_.output_noise.empty()) model_.output_noise.assign(model_.flips.size(), 0.0);
}

Status SyntheticOracle::check_request(const std::vector<int>& reverted,
                                      const std::vector<size_t>& samples) const {
  for (size_t k = 0; k < reverted.size(); ++k) {
    if (reverted[k] < 0 || static_cast<size_t>(reverted[k]) >= num_groups() ||
        (k > 0 && reverted[k] <= reverted[k - 1])) {
      return Status::InvalidArgument("reverted groups must be sorted, unique and in range");
    }
  }
  for (size_t k = 0; k < samples.size(); ++k) {
    if (samples[k] >= num_samples() || (k > 0 && samples[k] <= samples[k - 1])) {
      return Status::InvalidArgument("samples must be sorted, unique and in range");
    }
  }
  return Status::Ok();
}

std::vector<bool> SyntheticOracle::quantized_mask(const std::vector<int>& reverted) const {
  std::vector<bool> quantized(num_groups(), true);
  for (int g : reverted) quantized[g] = false;
  return quantized;
}

int SyntheticOracle::disturbances(const std::vector<bool>& quantized, size_t sample) const {
  int count = in_residual_[sample] ? 1 : 0;
  for (int g : groups_of_sample_[sample]) count += quantized[g] ? 1 : 0;
  for (size_t k : interactions_of_sample_[sample]) {
    const SyntheticInteraction& interaction = model_.interactions[k];
    count += (quantized[interaction.first] && quantized[interaction.second]) ? 1 : 0;
  }
  return count;
}

std::vector<size_t> SyntheticOracle::resolve(const std::vector<size_t>& samples) const {
  if (!samples.empty()) return samples;
  std::vector<size_t> all(num_samples());
  std::iota(all.begin(), all.end(), size_t{0});
  return all;
}

Evaluation SyntheticOracle::score(const std::vector<double>& values) const {
  const double mean = std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
  Evaluation evaluation;
  switch (metric_) {
    case SyntheticMetric::kMeanAccuracy:
      evaluation.metric = mean;
      evaluation.per_sample = values;
      break;
    case SyntheticMetric::kAccuracyNoPerSample:
      evaluation.metric = mean;
      break;
    case SyntheticMetric::kSquaredAccuracy:
      evaluation.metric = mean * mean;
      evaluation.per_sample = values;
      break;
  }
  return evaluation;
}

Result<Evaluation> SyntheticOracle::evaluate(const std::vector<int>& reverted,
                                             const std::vector<size_t>& samples) {
  QAC_RETURN_IF_ERROR(check_request(reverted, samples));
  if (!seen_evaluations_.insert({reverted, samples}).second) ++repeated_calls_;
  const std::vector<size_t> indices = resolve(samples);
  samples_evaluated_ += indices.size();
  const std::vector<bool> quantized = quantized_mask(reverted);
  std::vector<double> values;
  values.reserve(indices.size());
  for (size_t i : indices) {
    const double fp32 = model_.fp32[i];
    values.push_back(disturbances(quantized, i) > 0 ? 1.0 - fp32 : fp32);
  }
  return score(values);
}

Result<Evaluation> SyntheticOracle::evaluate_fp32(const std::vector<size_t>& samples) {
  QAC_RETURN_IF_ERROR(check_request({}, samples));
  std::vector<double> values;
  for (size_t i : resolve(samples)) values.push_back(model_.fp32[i]);
  return score(values);
}

Result<double> SyntheticOracle::output_nmse(const std::vector<int>& reverted,
                                            const std::vector<size_t>& samples) {
  QAC_RETURN_IF_ERROR(check_request(reverted, samples));
  if (!seen_nmse_.insert({reverted, samples}).second) ++repeated_calls_;
  const std::vector<size_t> indices = resolve(samples);
  samples_evaluated_ += indices.size();
  const std::vector<bool> quantized = quantized_mask(reverted);
  double total = 0;
  for (size_t i : indices) total += disturbances(quantized, i);
  double nmse = kNmsePerFlip * total / static_cast<double>(indices.size());
  for (size_t g = 0; g < num_groups(); ++g) nmse += quantized[g] ? model_.output_noise[g] : 0.0;
  return nmse;
}

double SyntheticOracle::metric_of(const std::vector<int>& reverted) const {
  const std::vector<bool> quantized = quantized_mask(reverted);
  std::vector<double> values;
  for (size_t i = 0; i < num_samples(); ++i) {
    values.push_back(disturbances(quantized, i) > 0 ? 1.0 - model_.fp32[i] : model_.fp32[i]);
  }
  return score(values).metric;
}

}  // namespace qac::testing
