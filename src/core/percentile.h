// Order statistics of measured values (latencies, per-node times).
#pragma once

#include <utility>
#include <vector>

namespace qac {

// The q-quantile of `values` (0 <= q <= 1), interpolated linearly between the two nearest
// order statistics (numpy's default): q = 0.5 is the median, 0 the minimum, 1 the maximum.
// NaN when `values` is empty.
double percentile(std::vector<double> values, double q);

inline double median(std::vector<double> values) { return percentile(std::move(values), 0.5); }

}  // namespace qac
