#include "quant/range_estimator.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>

namespace qac {
namespace {

// MSE search: a coarse grid over (0, limit], then a finer grid around the best point.
constexpr int kMseCoarseSteps = 64;
constexpr int kMseFineSteps = 16;
// Mixed preset: alternate the searches for hi and lo this many times.
constexpr int kMseAsymmetricRounds = 2;
// KL: quantized levels of |x| (int8 has 128 per side; uint8 256 on [0, t]).
constexpr size_t kKlSignedLevels = 128;
constexpr size_t kKlUnsignedLevels = 256;
// KL: the |x| histogram has at most this many bins (TensorRT's resolution)...
constexpr size_t kKlMaxBins = 2048;
// ...and at most this many candidate thresholds are scored (evenly spaced over the bins).
constexpr size_t kKlMaxCandidates = 256;
// KL: probability mass given to empty bins so that the divergence stays finite.
constexpr double kKlSmoothing = 1e-4;

double cube(double x) { return x * x * x; }

// H(t) = integral_0^t (frac(u) - 1/2)^2 du = floor(t) / 12 + ((frac(t) - 1/2)^3 + 1/8) / 3.
double rounding_error_primitive(double t) {
  const double whole = std::floor(t);
  const double f = t - whole;
  return whole / 12.0 + (cube(f - 0.5) + 0.125) / 3.0;
}

double point_error(double x, const QParams& p) {
  const double k = std::clamp(std::nearbyint(x / p.scale) + p.zero_point,
                              static_cast<double>(p.qmin()), static_cast<double>(p.qmax()));
  const double e = x - (k - p.zero_point) * p.scale;
  return e * e;
}

// Minimizes f over (0, limit]: grid x_k = limit * k / K, then a grid of the same kind between
// the neighbours of the best point. Ties keep the larger x (less clipping).
double minimize_on_interval(const std::function<double(double)>& f, double limit) {
  double best_x = limit;
  double best = f(limit);
  int best_k = kMseCoarseSteps;
  for (int k = kMseCoarseSteps - 1; k >= 1; --k) {
    const double x = limit * k / kMseCoarseSteps;
    const double v = f(x);
    if (v < best) { best = v; best_x = x; best_k = k; }
  }
  const double left = limit * (best_k - 1) / kMseCoarseSteps;
  const double right = limit * std::min(best_k + 1, kMseCoarseSteps) / kMseCoarseSteps;
  for (int k = kMseFineSteps - 1; k >= 1; --k) {
    const double x = left + (right - left) * k / kMseFineSteps;
    if (x <= 0.0) continue;
    const double v = f(x);
    if (v < best) { best = v; best_x = x; }
  }
  return best_x;
}

std::pair<float, float> mse_range(const TensorStats& stats, Preset preset, bool force_symmetric,
                                  const std::string& name) {
  const std::vector<HistogramBin> bins = stats.histogram()->nonempty_bins();
  const double lo = stats.min(), hi = stats.max();
  auto sse = [&](double a, double b) {
    Result<QParams> p = activation_qparams(static_cast<float>(a), static_cast<float>(b), preset,
                                           force_symmetric, name);
    return p.ok() ? expected_quantization_sse(bins, p.value()) : std::numeric_limits<double>::max();
  };
  const bool symmetric = force_symmetric || preset == Preset::kPerformance;
  if (lo >= 0.0) {  // [0, c]: only hi
    const double c = minimize_on_interval([&](double x) { return sse(0.0, x); }, hi);
    return {stats.min(), static_cast<float>(std::min(c, hi))};
  }
  if (symmetric) {  // [-c, c], int8
    const double absmax = std::max(-lo, hi);
    const double c = minimize_on_interval([&](double x) { return sse(-x, x); }, absmax);
    return {static_cast<float>(std::max(lo, -c)), static_cast<float>(std::min(hi, c))};
  }
  if (hi <= 0.0) {  // [lo, 0]: only lo
    const double c = minimize_on_interval([&](double x) { return sse(-x, 0.0); }, -lo);
    return {static_cast<float>(-c), stats.max()};
  }
  double a = lo, b = hi;
  for (int round = 0; round < kMseAsymmetricRounds; ++round) {
    b = minimize_on_interval([&](double x) { return sse(a, x); }, hi);
    a = -minimize_on_interval([&](double x) { return sse(-x, b); }, -lo);
  }
  return {static_cast<float>(a), static_cast<float>(b)};
}

// Smoothed, normalized copy of `counts`: empty bins get kKlSmoothing, taken from the others.
// Returns false when every count is zero.
bool smoothed_distribution(const std::vector<double>& counts, std::vector<double>& out) {
  double total = 0.0;
  size_t nonzero = 0;
  for (double c : counts) {
    total += c;
    nonzero += c > 0.0 ? 1 : 0;
  }
  if (nonzero == 0) return false;
  const size_t zeros = counts.size() - nonzero;
  const double taken = kKlSmoothing * static_cast<double>(zeros) / static_cast<double>(nonzero);
  out.resize(counts.size());
  for (size_t i = 0; i < counts.size(); ++i) {
    out[i] = counts[i] > 0.0 ? counts[i] / total - taken : kKlSmoothing;
  }
  return true;
}

// TensorRT entropy calibration: for each candidate threshold bin i, P = |x| bins [0, i) with
// the mass beyond folded into bin i-1; Q = bins [0, i) merged into `levels` groups, each
// group's mass spread evenly over its non-empty bins. Picks the i minimizing KL(P || Q).
double kl_threshold(const Histogram& hist, size_t levels) {
  const Histogram::AbsHistogram abs = hist.abs_histogram(kKlMaxBins);
  const std::vector<uint64_t>& c = abs.counts;
  const size_t n = c.size();
  if (n <= levels) return abs.bin_width * static_cast<double>(n);
  std::vector<double> suffix(n + 1, 0.0);
  for (size_t j = n; j-- > 0;) suffix[j] = suffix[j + 1] + static_cast<double>(c[j]);

  const size_t stride = std::max<size_t>(1, (n - levels) / kKlMaxCandidates);
  size_t best_i = n;
  double best_kl = std::numeric_limits<double>::max();
  std::vector<double> p, q, ps, qs;
  for (size_t i = n; i >= levels; i = i >= levels + stride ? i - stride : levels - 1) {
    p.assign(c.begin(), c.begin() + static_cast<ptrdiff_t>(i));
    p[i - 1] += suffix[i];
    q.assign(i, 0.0);
    const size_t per_group = i / levels;
    for (size_t g = 0; g < levels; ++g) {
      const size_t begin = g * per_group;
      const size_t end = g + 1 == levels ? i : begin + per_group;
      double mass = 0.0;
      size_t nonzero = 0;
      for (size_t j = begin; j < end; ++j) {
        mass += static_cast<double>(c[j]);
        nonzero += p[j] > 0.0 ? 1 : 0;
      }
      if (nonzero == 0) continue;
      for (size_t j = begin; j < end; ++j) q[j] = p[j] > 0.0 ? mass / nonzero : 0.0;
    }
    if (!smoothed_distribution(p, ps) || !smoothed_distribution(q, qs)) continue;
    double kl = 0.0;
    for (size_t j = 0; j < i; ++j) {
      if (ps[j] > 0.0 && qs[j] > 0.0) kl += ps[j] * std::log(ps[j] / qs[j]);
    }
    if (kl < best_kl) {
      best_kl = kl;
      best_i = i;
    }
    if (i == levels) break;
  }
  return abs.bin_width * static_cast<double>(best_i);
}

Status check_quantile(double quantile, const std::string& name) {
  if (!(quantile > 0.0 && quantile < 0.5)) {
    return Status::InvalidArgument("quantile " + std::to_string(quantile) + " for tensor '" +
                                   name + "' must lie in (0, 0.5)");
  }
  return Status::Ok();
}

}  // namespace

double expected_quantization_sse(const std::vector<HistogramBin>& bins, const QParams& p) {
  const double rmin = p.real_min(), rmax = p.real_max(), s = p.scale;
  // Inside [rmin, rmax], with t = (x - rmin) / s + 1/2: x - Q(x) = s (frac(t) - 1/2), so
  // integral_u^v (x - Q(x))^2 dx = s^3 (H(t_v) - H(t_u)).
  auto t_of = [&](double x) { return (x - rmin) / s + 0.5; };
  double total = 0.0;
  for (const HistogramBin& bin : bins) {
    const double a = bin.lo, b = bin.hi;
    if (!(b > a)) {
      total += bin.count * point_error(a, p);
      continue;
    }
    double integral = 0.0;
    if (a < rmin) integral += (cube(rmin - a) - cube(rmin - std::min(b, rmin))) / 3.0;
    if (b > rmax) integral += (cube(b - rmax) - cube(std::max(a, rmax) - rmax)) / 3.0;
    const double u = std::max(a, rmin), v = std::min(b, rmax);
    if (u < v) {
      integral += cube(s) * (rounding_error_primitive(t_of(v)) - rounding_error_primitive(t_of(u)));
    }
    total += integral * bin.count / (b - a);
  }
  return total;
}

Result<std::pair<float, float>> estimate_range(const TensorStats& stats, RangeEstimator estimator,
                                               double quantile, Preset preset,
                                               const std::string& tensor_name,
                                               bool force_symmetric) {
  if (stats.num_nonfinite() > 0) {
    return Status::InvalidData("tensor '" + tensor_name + "' produced " +
                               std::to_string(stats.num_nonfinite()) +
                               " NaN or infinite values on the calibration data");
  }
  if (stats.num_values() == 0) {
    return Status::InvalidData("tensor '" + tensor_name +
                               "' produced no values on the calibration data");
  }
  const bool needs_histogram = estimator == RangeEstimator::kQuantile ||
                               estimator == RangeEstimator::kMse ||
                               estimator == RangeEstimator::kKl;
  if (needs_histogram && stats.histogram() == nullptr) {
    return Status::InvalidArgument("range estimator for tensor '" + tensor_name +
                                   "' needs a histogram, which was not collected");
  }
  const std::pair<float, float> minmax{stats.min(), stats.max()};
  if (stats.min() == stats.max()) return minmax;
  switch (estimator) {
    case RangeEstimator::kMinMax:
      return minmax;
    case RangeEstimator::kMeanMinMax:
      return std::pair<float, float>{static_cast<float>(stats.mean_sample_min()),
                                     static_cast<float>(stats.mean_sample_max())};
    case RangeEstimator::kQuantile: {
      QAC_RETURN_IF_ERROR(check_quantile(quantile, tensor_name));
      const Histogram& h = *stats.histogram();
      const float lo = static_cast<float>(h.quantile(quantile));
      const float hi = static_cast<float>(h.quantile(1.0 - quantile));
      return std::pair<float, float>{std::max(lo, stats.min()), std::min(hi, stats.max())};
    }
    case RangeEstimator::kMse:
      return mse_range(stats, preset, force_symmetric, tensor_name);
    case RangeEstimator::kKl: {
      const bool non_negative = stats.min() >= 0.0f;
      const float t = static_cast<float>(
          kl_threshold(*stats.histogram(), non_negative ? kKlUnsignedLevels : kKlSignedLevels));
      return std::pair<float, float>{std::max(stats.min(), -t), std::min(stats.max(), t)};
    }
  }
  return Status::Internal("unknown range estimator for tensor '" + tensor_name + "'");
}

Result<std::pair<float, float>> estimate_range_guarded(const TensorStats& stats, RangeEstimator estimator,
                                                       double quantile, Preset preset, const std::string& tensor_name,
                                                       ActivationTypes types, std::string* fallback) {
  QAC_ASSIGN_OR_RETURN(auto range, estimate_range(stats, estimator, quantile, preset, tensor_name));
  const bool clips = estimator == RangeEstimator::kQuantile || estimator == RangeEstimator::kMse ||
                     estimator == RangeEstimator::kKl;
  const Histogram* h = stats.histogram();
  if (!clips || h == nullptr || h->empty() || !(stats.min() < stats.max())) return range;
  const std::vector<HistogramBin> bins = h->nonempty_bins();
  auto error_of = [&](float lo, float hi) -> Result<double> {
    QAC_ASSIGN_OR_RETURN(QParams p, activation_qparams(lo, hi, preset, false, tensor_name, types));
    return expected_quantization_sse(bins, p);
  };
  const std::pair<float, float> reference{static_cast<float>(stats.mean_sample_min()),
                                          static_cast<float>(stats.mean_sample_max())};
  QAC_ASSIGN_OR_RETURN(double chosen_error, error_of(range.first, range.second));
  QAC_ASSIGN_OR_RETURN(double reference_error, error_of(reference.first, reference.second));
  if (!(chosen_error > kMaxRangeErrorRatio * reference_error)) return range;
  if (fallback) {
    char line[320];
    std::snprintf(line, sizeof line,
                  "range guard: tensor '%s': the estimator's range [%.4g, %.4g] of data in [%.4g, %.4g] clips %.2f%% "
                  "of the calibration values and has %.0fx the expected quantization error of the mean min/max "
                  "range [%.4g, %.4g], which is used instead",
                  tensor_name.c_str(), range.first, range.second, stats.min(), stats.max(),
                  100.0 * h->fraction_outside(range.first, range.second, stats.min(), stats.max()),
                  reference_error > 0 ? chosen_error / reference_error : 0.0, reference.first, reference.second);
    *fallback = line;
  }
  return reference;
}

}  // namespace qac
