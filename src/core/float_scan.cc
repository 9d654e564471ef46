#include "core/float_scan.h"

#include <algorithm>
#include <cmath>
#include <limits>

#if defined(__x86_64__) || defined(__i386__)
#define QAC_X86 1
#include <immintrin.h>
#endif

namespace qac {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

RangeScan scan_range_scalar(const float* p, size_t n, RangeScan r) {
  for (size_t i = 0; i < n; ++i) {
    const float x = p[i];
    r.lo = x < r.lo ? x : r.lo;  // NaN compares false: left out
    r.hi = x > r.hi ? x : r.hi;
    r.any_nan = r.any_nan || std::isnan(x);
  }
  return r;
}

#if defined(QAC_X86)
// min_ps(x, acc) returns acc when x is NaN, so NaN never enters the accumulators; an unordered
// compare of the two loaded vectors flags it instead.
RangeScan scan_range_sse2(const float* p, size_t n) {
  __m128 lo0 = _mm_set1_ps(kInf), lo1 = lo0;
  __m128 hi0 = _mm_set1_ps(-kInf), hi1 = hi0;
  __m128 nan = _mm_setzero_ps();
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m128 a = _mm_loadu_ps(p + i);
    const __m128 b = _mm_loadu_ps(p + i + 4);
    lo0 = _mm_min_ps(a, lo0);
    hi0 = _mm_max_ps(a, hi0);
    lo1 = _mm_min_ps(b, lo1);
    hi1 = _mm_max_ps(b, hi1);
    nan = _mm_or_ps(nan, _mm_cmpunord_ps(a, b));
  }
  alignas(16) float los[4], his[4];
  _mm_store_ps(los, _mm_min_ps(lo0, lo1));
  _mm_store_ps(his, _mm_max_ps(hi0, hi1));
  RangeScan r{kInf, -kInf, _mm_movemask_ps(nan) != 0};
  for (int k = 0; k < 4; ++k) {
    r.lo = std::min(r.lo, los[k]);
    r.hi = std::max(r.hi, his[k]);
  }
  return scan_range_scalar(p + i, n - i, r);
}

__attribute__((target("avx2"))) RangeScan scan_range_avx2(const float* p, size_t n) {
  __m256 lo0 = _mm256_set1_ps(kInf), lo1 = lo0;
  __m256 hi0 = _mm256_set1_ps(-kInf), hi1 = hi0;
  __m256 nan = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m256 a = _mm256_loadu_ps(p + i);
    const __m256 b = _mm256_loadu_ps(p + i + 8);
    lo0 = _mm256_min_ps(a, lo0);
    hi0 = _mm256_max_ps(a, hi0);
    lo1 = _mm256_min_ps(b, lo1);
    hi1 = _mm256_max_ps(b, hi1);
    nan = _mm256_or_ps(nan, _mm256_cmp_ps(a, b, _CMP_UNORD_Q));
  }
  alignas(32) float los[8], his[8];
  _mm256_store_ps(los, _mm256_min_ps(lo0, lo1));
  _mm256_store_ps(his, _mm256_max_ps(hi0, hi1));
  RangeScan r{kInf, -kInf, _mm256_movemask_ps(nan) != 0};
  for (int k = 0; k < 8; ++k) {
    r.lo = std::min(r.lo, los[k]);
    r.hi = std::max(r.hi, his[k]);
  }
  return scan_range_scalar(p + i, n - i, r);
}

__attribute__((target("avx2"))) double sum_block_avx2(const float* p, size_t n) {
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    acc0 = _mm256_add_ps(acc0, _mm256_loadu_ps(p + i));
    acc1 = _mm256_add_ps(acc1, _mm256_loadu_ps(p + i + 8));
  }
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, _mm256_add_ps(acc0, acc1));
  float block = ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) +
                ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
  for (; i < n; ++i) block += p[i];
  return block;
}

bool cpu_has_avx2() {
  static const bool has = __builtin_cpu_supports("avx2");
  return has;
}
#endif

double sum_block_portable(const float* p, size_t n) {
  float lanes[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (int k = 0; k < 8; ++k) lanes[k] += p[i + static_cast<size_t>(k)];
  }
  float block = ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) +
                ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
  for (; i < n; ++i) block += p[i];
  return block;
}

}  // namespace

bool RangeScan::all_finite() const { return !any_nan && std::isfinite(lo) && std::isfinite(hi); }

RangeScan scan_range(const float* p, size_t n) {
#if defined(QAC_X86)
  return cpu_has_avx2() ? scan_range_avx2(p, n) : scan_range_sse2(p, n);
#else
  return scan_range_scalar(p, n, RangeScan{kInf, -kInf, false});
#endif
}

FiniteRange finite_range(const float* p, size_t n) {
  const RangeScan fast = scan_range(p, n);
  if (fast.all_finite() || n == 0) return {fast.lo, fast.hi, 0};
  FiniteRange r{kInf, -kInf, 0};
  for (size_t i = 0; i < n; ++i) {
    if (std::isfinite(p[i])) {
      r.lo = std::min(r.lo, p[i]);
      r.hi = std::max(r.hi, p[i]);
    } else {
      ++r.nonfinite;
    }
  }
  return r;
}

double sum_floats(const float* p, size_t n) {
  constexpr size_t kBlock = 1024;
  double total = 0.0;
  for (size_t begin = 0; begin < n; begin += kBlock) {
    const size_t len = std::min(kBlock, n - begin);
#if defined(QAC_X86)
    total += cpu_has_avx2() ? sum_block_avx2(p + begin, len) : sum_block_portable(p + begin, len);
#else
    total += sum_block_portable(p + begin, len);
#endif
  }
  return total;
}

void accumulate_channel_sums(const float* p, size_t outer, size_t channels, size_t inner,
                             size_t c_begin, size_t c_end, double* out) {
  for (size_t o = 0; o < outer; ++o) {
    const float* slab = p + o * channels * inner;
    if (inner == 1) {
      for (size_t c = c_begin; c < c_end; ++c) out[c] += slab[c];
    } else {
      for (size_t c = c_begin; c < c_end; ++c) out[c] += sum_floats(slab + c * inner, inner);
    }
  }
}

void accumulate_column_absmax(const float* p, size_t rows, size_t cols, float* absmax) {
  for (size_t r = 0; r < rows; ++r) {
    const float* row = p + r * cols;
    for (size_t c = 0; c < cols; ++c) {
      const float a = std::fabs(row[c]);
      absmax[c] = a > absmax[c] ? a : absmax[c];
    }
  }
}

}  // namespace qac
