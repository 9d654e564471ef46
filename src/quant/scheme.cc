#include "quant/scheme.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace qac {
namespace {

float floor_scale(float scale) { return std::max(scale, kMinScale); }

QParams symmetric_qparams(float lo, float hi) {
  QParams p;
  p.zero_point = 0;
  if (lo >= 0.0f) {
    // uint8 on [0, hi]: scale = hi / 255.
    p.dtype = DType::kUInt8;
    p.scale = hi == 0.0f ? kZeroRangeScale : floor_scale(hi / static_cast<float>(kUInt8Max));
  } else {
    // int8 on [-absmax, absmax]: scale = absmax / 127.
    p.dtype = DType::kInt8;
    const float absmax = std::max(std::fabs(lo), std::fabs(hi));
    p.scale = floor_scale(absmax / static_cast<float>(kInt8Max));
  }
  return p;
}

// Symmetric on uint8 for kernels that take only uint8 activations: a non-negative range is
// uint8 [0, hi] as above; a signed one keeps the int8 grid shifted by 128 (zero point 128,
// scale = absmax / 127), which represents the same values as the int8 form.
QParams symmetric_uint8_qparams(float lo, float hi) {
  QParams p = symmetric_qparams(lo, hi);
  if (p.dtype == DType::kInt8) {
    p.dtype = DType::kUInt8;
    p.zero_point = kUInt8ZeroPointOfSigned;
  }
  return p;
}

QParams asymmetric_qparams(float lo, float hi) {
  // uint8, scale = (hi - lo) / 255, zp = clamp(round(-lo / scale), 0, 255).
  QParams p;
  p.dtype = DType::kUInt8;
  if (hi - lo == 0.0f) {  // lo == hi == 0 after widening
    p.scale = kZeroRangeScale;
    p.zero_point = 0;
    return p;
  }
  p.scale = floor_scale((hi - lo) / static_cast<float>(kInt8Steps));
  const float zp = std::nearbyint(-lo / p.scale);
  p.zero_point = static_cast<int32_t>(
      std::clamp(zp, static_cast<float>(kUInt8Min), static_cast<float>(kUInt8Max)));
  return p;
}

}  // namespace

Result<QParams> activation_qparams(float lo, float hi, Preset preset, bool force_symmetric,
                                   const std::string& tensor_name, ActivationTypes types) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) {
    std::ostringstream msg;
    msg << "tensor '" << tensor_name << "' has a non-finite calibration range [" << lo << ", "
        << hi << "] (NaN or infinite activations)";
    return Status::InvalidData(msg.str());
  }
  if (lo > hi) {
    std::ostringstream msg;
    msg << "tensor '" << tensor_name << "' has an empty calibration range [" << lo << ", " << hi
        << "]";
    return Status::Internal(msg.str());
  }
  // Widen to include 0: zero (padding, Relu) must be exactly representable.
  lo = std::min(lo, 0.0f);
  hi = std::max(hi, 0.0f);
  const bool symmetric = force_symmetric || preset == Preset::kPerformance;
  if (!symmetric) return asymmetric_qparams(lo, hi);
  return types == ActivationTypes::kUInt8Only ? symmetric_uint8_qparams(lo, hi) : symmetric_qparams(lo, hi);
}

int32_t quantize_value(float x, const QParams& p) {
  if (std::isnan(x)) return p.zero_point;
  // nearbyint rounds half to even under the default rounding mode, as QuantizeLinear does.
  const float v = std::nearbyint(x / p.scale) + static_cast<float>(p.zero_point);
  return static_cast<int32_t>(
      std::clamp(v, static_cast<float>(p.qmin()), static_cast<float>(p.qmax())));
}

float dequantize_value(int32_t q, const QParams& p) {
  return static_cast<float>(q - p.zero_point) * p.scale;
}

float fake_quantize(float x, const QParams& p) { return dequantize_value(quantize_value(x, p), p); }

}  // namespace qac
