#include "quant/tensor_stats.h"

#include <algorithm>
#include <cmath>
#include <limits>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace qac {
namespace {

// Min, max and NaN count of n floats. Infinities show up as an infinite min or max; when
// nan_count > 0, lo and hi are meaningless (the caller rescans).
struct RangeScan {
  float lo;
  float hi;
  size_t nan_count;
  bool all_finite() const { return nan_count == 0 && std::isfinite(lo) && std::isfinite(hi); }
};

// REQUIRES: n >= 1.
RangeScan scan_range(const float* p, size_t n) {
  float lo = p[0];
  float hi = p[0];
  size_t nans = 0;
  size_t i = 0;
#if defined(__SSE2__)
  // Two independent 4-lane accumulators; _mm_min_ps(x, acc) returns acc when x is NaN.
  __m128 lo0 = _mm_set1_ps(std::isnan(lo) ? 0.0f : lo), hi0 = lo0, lo1 = lo0, hi1 = lo0;
  __m128i nan0 = _mm_setzero_si128(), nan1 = _mm_setzero_si128();
  for (; i + 8 <= n; i += 8) {
    const __m128 a = _mm_loadu_ps(p + i);
    const __m128 b = _mm_loadu_ps(p + i + 4);
    lo0 = _mm_min_ps(a, lo0);
    hi0 = _mm_max_ps(a, hi0);
    lo1 = _mm_min_ps(b, lo1);
    hi1 = _mm_max_ps(b, hi1);
    nan0 = _mm_sub_epi32(nan0, _mm_castps_si128(_mm_cmpunord_ps(a, a)));  // mask = -1
    nan1 = _mm_sub_epi32(nan1, _mm_castps_si128(_mm_cmpunord_ps(b, b)));
  }
  alignas(16) float los[4], his[4];
  alignas(16) int32_t counts[4];
  _mm_store_ps(los, _mm_min_ps(lo0, lo1));
  _mm_store_ps(his, _mm_max_ps(hi0, hi1));
  _mm_store_si128(reinterpret_cast<__m128i*>(counts), _mm_add_epi32(nan0, nan1));
  lo = los[0];
  hi = his[0];
  for (int k = 0; k < 4; ++k) {
    lo = std::min(lo, los[k]);
    hi = std::max(hi, his[k]);
    nans += static_cast<size_t>(counts[k]);
  }
#endif
  for (; i < n; ++i) {
    const float x = p[i];
    lo = x < lo ? x : lo;
    hi = x > hi ? x : hi;
    nans += std::isnan(x) ? 1 : 0;
  }
  return {lo, hi, nans};
}

// Sum of n floats, accumulated in float lanes over short blocks and in double across blocks.
double sum_floats(const float* p, size_t n) {
  constexpr size_t kBlock = 1024;
  double total = 0.0;
  for (size_t begin = 0; begin < n; begin += kBlock) {
    const size_t end = std::min(n, begin + kBlock);
    size_t i = begin;
    float block = 0.0f;
#if defined(__SSE2__)
    __m128 acc0 = _mm_setzero_ps(), acc1 = _mm_setzero_ps();
    for (; i + 8 <= end; i += 8) {
      acc0 = _mm_add_ps(acc0, _mm_loadu_ps(p + i));
      acc1 = _mm_add_ps(acc1, _mm_loadu_ps(p + i + 4));
    }
    alignas(16) float lanes[4];
    _mm_store_ps(lanes, _mm_add_ps(acc0, acc1));
    block = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
#endif
    for (; i < end; ++i) block += p[i];
    total += block;
  }
  return total;
}

size_t element_count(const std::vector<int64_t>& shape) {
  size_t n = 1;
  for (int64_t d : shape) n *= static_cast<size_t>(std::max<int64_t>(d, 0));
  return n;
}

}  // namespace

TensorStats::TensorStats(std::string name, TensorStatsConfig config)
    : name_(std::move(name)),
      config_(config),
      min_(std::numeric_limits<float>::infinity()),
      max_(-std::numeric_limits<float>::infinity()) {
  if (config_.histogram) histogram_.emplace(config_.histogram_bins);
}

Status TensorStats::add_batch(const Tensor& batch, size_t num_samples) {
  switch (batch.dtype) {
    case DType::kFloat32:
      return add_batch(batch.data<float>(), batch.shape, num_samples);
    case DType::kFloat16:
    case DType::kFloat64: {
      const std::vector<float> values = batch.to_float();
      return add_batch(values.data(), batch.shape, num_samples);
    }
    default:
      return Status::Unsupported("tensor '" + name_ + "' is " + dtype_name(batch.dtype) +
                                 "; statistics need a floating-point tensor");
  }
}

Status TensorStats::add_batch(const float* data, const std::vector<int64_t>& shape,
                              size_t num_samples) {
  const size_t numel = element_count(shape);
  if (num_samples == 0) {
    return Status::Internal("tensor '" + name_ + "': a batch of 0 samples was added");
  }
  if (config_.channel_mean_axis) QAC_RETURN_IF_ERROR(add_channel_sums(data, shape));
  if (config_.channel_absmax_last_axis) QAC_RETURN_IF_ERROR(add_channel_absmax(data, shape));
  num_samples_ += num_samples;
  if (numel == 0) return Status::Ok();

  const bool split = !shape.empty() && shape[0] > 0 &&
                     static_cast<size_t>(shape[0]) % num_samples == 0;
  const size_t chunks = split ? num_samples : 1;
  const double weight = split ? 1.0 : static_cast<double>(num_samples);
  const size_t chunk_len = numel / chunks;

  float batch_lo = std::numeric_limits<float>::infinity();
  float batch_hi = -std::numeric_limits<float>::infinity();
  uint64_t batch_nonfinite = 0;
  for (size_t c = 0; c < chunks; ++c) {
    const float* p = data + c * chunk_len;
    RangeScan r = scan_range(p, chunk_len);
    if (!r.all_finite()) {  // rare: recount, leaving NaN and +-inf out
      r.lo = std::numeric_limits<float>::infinity();
      r.hi = -std::numeric_limits<float>::infinity();
      for (size_t i = 0; i < chunk_len; ++i) {
        if (std::isfinite(p[i])) {
          r.lo = std::min(r.lo, p[i]);
          r.hi = std::max(r.hi, p[i]);
        } else {
          ++batch_nonfinite;
        }
      }
      if (r.lo > r.hi) continue;  // no finite value in this sample
    }
    sum_sample_min_ += weight * r.lo;
    sum_sample_max_ += weight * r.hi;
    minmax_samples_ += static_cast<size_t>(weight);
    batch_lo = std::min(batch_lo, r.lo);
    batch_hi = std::max(batch_hi, r.hi);
  }
  num_nonfinite_ += batch_nonfinite;
  num_values_ += numel - batch_nonfinite;
  if (batch_lo > batch_hi) return Status::Ok();
  min_ = std::min(min_, batch_lo);
  max_ = std::max(max_, batch_hi);

  if (histogram_) {
    if (batch_nonfinite == 0) {
      histogram_->add(data, numel, batch_lo, batch_hi);
    } else {
      std::vector<float> finite;
      finite.reserve(numel - batch_nonfinite);
      for (size_t i = 0; i < numel; ++i) {
        if (std::isfinite(data[i])) finite.push_back(data[i]);
      }
      histogram_->add(finite.data(), finite.size(), batch_lo, batch_hi);
    }
  }
  return Status::Ok();
}

Status TensorStats::add_channel_sums(const float* data, const std::vector<int64_t>& shape) {
  const int rank = static_cast<int>(shape.size());
  const int requested = *config_.channel_mean_axis;
  const int axis = requested < 0 ? requested + rank : requested;
  if (axis < 0 || axis >= rank) {
    return Status::InvalidData("tensor '" + name_ + "' of shape " + shape_to_string(shape) +
                               " has no axis " + std::to_string(requested) +
                               " for per-channel means");
  }
  const size_t channels = static_cast<size_t>(shape[static_cast<size_t>(axis)]);
  if (channel_sums_.empty() && values_per_channel_ == 0) {
    channel_sums_.assign(channels, 0.0);
    mean_axis_ = axis;
  } else if (channel_sums_.size() != channels) {
    return Status::InvalidData("tensor '" + name_ + "' changed its channel count along axis " +
                               std::to_string(axis) + " from " +
                               std::to_string(channel_sums_.size()) + " to " +
                               std::to_string(channels) + " between batches");
  }
  size_t outer = 1, inner = 1;
  for (int d = 0; d < axis; ++d) outer *= static_cast<size_t>(shape[static_cast<size_t>(d)]);
  for (int d = axis + 1; d < rank; ++d) inner *= static_cast<size_t>(shape[static_cast<size_t>(d)]);
  // mean_c = sum over (outer, inner) of x[o, c, i] / (outer * inner), summed over batches.
  if (inner == 1) {
    for (size_t o = 0; o < outer; ++o) {
      const float* row = data + o * channels;
      for (size_t c = 0; c < channels; ++c) channel_sums_[c] += row[c];
    }
  } else {
    for (size_t o = 0; o < outer; ++o) {
      for (size_t c = 0; c < channels; ++c) {
        channel_sums_[c] += sum_floats(data + (o * channels + c) * inner, inner);
      }
    }
  }
  values_per_channel_ += outer * inner;
  return Status::Ok();
}

Status TensorStats::add_channel_absmax(const float* data, const std::vector<int64_t>& shape) {
  if (shape.empty()) {
    return Status::InvalidData("tensor '" + name_ +
                               "' is a scalar; per-channel abs-max needs a last axis");
  }
  const size_t channels = static_cast<size_t>(shape.back());
  if (channel_absmax_.empty()) {
    channel_absmax_.assign(channels, 0.0f);
  } else if (channel_absmax_.size() != channels) {
    return Status::InvalidData("tensor '" + name_ + "' changed its last dimension from " +
                               std::to_string(channel_absmax_.size()) + " to " +
                               std::to_string(channels) + " between batches");
  }
  if (channels == 0) return Status::Ok();
  const size_t rows = element_count(shape) / channels;
  float* m = channel_absmax_.data();
  for (size_t r = 0; r < rows; ++r) {
    const float* row = data + r * channels;
    for (size_t c = 0; c < channels; ++c) {
      const float a = std::fabs(row[c]);
      m[c] = a > m[c] ? a : m[c];  // NaN is ignored
    }
  }
  return Status::Ok();
}

std::vector<double> TensorStats::channel_means() const {
  std::vector<double> means(channel_sums_.size(), 0.0);
  if (values_per_channel_ == 0) return {};
  for (size_t c = 0; c < means.size(); ++c) {
    means[c] = channel_sums_[c] / static_cast<double>(values_per_channel_);
  }
  return means;
}

}  // namespace qac
