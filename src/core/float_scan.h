// Vectorized scans over float arrays: the inner loops of calibration statistics, shared by the
// host-side accumulation (quant/tensor_stats) and the in-graph observer kernels (runtime).
// AVX2 is used when the CPU has it (checked once at run time), SSE2 otherwise.
#pragma once

#include <cstddef>
#include <cstdint>

namespace qac {

// Min and max of n floats, and whether any value is NaN. Infinities show up as an infinite lo or
// hi. For n == 0: lo = +inf, hi = -inf.
struct RangeScan {
  float lo;
  float hi;
  bool any_nan;
  bool all_finite() const;
};
RangeScan scan_range(const float* p, size_t n);

// Min and max over the finite values of n floats, and the number of NaN / +-inf values.
// lo > hi (+inf, -inf) when no value is finite. One vectorized pass; a second, scalar pass only
// when the first saw a non-finite value.
struct FiniteRange {
  float lo;
  float hi;
  uint64_t nonfinite;
};
FiniteRange finite_range(const float* p, size_t n);

// Sum of n floats: float lanes within blocks of 1024 values, double across blocks.
double sum_floats(const float* p, size_t n);

// out[c] += sum over o < outer, i < inner of p[(o * channels + c) * inner + i], for the channels
// c in [c_begin, c_end): the channel sums of a tensor viewed as [outer, channels, inner]. Each
// channel is summed in the same order whatever the range, so splitting the channels over
// threads gives the same result.
void accumulate_channel_sums(const float* p, size_t outer, size_t channels, size_t inner,
                             size_t c_begin, size_t c_end, double* out);

// For every column c of the row-major [rows, cols] matrix p: absmax[c] = max(absmax[c], |p[r][c]|)
// over all rows. NaN values leave absmax unchanged.
void accumulate_column_absmax(const float* p, size_t rows, size_t cols, float* absmax);

}  // namespace qac
