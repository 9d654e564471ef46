// Activation range estimators: turn accumulated statistics into the range [lo, hi] handed to
// activation_qparams().
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "qac/options.h"
#include "qac/status.h"
#include "quant/histogram.h"
#include "quant/scheme.h"
#include "quant/tensor_stats.h"

namespace qac {

// Range of `stats` by `estimator`:
//   kMinMax:     [global min, global max]
//   kMeanMinMax: [mean of per-sample min, mean of per-sample max]
//   kQuantile:   [quantile q, quantile 1 - q] of all values (histogram, linear within a bin)
//   kMse:        the clipping range minimizing the expected quantize-dequantize MSE under the
//                scheme the preset implies (symmetric: one threshold c, [-c, c] or [0, c] for
//                non-negative tensors; mixed: lo and hi, or only hi for non-negative tensors)
//   kKl:         TensorRT-style entropy calibration on the |x| histogram: the threshold t
//                minimizing KL(P || Q) of the clipped distribution P and its quantized
//                version Q with 128 levels (256 for non-negative tensors, which are uint8)
// Clipping ranges are intersected with [min, max]. force_symmetric: as in activation_qparams().
// Errors (naming `tensor_name`): no finite value seen, NaN/inf values seen, a histogram
// estimator without a histogram, quantile outside (0, 0.5).
Result<std::pair<float, float>> estimate_range(const TensorStats& stats, RangeEstimator estimator,
                                               double quantile, Preset preset,
                                               const std::string& tensor_name,
                                               bool force_symmetric = false);

// Clipping estimators (quantile, MSE, KL) can choose a range that clips the values carrying most
// of the signal: KL's entropy threshold on heavy-tailed activations (hard-swish outputs of
// PP-OCRv4 rec) kept 20% of the range and the model lost every prediction. The guard compares
// the expected quantize-dequantize error (expected_quantization_sse, from the histogram) of the
// estimated range with that of the mean min/max range: above kMaxRangeErrorRatio times, the
// mean min/max range is used instead. Measured on PP-OCRv4 rec: KL's ranges reach 180-810x,
// quantile's (1e-4) at most 4x, MSE's at most 1x (it minimizes that error).
inline constexpr double kMaxRangeErrorRatio = 10.0;

// estimate_range() with the guard above. When it falls back, `fallback` (may be null) receives
// a line naming the tensor, the estimator's range, the error ratio and the share of values it
// clipped. Errors: those of estimate_range().
Result<std::pair<float, float>> estimate_range_guarded(const TensorStats& stats, RangeEstimator estimator,
                                                       double quantile, Preset preset, const std::string& tensor_name,
                                                       ActivationTypes types, std::string* fallback);

// Expected squared error sum over `bins` of fake_quantize(x, p), values uniform within each
// bin: clipping error outside [real_min, real_max] plus rounding error inside, integrated
// exactly. Divide by the total count for the mean.
double expected_quantization_sse(const std::vector<HistogramBin>& bins, const QParams& p);

}  // namespace qac
