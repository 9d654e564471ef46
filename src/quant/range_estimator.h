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

// Expected squared error sum over `bins` of fake_quantize(x, p), values uniform within each
// bin: clipping error outside [real_min, real_max] plus rounding error inside, integrated
// exactly. Divide by the total count for the mean.
double expected_quantization_sse(const std::vector<HistogramBin>& bins, const QParams& p);

}  // namespace qac
