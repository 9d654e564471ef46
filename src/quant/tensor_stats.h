// Accumulated statistics of one activation tensor over the calibration samples: what the range
// estimators, bias correction and SmoothQuant need, in memory independent of the sample count.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "qac/status.h"
#include "qac/tensor.h"
#include "quant/histogram.h"

namespace qac {

struct TensorStatsConfig {
  bool histogram = true;
  size_t histogram_bins = kDefaultHistogramBins;
  // Per-channel means along this axis of the batch tensor (mean over all other axes,
  // including the sample axis); negative axes count from the end. For bias correction.
  std::optional<int> channel_mean_axis;
  // Per-channel max |x| along the last axis (over all rows of all samples). For SmoothQuant.
  bool channel_absmax_last_axis = false;
};

class TensorStats {
 public:
  explicit TensorStats(std::string name, TensorStatsConfig config = {});

  // Adds a batch holding `num_samples` samples. Samples are split for the per-sample min/max
  // as `num_samples` equal contiguous chunks when shape[0] is a multiple of num_samples (the
  // sample axis leads, possibly merged with following axes as in [N*T, C]); otherwise the batch
  // counts as num_samples samples that share the batch's min/max.
  // NaN and +-inf are counted (num_nonfinite) and left out of min/max and the histogram.
  // Errors (naming the tensor): a non-float tensor, a channel axis out of range, a channel
  // count that changes between batches.
  Status add_batch(const Tensor& batch, size_t num_samples);
  // Same for float32 data of the given shape.
  Status add_batch(const float* data, const std::vector<int64_t>& shape, size_t num_samples);

  // The same accumulation from a batch already summarized where it was computed (the in-graph
  // observers of runtime/observer_ops.h); add_batch is these three applied to the raw data.
  // Min/max part: `row_ranges` holds (min, max) over the finite values of each of the R rows of
  // the batch tensor (R = shape[0], 1 for a scalar; (+inf, -inf) for a row without a finite value)
  // and `row_nonfinite` their NaN / +-inf counts; `shape` is the batch tensor's shape.
  Status add_row_ranges(const float* row_ranges, const int64_t* row_nonfinite,
                        const std::vector<int64_t>& shape, size_t num_samples);
  // Per-channel sums of one batch along axis `axis` (normalized) over `values_per_channel` values
  // each. REQUIRES: the config requests channel means.
  Status add_channel_sums(const double* sums, size_t channels, int axis, uint64_t values_per_channel);
  // Per-channel max |x| of one batch along the last axis. REQUIRES: the config requests it.
  Status add_channel_absmax(const float* absmax, size_t channels);

  const std::string& name() const { return name_; }
  const TensorStatsConfig& config() const { return config_; }
  size_t num_samples() const { return num_samples_; }
  uint64_t num_values() const { return num_values_; }        // finite values seen
  uint64_t num_nonfinite() const { return num_nonfinite_; }  // NaN / inf values seen

  // Global min and max over the finite values. REQUIRES: num_values() > 0.
  float min() const { return min_; }
  float max() const { return max_; }
  // Mean over samples of each sample's min and max (samples holding no finite value are left
  // out). REQUIRES: num_values() > 0.
  double mean_sample_min() const { return sum_sample_min_ / static_cast<double>(minmax_samples_); }
  double mean_sample_max() const { return sum_sample_max_ / static_cast<double>(minmax_samples_); }

  // Null when histograms are disabled.
  const Histogram* histogram() const { return histogram_ ? &*histogram_ : nullptr; }
  // Per-channel means (empty when not requested or no data); the normalized axis.
  std::vector<double> channel_means() const;
  int channel_mean_axis() const { return mean_axis_; }
  // Per-channel max |x| along the last axis (empty when not requested or no data).
  const std::vector<float>& channel_absmax() const { return channel_absmax_; }
  // Shape of one sample, from the first batch: its leading dimension divided by the batch's
  // sample count when it is a multiple of it (the shape as seen otherwise); empty before any
  // batch. What kernel timing (quant/unit_timing.h) feeds a unit with.
  const std::vector<int64_t>& sample_shape() const { return sample_shape_; }

  // The whole accumulated state as bytes, and back: from_bytes(to_bytes()) equals the original
  // in every value above. InvalidData for bytes that are not such a state.
  std::string to_bytes() const;
  static Result<TensorStats> from_bytes(std::string_view bytes);

 private:
  // Min/max accumulation shared by add_batch and add_row_ranges; returns the batch's finite
  // (min, max), min > max when it holds no finite value.
  std::pair<float, float> accumulate_ranges(const float* row_ranges, const int64_t* row_nonfinite,
                                            size_t rows, size_t numel, size_t num_samples);
  Status add_channel_sums_of(const float* data, const std::vector<int64_t>& shape);
  Status add_channel_absmax_of(const float* data, const std::vector<int64_t>& shape);
  void note_sample_shape(const std::vector<int64_t>& batch_shape, size_t num_samples);

  std::string name_;
  TensorStatsConfig config_;
  size_t num_samples_ = 0;
  uint64_t num_values_ = 0;
  uint64_t num_nonfinite_ = 0;
  float min_;
  float max_;
  double sum_sample_min_ = 0.0;
  double sum_sample_max_ = 0.0;
  size_t minmax_samples_ = 0;
  std::optional<Histogram> histogram_;
  int mean_axis_ = -1;
  std::vector<double> channel_sums_;
  uint64_t values_per_channel_ = 0;
  std::vector<float> channel_absmax_;
  std::vector<int64_t> sample_shape_;
};

}  // namespace qac
