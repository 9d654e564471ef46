// A one-pass histogram whose range grows with the data.
//
// Bins have width w = 2^e and are anchored at 0: absolute bin a covers [a * w, (a + 1) * w).
// The histogram stores `num_bins` consecutive absolute bins [first, first + num_bins). When new
// values fall outside, the window moves and the width is multiplied by 2^m, m >= 0 the smallest
// that makes the occupied old bins and the new values fit; old bins merge exactly: absolute bin
// a becomes a >> m (floor division). So one pass suffices without knowing the range in
// advance, and the data always spans at least about half of the bins (the width is at most
// 2 (max - min) / num_bins).
// 0 is always a bin edge, so the histogram folds exactly into a histogram of |x|.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/byte_record.h"

namespace qac {

// Data spans at least about half of the bins, so a two-sided tensor gets >= ~1024 bins of |x|:
// KL calibration (128 levels) can then pick thresholds down to ~absmax / 8. 32 KiB per tensor.
inline constexpr size_t kDefaultHistogramBins = 4096;

// A span of values with its count; values are assumed uniform on [lo, hi) (lo == hi: a point).
struct HistogramBin {
  double lo = 0.0;
  double hi = 0.0;
  double count = 0.0;
};

class Histogram {
 public:
  explicit Histogram(size_t num_bins = kDefaultHistogramBins);

  // Adds n values whose minimum and maximum are `lo` and `hi`.
  // REQUIRES: all values finite, lo <= every value <= hi.
  void add(const float* values, size_t n, float lo, float hi);

  uint64_t total() const { return total_; }
  bool empty() const { return total_ == 0; }
  size_t num_bins() const { return counts_.size(); }
  // False while every value seen so far was the same (`point_value()`); no bins exist then.
  bool has_bins() const { return has_bins_; }
  double point_value() const { return point_value_; }
  double bin_width() const;
  double range_lo() const;  // left edge of the first stored bin
  double range_hi() const;  // right edge of the last stored bin
  const std::vector<uint64_t>& counts() const { return counts_; }

  // Non-empty bins in increasing order (a single point bin before has_bins()).
  std::vector<HistogramBin> nonempty_bins() const;
  // Histogram of |x|: counts[k] holds |x| in [k * bin_width, (k + 1) * bin_width). Bins are
  // merged by powers of two (exactly) until at most max_bins (0: num_bins()) remain.
  // REQUIRES: has_bins().
  struct AbsHistogram {
    std::vector<uint64_t> counts;
    double bin_width = 0.0;
  };
  AbsHistogram abs_histogram(size_t max_bins = 0) const;
  // The value below which a fraction q of the values lie, interpolating linearly inside a bin.
  // REQUIRES: !empty(), 0 <= q <= 1.
  double quantile(double q) const;
  // The fraction of the values below `lo` or above `hi`, values uniform within the part of
  // each bin that lies in [data_min, data_max] (the smallest and largest value added: a value
  // that occurs often at the extreme, as a saturated input does, is not spread past it).
  // REQUIRES: !empty(), lo <= hi, data_min <= data_max.
  double fraction_outside(double lo, double hi, double data_min, double data_max) const;

  // Appends the whole state to `out`; read() restores an equal histogram from it, and returns
  // false on bytes that are not one (the histogram is then unspecified).
  void write(ByteWriter& out) const;
  bool read(ByteReader& in);

 private:
  void start_bins(double lo, double hi);
  void grow_to(double lo, double hi);
  void add_to_bins(const float* values, size_t n);

  std::vector<uint64_t> counts_;
  uint64_t total_ = 0;
  bool has_bins_ = false;
  double point_value_ = 0.0;
  int exponent_ = 0;     // w = 2^exponent_
  int64_t first_ = 0;    // absolute index of counts_[0]
};

}  // namespace qac
