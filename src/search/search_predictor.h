// FullMetricPredictor: predicts a configuration's full-set metric from its evaluation on a
// small screening subset, so that qac can screen configurations cheaply. Predictions only
// steer the search; every "within budget" claim is confirmed on the full set.
//
// Two stages: a PROXY computed from the subset evaluation, then a calibration map from the
// proxy to the metric.
//
// Proxy, metrics with per-sample values: a stratified estimate of the full-set MEAN of the
// per-sample values. The validation set splits into D, the samples where FP32 and the fully
// quantized model disagree, and A, the ones where they agree. With v0 the fully quantized
// per-sample values, S the screening subset and N samples:
//     proxy(c) = mean(v0) + 1/N * ( |D| / |S∩D| * sum_{i in S∩D} (v_c[i] - v0[i])
//                                 +               sum_{i in S∩A} (v_c[i] - v0[i]) )
// The D stratum is extrapolated (when S holds only part of D, as a uniform sample of it);
// samples of A outside S are assumed unchanged (a revert moves a model towards FP32, and these
// samples already agree with FP32). Exact when S contains D and reverts leave the other
// samples of A unchanged.
// Proxy, metrics without per-sample values: the subset score itself (-output NMSE).
//
// Calibration: piecewise-linear interpolation of measured (proxy, full metric) points, linear
// extrapolation with the nearest segment outside them. The FP32 and fully quantized models
// give the first two points for free (FP32: mean of its per-sample values, or NMSE 0). For a
// mean-type metric (metric = scale * mean) those two points already make the map exact; for
// other aggregations (F1, corpus-level scores, a squared mean) each full-set measurement adds a
// point.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

#include "search/config_oracle.h"

namespace qac {

class FullMetricPredictor {
 public:
  // REQUIRES: fp32_full / int8_full carry per-sample values for all N samples; `subset` is
  // the sorted screening subset (empty = all samples).
  static FullMetricPredictor from_per_sample(const Evaluation& fp32_full,
                                             const Evaluation& int8_full,
                                             const std::vector<size_t>& subset);
  // The proxy is the subset score; calibration starts empty (add the points).
  static FullMetricPredictor from_scores();

  bool uses_per_sample() const { return uses_per_sample_; }

  // The proxy of a configuration from its subset evaluation: `score` is its subset score
  // (used without per-sample values), `subset_per_sample` its per-sample values on the subset.
  // REQUIRES: uses_per_sample() implies subset_per_sample.size() == subset size.
  double proxy(double score, const std::vector<double>& subset_per_sample) const;
  // uses_per_sample(): the terms of proxy() - mean(v0), one per subset sample whose value
  // differs from the fully quantized model's: (subset position, contribution to the proxy).
  std::vector<std::pair<size_t, double>> proxy_contributions(
      const std::vector<double>& subset_per_sample) const;

  // Adds a measured (proxy, full metric) point; a repeated proxy averages the metrics.
  void add_point(double proxy, double full_metric);
  // Two points with distinct proxies.
  bool ready() const { return points_.size() >= 2; }
  // REQUIRES: ready().
  double metric_of(double proxy) const;

 private:
  FullMetricPredictor() = default;

  bool uses_per_sample_ = false;
  double base_proxy_ = 0;               // mean(v0)
  double inverse_count_ = 0;            // 1 / N
  std::vector<double> base_values_;     // v0 on the subset, aligned with it
  std::vector<double> stratum_weight_;  // |D|/|S∩D| for subset samples in D, 1 for those in A
  std::vector<std::pair<double, double>> points_;  // sorted by proxy, distinct proxies
};

// Mean of per-sample values (the proxy of a configuration measured on all samples).
// REQUIRES: !values.empty().
double mean_of(const std::vector<double>& values);

}  // namespace qac
