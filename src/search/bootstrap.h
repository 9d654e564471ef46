// Confidence interval of an accuracy drop from per-sample metric values (paired bootstrap).
//
// Algorithm (percentile method):
//   1. drop = accuracy_drop(mean(reference), mean(candidate), type) on all n samples.
//   2. Repeat `resamples` times: draw n sample indices uniformly with replacement (the same
//      indices for the reference and the candidate: the pairing removes the between-sample
//      variance both models share), compute the drop of the two resampled means.
//   3. The interval is the [(1-c)/2, 1-(1-c)/2] quantiles of the resampled drops (c = the
//      confidence), linearly interpolated between order statistics.
//
// ASSUMES a mean-type metric: the metric of any set of samples is the mean of their per-sample
// values (true for accuracy, agreement, SQNR, cosine, NMSE, 1-CER averaged per sample; not for
// F1, mAP or a corpus-level CER).
// Deterministic: the generator is splitmix64 seeded with `seed`, indices are
// `next() % n` (bias below n / 2^64).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "search/drop.h"
#include "qac/status.h"

namespace qac {

inline constexpr size_t kDefaultBootstrapResamples = 1000;
inline constexpr double kDefaultBootstrapConfidence = 0.95;
inline constexpr uint64_t kDefaultBootstrapSeed = 20240229;

struct BootstrapOptions {
  size_t resamples = kDefaultBootstrapResamples;
  double confidence = kDefaultBootstrapConfidence;  // in (0, 1)
  uint64_t seed = kDefaultBootstrapSeed;
};

struct DropInterval {
  double drop = 0;  // the drop on all samples
  double low = 0;   // lower end of the confidence interval
  double high = 0;  // upper end
};

// REQUIRES: reference.size() == candidate.size() > 0, all values finite, resamples > 0,
//           0 < confidence < 1; otherwise InvalidArgument / InvalidData naming the problem.
// A relative drop whose reference mean is 0 (on all samples or on a resample) is
// InvalidArgument.
Result<DropInterval> bootstrap_drop_interval(const std::vector<double>& reference,
                                             const std::vector<double>& candidate, DropType type,
                                             const BootstrapOptions& options = {});

}  // namespace qac
