#include "quant/tensor_stats.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/float_scan.h"

namespace qac {
namespace {

size_t element_count(const std::vector<int64_t>& shape) {
  size_t n = 1;
  for (int64_t d : shape) n *= static_cast<size_t>(std::max<int64_t>(d, 0));
  return n;
}

// Rows of a batch tensor: its leading dimension, 1 for a scalar.
size_t row_count(const std::vector<int64_t>& shape) {
  return shape.empty() ? 1 : static_cast<size_t>(std::max<int64_t>(shape[0], 0));
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
  if (num_samples == 0) {
    return Status::Internal("tensor '" + name_ + "': a batch of 0 samples was added");
  }
  if (config_.channel_mean_axis) QAC_RETURN_IF_ERROR(add_channel_sums_of(data, shape));
  if (config_.channel_absmax_last_axis) QAC_RETURN_IF_ERROR(add_channel_absmax_of(data, shape));
  const size_t numel = element_count(shape);
  const size_t rows = numel == 0 ? 0 : row_count(shape);
  const size_t row_len = rows == 0 ? 0 : numel / rows;
  note_sample_shape(shape, num_samples);
  std::vector<float> ranges(2 * rows);
  std::vector<int64_t> nonfinite(rows);
  for (size_t r = 0; r < rows; ++r) {
    const FiniteRange fr = finite_range(data + r * row_len, row_len);
    ranges[2 * r] = fr.lo;
    ranges[2 * r + 1] = fr.hi;
    nonfinite[r] = static_cast<int64_t>(fr.nonfinite);
  }
  num_samples_ += num_samples;
  const auto [lo, hi] = accumulate_ranges(ranges.data(), nonfinite.data(), rows, numel, num_samples);
  if (!histogram_ || lo > hi) return Status::Ok();
  uint64_t batch_nonfinite = 0;
  for (int64_t n : nonfinite) batch_nonfinite += static_cast<uint64_t>(n);
  if (batch_nonfinite == 0) {
    histogram_->add(data, numel, lo, hi);
  } else {
    std::vector<float> finite;
    finite.reserve(numel - batch_nonfinite);
    for (size_t i = 0; i < numel; ++i) {
      if (std::isfinite(data[i])) finite.push_back(data[i]);
    }
    histogram_->add(finite.data(), finite.size(), lo, hi);
  }
  return Status::Ok();
}

Status TensorStats::add_row_ranges(const float* row_ranges, const int64_t* row_nonfinite,
                                   const std::vector<int64_t>& shape, size_t num_samples) {
  if (num_samples == 0) {
    return Status::Internal("tensor '" + name_ + "': a batch of 0 samples was added");
  }
  const size_t numel = element_count(shape);
  note_sample_shape(shape, num_samples);
  num_samples_ += num_samples;
  accumulate_ranges(row_ranges, row_nonfinite, numel == 0 ? 0 : row_count(shape), numel, num_samples);
  return Status::Ok();
}

// Samples are `num_samples` equal groups of consecutive rows when the row count is a multiple
// of num_samples (the sample axis leads, possibly merged with the next axes as in [N*T, C]);
// otherwise the whole batch counts as num_samples samples sharing its min/max.
void TensorStats::note_sample_shape(const std::vector<int64_t>& batch_shape, size_t num_samples) {
  if (num_samples_ > 0 || batch_shape.empty()) return;
  sample_shape_ = batch_shape;
  const auto n = static_cast<int64_t>(num_samples);
  if (sample_shape_[0] % n == 0) sample_shape_[0] /= n;
}

std::pair<float, float> TensorStats::accumulate_ranges(const float* row_ranges,
                                                       const int64_t* row_nonfinite, size_t rows,
                                                       size_t numel, size_t num_samples) {
  float batch_lo = std::numeric_limits<float>::infinity();
  float batch_hi = -std::numeric_limits<float>::infinity();
  if (rows == 0) return {batch_lo, batch_hi};
  const bool split = rows % num_samples == 0;
  const size_t chunks = split ? num_samples : 1;
  const size_t rows_per_chunk = rows / chunks;
  const double weight = split ? 1.0 : static_cast<double>(num_samples);
  uint64_t batch_nonfinite = 0;
  for (size_t c = 0; c < chunks; ++c) {
    float lo = std::numeric_limits<float>::infinity();
    float hi = -std::numeric_limits<float>::infinity();
    for (size_t r = c * rows_per_chunk; r < (c + 1) * rows_per_chunk; ++r) {
      lo = std::min(lo, row_ranges[2 * r]);
      hi = std::max(hi, row_ranges[2 * r + 1]);
      batch_nonfinite += static_cast<uint64_t>(row_nonfinite[r]);
    }
    if (lo > hi) continue;  // no finite value in this sample
    sum_sample_min_ += weight * lo;
    sum_sample_max_ += weight * hi;
    minmax_samples_ += static_cast<size_t>(weight);
    batch_lo = std::min(batch_lo, lo);
    batch_hi = std::max(batch_hi, hi);
  }
  num_nonfinite_ += batch_nonfinite;
  num_values_ += numel - batch_nonfinite;
  if (batch_lo <= batch_hi) {
    min_ = std::min(min_, batch_lo);
    max_ = std::max(max_, batch_hi);
  }
  return {batch_lo, batch_hi};
}

Status TensorStats::add_channel_sums_of(const float* data, const std::vector<int64_t>& shape) {
  const int rank = static_cast<int>(shape.size());
  const int requested = *config_.channel_mean_axis;
  const int axis = requested < 0 ? requested + rank : requested;
  if (axis < 0 || axis >= rank) {
    return Status::InvalidData("tensor '" + name_ + "' of shape " + shape_to_string(shape) +
                               " has no axis " + std::to_string(requested) +
                               " for per-channel means");
  }
  const size_t channels = static_cast<size_t>(shape[static_cast<size_t>(axis)]);
  size_t outer = 1, inner = 1;
  for (int d = 0; d < axis; ++d) outer *= static_cast<size_t>(shape[static_cast<size_t>(d)]);
  for (int d = axis + 1; d < rank; ++d) inner *= static_cast<size_t>(shape[static_cast<size_t>(d)]);
  std::vector<double> sums(channels, 0.0);
  accumulate_channel_sums(data, outer, channels, inner, 0, channels, sums.data());
  return add_channel_sums(sums.data(), channels, axis, outer * inner);
}

Status TensorStats::add_channel_sums(const double* sums, size_t channels, int axis,
                                     uint64_t values_per_channel) {
  if (values_per_channel_ == 0 && channel_sums_.empty()) {
    channel_sums_.assign(channels, 0.0);
    mean_axis_ = axis;
  } else if (channel_sums_.size() != channels) {
    return Status::InvalidData("tensor '" + name_ + "' changed its channel count along axis " +
                               std::to_string(axis) + " from " +
                               std::to_string(channel_sums_.size()) + " to " +
                               std::to_string(channels) + " between batches");
  }
  for (size_t c = 0; c < channels; ++c) channel_sums_[c] += sums[c];
  values_per_channel_ += values_per_channel;
  return Status::Ok();
}

Status TensorStats::add_channel_absmax_of(const float* data, const std::vector<int64_t>& shape) {
  if (shape.empty()) {
    return Status::InvalidData("tensor '" + name_ +
                               "' is a scalar; per-channel abs-max needs a last axis");
  }
  const size_t channels = static_cast<size_t>(shape.back());
  std::vector<float> absmax(channels, 0.0f);
  if (channels > 0) accumulate_column_absmax(data, element_count(shape) / channels, channels, absmax.data());
  return add_channel_absmax(absmax.data(), channels);
}

Status TensorStats::add_channel_absmax(const float* absmax, size_t channels) {
  if (channel_absmax_.empty()) {
    channel_absmax_.assign(channels, 0.0f);
  } else if (channel_absmax_.size() != channels) {
    return Status::InvalidData("tensor '" + name_ + "' changed its last dimension from " +
                               std::to_string(channel_absmax_.size()) + " to " +
                               std::to_string(channels) + " between batches");
  }
  for (size_t c = 0; c < channels; ++c) {
    channel_absmax_[c] = absmax[c] > channel_absmax_[c] ? absmax[c] : channel_absmax_[c];
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

std::string TensorStats::to_bytes() const {
  ByteWriter out;
  out.put_string(name_).put<uint8_t>(config_.histogram ? 1 : 0).put<uint64_t>(config_.histogram_bins);
  out.put<int32_t>(config_.channel_mean_axis.value_or(0)).put<uint8_t>(config_.channel_mean_axis ? 1 : 0);
  out.put<uint8_t>(config_.channel_absmax_last_axis ? 1 : 0);
  out.put<uint64_t>(num_samples_).put(num_values_).put(num_nonfinite_).put(min_).put(max_);
  out.put(sum_sample_min_).put(sum_sample_max_).put<uint64_t>(minmax_samples_);
  out.put<uint8_t>(histogram_ ? 1 : 0);
  if (histogram_) histogram_->write(out);
  out.put<int32_t>(mean_axis_).put_vector(channel_sums_).put(values_per_channel_);
  out.put_vector(channel_absmax_).put_vector(sample_shape_);
  return out.bytes();
}

Result<TensorStats> TensorStats::from_bytes(std::string_view bytes) {
  ByteReader in(bytes);
  std::string name;
  uint8_t histogram = 0, has_axis = 0, absmax = 0, has_histogram = 0;
  uint64_t bins = 0, num_samples = 0, minmax_samples = 0;
  int32_t axis = 0;
  in.get_string(name) && in.get(histogram) && in.get(bins) && in.get(axis) && in.get(has_axis) && in.get(absmax);
  TensorStatsConfig config;
  config.histogram = false;  // restored below, without allocating bins first
  config.histogram_bins = static_cast<size_t>(bins);
  if (has_axis) config.channel_mean_axis = axis;
  config.channel_absmax_last_axis = absmax != 0;
  TensorStats s(name, config);
  s.config_.histogram = histogram != 0;
  int32_t mean_axis = 0;
  in.get(num_samples) && in.get(s.num_values_) && in.get(s.num_nonfinite_) && in.get(s.min_) && in.get(s.max_) &&
      in.get(s.sum_sample_min_) && in.get(s.sum_sample_max_) && in.get(minmax_samples) && in.get(has_histogram);
  if (in.ok() && has_histogram) {
    s.histogram_.emplace(2);
    if (!s.histogram_->read(in)) return Status::InvalidData("not a saved TensorStats state: bad histogram");
  }
  if (s.config_.histogram != (has_histogram != 0)) return Status::InvalidData("not a saved TensorStats state");
  in.get(mean_axis) && in.get_vector(s.channel_sums_) && in.get(s.values_per_channel_) &&
      in.get_vector(s.channel_absmax_) && in.get_vector(s.sample_shape_);
  if (!in.at_end()) return Status::InvalidData("not a saved TensorStats state");
  s.num_samples_ = static_cast<size_t>(num_samples);
  s.minmax_samples_ = static_cast<size_t>(minmax_samples);
  s.mean_axis_ = mean_axis;
  return s;
}

}  // namespace qac
