#include "search/bootstrap.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace qac {
namespace {

// splitmix64 (Steele, Lea, Flood 2014): a small, portable, well-mixed 64-bit generator.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

 private:
  uint64_t state_;
};

double mean(const std::vector<double>& values) {
  double sum = 0;
  for (double v : values) sum += v;
  return sum / static_cast<double>(values.size());
}

// Quantile q in [0, 1] of sorted values, linear interpolation between order statistics at
// position q * (n - 1).
double sorted_quantile(const std::vector<double>& sorted, double q) {
  const double position = q * static_cast<double>(sorted.size() - 1);
  const size_t below = static_cast<size_t>(std::floor(position));
  const size_t above = std::min(below + 1, sorted.size() - 1);
  const double fraction = position - static_cast<double>(below);
  return sorted[below] + fraction * (sorted[above] - sorted[below]);
}

Status check_inputs(const std::vector<double>& reference, const std::vector<double>& candidate,
                    const BootstrapOptions& options) {
  if (reference.empty() || reference.size() != candidate.size()) {
    return Status::InvalidArgument("bootstrap: need the same non-zero number of per-sample values"
                                   " for the reference and the candidate (got " +
                                   std::to_string(reference.size()) + " and " +
                                   std::to_string(candidate.size()) + ")");
  }
  if (options.resamples == 0) return Status::InvalidArgument("bootstrap: resamples must be > 0");
  if (!(options.confidence > 0.0 && options.confidence < 1.0)) {
    return Status::InvalidArgument("bootstrap: confidence must be in (0, 1), got " +
                                   std::to_string(options.confidence));
  }
  for (size_t i = 0; i < reference.size(); ++i) {
    if (!std::isfinite(reference[i]) || !std::isfinite(candidate[i])) {
      return Status::InvalidData("bootstrap: per-sample value of sample " + std::to_string(i) +
                                 " is not finite");
    }
  }
  return Status::Ok();
}

}  // namespace

Result<DropInterval> bootstrap_drop_interval(const std::vector<double>& reference,
                                             const std::vector<double>& candidate, DropType type,
                                             const BootstrapOptions& options) {
  QAC_RETURN_IF_ERROR(check_inputs(reference, candidate, options));
  DropInterval interval;
  QAC_ASSIGN_OR_RETURN(interval.drop, accuracy_drop(mean(reference), mean(candidate), type));

  const size_t n = reference.size();
  SplitMix64 generator(options.seed);
  std::vector<double> drops;
  drops.reserve(options.resamples);
  for (size_t r = 0; r < options.resamples; ++r) {
    double reference_sum = 0;
    double candidate_sum = 0;
    for (size_t k = 0; k < n; ++k) {
      const size_t i = static_cast<size_t>(generator.next() % n);
      reference_sum += reference[i];
      candidate_sum += candidate[i];
    }
    const double count = static_cast<double>(n);
    Result<double> drop = accuracy_drop(reference_sum / count, candidate_sum / count, type);
    if (!drop.ok()) return drop.status().with_context("bootstrap resample " + std::to_string(r));
    drops.push_back(drop.value());
  }
  std::sort(drops.begin(), drops.end());
  const double tail = (1.0 - options.confidence) / 2.0;
  interval.low = sorted_quantile(drops, tail);
  interval.high = sorted_quantile(drops, 1.0 - tail);
  return interval;
}

}  // namespace qac
