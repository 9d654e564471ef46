#include "quant/histogram.h"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace qac {
namespace {

// Bin widths stay within normal floats: 2^-120 ~ 7.5e-37. Narrower spans are treated as
// that width (values so close together are indistinguishable for 8-bit quantization).
constexpr int kMinExponent = -120;
// Shifts beyond this merge everything into bins -1 and 0 (int64 arithmetic shift limit).
constexpr int kMaxShift = 62;
// Values are binned in chunks: first a vectorizable pass computing indices, then the scatter.
constexpr size_t kChunk = 1024;
// Interleaved sub-histograms break the store-to-load dependency of consecutive increments of
// the same bin (the zeros after a Relu); used when a call brings enough values to pay for
// folding them back.
constexpr size_t kLanes = 4;
constexpr size_t kLanesMinValuesPerBin = 2;

// floor(x / 2^exponent), saturated to +-2^61 so that far-away values (which can only fit after
// further growth) overflow neither the conversion nor differences of two indices.
int64_t floor_index(double x, int exponent) {
  constexpr double kLimit = 2305843009213693952.0;  // 2^61
  return static_cast<int64_t>(std::clamp(std::floor(std::ldexp(x, -exponent)), -kLimit, kLimit));
}

}  // namespace

Histogram::Histogram(size_t num_bins) : counts_(std::max<size_t>(num_bins, 2), 0) {}

double Histogram::bin_width() const { return std::ldexp(1.0, exponent_); }
double Histogram::range_lo() const { return std::ldexp(static_cast<double>(first_), exponent_); }
double Histogram::range_hi() const {
  return std::ldexp(static_cast<double>(first_ + static_cast<int64_t>(counts_.size())), exponent_);
}

void Histogram::start_bins(double lo, double hi) {
  const int64_t n = static_cast<int64_t>(counts_.size());
  // Smallest power of two w with floor(hi / w) - floor(lo / w) <= n - 1.
  int e = std::max(kMinExponent, static_cast<int>(std::floor(std::log2((hi - lo) / n))));
  while (floor_index(hi, e) - floor_index(lo, e) > n - 1) ++e;
  exponent_ = e;
  first_ = floor_index(lo, e);
  has_bins_ = true;
}

void Histogram::grow_to(double lo, double hi) {
  // Only the occupied bins [used_first, used_last] must survive; empty ones are dropped, so
  // the new range spans just the old data and the new values. m = 0 only moves the window.
  const int64_t n = static_cast<int64_t>(counts_.size());
  int64_t used_begin = 0;
  while (used_begin < n && counts_[static_cast<size_t>(used_begin)] == 0) ++used_begin;
  int64_t used_end = n;
  while (used_end > used_begin && counts_[static_cast<size_t>(used_end - 1)] == 0) --used_end;
  const bool any_used = used_begin < used_end;
  const int64_t used_first = first_ + used_begin;
  const int64_t used_last = first_ + used_end - 1;
  int m = 0;
  int64_t new_first = 0;
  for (;; ++m) {
    const int shift = std::min(m, kMaxShift);
    const int64_t lo_index = floor_index(lo, exponent_ + m);
    const int64_t hi_index = floor_index(hi, exponent_ + m);
    new_first = any_used ? std::min(used_first >> shift, lo_index) : lo_index;
    const int64_t new_last = any_used ? std::max(used_last >> shift, hi_index) : hi_index;
    if (new_last - new_first <= n - 1) break;
  }
  const int shift = std::min(m, kMaxShift);
  std::vector<uint64_t> merged(counts_.size(), 0);
  for (int64_t i = used_begin; i < used_end; ++i) {
    merged[static_cast<size_t>(((first_ + i) >> shift) - new_first)] += counts_[static_cast<size_t>(i)];
  }
  counts_.swap(merged);
  exponent_ += m;
  first_ = new_first;
}

void Histogram::add(const float* values, size_t n, float lo, float hi) {
  if (n == 0) return;
  assert(lo <= hi);
  if (!has_bins_) {
    const bool same_point = lo == hi && (total_ == 0 || lo == point_value_);
    if (same_point) {
      point_value_ = lo;
      total_ += n;
      return;
    }
    const uint64_t pending = total_;
    const double point = point_value_;
    const double span_lo = pending ? std::min<double>(lo, point) : lo;
    const double span_hi = pending ? std::max<double>(hi, point) : hi;
    start_bins(span_lo, span_hi);
    if (pending) counts_[static_cast<size_t>(floor_index(point, exponent_) - first_)] += pending;
  } else {
    const int64_t last = first_ + static_cast<int64_t>(counts_.size()) - 1;
    if (floor_index(lo, exponent_) < first_ || floor_index(hi, exponent_) > last) grow_to(lo, hi);
  }
  add_to_bins(values, n);
  total_ += n;
}

void Histogram::add_to_bins(const float* values, size_t n) {
  // bin = x * (1 / w) - first; w is a power of two so the multiply is exact (and cannot
  // overflow, unlike x - range_lo). The subtraction may round when first is beyond 2^24: the
  // clamp keeps such edge values in the first or last bin.
  const float base = static_cast<float>(first_);
  const float inv_width = static_cast<float>(std::ldexp(1.0, -exponent_));
  const int32_t max_bin = static_cast<int32_t>(counts_.size()) - 1;
  const bool use_lanes = n >= kLanesMinValuesPerBin * kLanes * counts_.size();
  thread_local std::vector<uint32_t> lanes;
  if (use_lanes) lanes.assign(counts_.size() * kLanes, 0);

  int32_t idx[kChunk];
  for (size_t begin = 0; begin < n; begin += kChunk) {
    const size_t len = std::min(kChunk, n - begin);
    const float* v = values + begin;
    for (size_t i = 0; i < len; ++i) {
      const int32_t b = static_cast<int32_t>(v[i] * inv_width - base);
      idx[i] = std::clamp(b, 0, max_bin);
    }
    if (use_lanes) {
      size_t i = 0;
      for (; i + kLanes <= len; i += kLanes) {
        for (size_t l = 0; l < kLanes; ++l) ++lanes[static_cast<size_t>(idx[i + l]) * kLanes + l];
      }
      for (; i < len; ++i) ++lanes[static_cast<size_t>(idx[i]) * kLanes];
    } else {
      for (size_t i = 0; i < len; ++i) ++counts_[static_cast<size_t>(idx[i])];
    }
  }
  if (use_lanes) {
    for (size_t b = 0; b < counts_.size(); ++b) {
      uint64_t sum = 0;
      for (size_t l = 0; l < kLanes; ++l) sum += lanes[b * kLanes + l];
      counts_[b] += sum;
    }
  }
}

std::vector<HistogramBin> Histogram::nonempty_bins() const {
  std::vector<HistogramBin> bins;
  if (total_ == 0) return bins;
  if (!has_bins_) {
    bins.push_back({point_value_, point_value_, static_cast<double>(total_)});
    return bins;
  }
  const double w = bin_width();
  for (size_t i = 0; i < counts_.size(); ++i) {
    if (counts_[i] == 0) continue;
    const double left = std::ldexp(static_cast<double>(first_ + static_cast<int64_t>(i)), exponent_);
    bins.push_back({left, left + w, static_cast<double>(counts_[i])});
  }
  return bins;
}

Histogram::AbsHistogram Histogram::abs_histogram(size_t max_bins) const {
  assert(has_bins_);
  // Absolute bin a >= 0 covers [a w, (a+1) w) -> |x| bin a; a < 0 covers [a w, (a+1) w) ->
  // |x| in ((-a-1) w, -a w] -> |x| bin -a-1. Then |x| bin k merges into k >> shift.
  const int64_t n = static_cast<int64_t>(counts_.size());
  const int64_t last = first_ + n - 1;
  const int64_t largest = std::max<int64_t>(last, -first_ - 1);
  const int64_t limit = max_bins == 0 ? n : static_cast<int64_t>(max_bins);
  int shift = 0;
  while ((largest >> shift) >= limit) ++shift;
  AbsHistogram out;
  out.bin_width = std::ldexp(1.0, exponent_ + shift);
  out.counts.assign(static_cast<size_t>((largest >> shift) + 1), 0);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t a = first_ + i;
    out.counts[static_cast<size_t>((a >= 0 ? a : -a - 1) >> shift)] += counts_[static_cast<size_t>(i)];
  }
  return out;
}

double Histogram::quantile(double q) const {
  assert(total_ > 0);
  if (!has_bins_) return point_value_;
  const double target = std::clamp(q, 0.0, 1.0) * static_cast<double>(total_);
  const double w = bin_width();
  double cumulative = 0.0;
  size_t last_nonempty = 0;
  for (size_t i = 0; i < counts_.size(); ++i) {
    if (counts_[i] == 0) continue;
    last_nonempty = i;
    const double c = static_cast<double>(counts_[i]);
    if (cumulative + c >= target) {
      const double left = std::ldexp(static_cast<double>(first_ + static_cast<int64_t>(i)), exponent_);
      return left + w * (target - cumulative) / c;
    }
    cumulative += c;
  }
  return std::ldexp(static_cast<double>(first_ + static_cast<int64_t>(last_nonempty) + 1), exponent_);
}

double Histogram::fraction_outside(double lo, double hi, double data_min, double data_max) const {
  assert(total_ > 0 && lo <= hi && data_min <= data_max);
  if (!has_bins_) return point_value_ < lo || point_value_ > hi ? 1.0 : 0.0;
  const double w = bin_width();
  double outside = 0.0;
  for (size_t i = 0; i < counts_.size(); ++i) {
    if (counts_[i] == 0) continue;
    const double bin_left = std::ldexp(static_cast<double>(first_ + static_cast<int64_t>(i)), exponent_);
    const double left = std::max(bin_left, data_min), right = std::min(bin_left + w, data_max);
    double share_inside;
    if (right <= left) {  // the bin's values sit at one point
      share_inside = left >= lo && left <= hi ? 1.0 : 0.0;
    } else {
      share_inside = std::max(0.0, std::min(right, hi) - std::max(left, lo)) / (right - left);
    }
    outside += static_cast<double>(counts_[i]) * (1.0 - share_inside);
  }
  return outside / static_cast<double>(total_);
}

void Histogram::write(ByteWriter& out) const {
  out.put_vector(counts_).put(total_).put<uint8_t>(has_bins_ ? 1 : 0).put(point_value_).put(exponent_).put(first_);
}

bool Histogram::read(ByteReader& in) {
  uint8_t has_bins = 0;
  if (!in.get_vector(counts_) || !in.get(total_) || !in.get(has_bins) || !in.get(point_value_) || !in.get(exponent_) ||
      !in.get(first_)) {
    return false;
  }
  has_bins_ = has_bins != 0;
  // The invariants the other methods rely on: a bounded window far from int64 overflow, and a
  // total that is the sum of the bins (no bins in use before has_bins_).
  constexpr size_t kMaxBins = size_t{1} << 24;
  constexpr int64_t kMaxIndex = int64_t{1} << 62;
  if (counts_.size() < 2 || counts_.size() > kMaxBins || first_ <= -kMaxIndex || first_ >= kMaxIndex ||
      exponent_ < -1100 || exponent_ > 1100) {
    return false;
  }
  uint64_t sum = 0;
  for (uint64_t c : counts_) {
    if (c > total_ - sum) return false;
    sum += c;
  }
  return has_bins_ ? sum == total_ : sum == 0;
}

}  // namespace qac
