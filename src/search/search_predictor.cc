#include "search/search_predictor.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace qac {

double mean_of(const std::vector<double>& values) {
  return std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
}

FullMetricPredictor FullMetricPredictor::from_per_sample(const Evaluation& fp32_full,
                                                         const Evaluation& int8_full,
                                                         const std::vector<size_t>& subset) {
  FullMetricPredictor predictor;
  predictor.uses_per_sample_ = true;
  const std::vector<double>& reference = fp32_full.per_sample;
  const std::vector<double>& quantized = int8_full.per_sample;
  const size_t n = quantized.size();
  predictor.base_proxy_ = mean_of(quantized);
  predictor.inverse_count_ = 1.0 / static_cast<double>(n);
  std::vector<size_t> indices = subset;
  if (indices.empty()) {
    indices.resize(n);
    std::iota(indices.begin(), indices.end(), size_t{0});
  }
  size_t disagreeing_total = 0;
  for (size_t i = 0; i < n; ++i) disagreeing_total += reference[i] != quantized[i] ? 1 : 0;
  size_t disagreeing_in_subset = 0;
  for (size_t i : indices) disagreeing_in_subset += reference[i] != quantized[i] ? 1 : 0;
  const double weight = disagreeing_in_subset == 0
                            ? 1.0
                            : static_cast<double>(disagreeing_total) /
                                  static_cast<double>(disagreeing_in_subset);
  for (size_t i : indices) {
    predictor.base_values_.push_back(quantized[i]);
    predictor.stratum_weight_.push_back(reference[i] != quantized[i] ? weight : 1.0);
  }
  predictor.add_point(mean_of(reference), fp32_full.metric);
  predictor.add_point(predictor.base_proxy_, int8_full.metric);
  return predictor;
}

FullMetricPredictor FullMetricPredictor::from_scores() { return FullMetricPredictor(); }

double FullMetricPredictor::proxy(double score, const std::vector<double>& subset_per_sample) const {
  if (!uses_per_sample_) return score;
  double weighted_change = 0;
  for (size_t k = 0; k < base_values_.size(); ++k) {
    weighted_change += stratum_weight_[k] * (subset_per_sample[k] - base_values_[k]);
  }
  return base_proxy_ + inverse_count_ * weighted_change;
}

std::vector<std::pair<size_t, double>> FullMetricPredictor::proxy_contributions(
    const std::vector<double>& subset_per_sample) const {
  std::vector<std::pair<size_t, double>> contributions;
  if (!uses_per_sample_) return contributions;
  for (size_t k = 0; k < base_values_.size(); ++k) {
    const double change = subset_per_sample[k] - base_values_[k];
    if (change != 0.0) contributions.emplace_back(k, inverse_count_ * stratum_weight_[k] * change);
  }
  return contributions;
}

void FullMetricPredictor::add_point(double proxy, double full_metric) {
  auto at = std::lower_bound(points_.begin(), points_.end(), proxy,
                             [](const std::pair<double, double>& point, double value) {
                               return point.first < value;
                             });
  if (at != points_.end() && at->first == proxy) {
    at->second = (at->second + full_metric) / 2.0;
    return;
  }
  points_.insert(at, {proxy, full_metric});
}

double FullMetricPredictor::metric_of(double proxy) const {
  // The segment [hi - 1, hi] containing `proxy`, or the nearest one outside the points.
  size_t hi = static_cast<size_t>(
      std::upper_bound(points_.begin(), points_.end(), proxy,
                       [](double value, const std::pair<double, double>& point) {
                         return value < point.first;
                       }) -
      points_.begin());
  hi = std::clamp<size_t>(hi, 1, points_.size() - 1);
  const auto& [x0, y0] = points_[hi - 1];
  const auto& [x1, y1] = points_[hi];
  return y0 + (proxy - x0) * (y1 - y0) / (x1 - x0);
}

}  // namespace qac
