// Scale / zero-point math of 8-bit activation quantization (per tensor).
//
// Quantization as ONNX QuantizeLinear / DequantizeLinear compute it:
//   q = clamp(round_half_to_even(x / scale) + zero_point, qmin, qmax)
//   x' = (q - zero_point) * scale
// uint8: [qmin, qmax] = [0, 255]; int8: [-128, 127].
#pragma once

#include <cstdint>
#include <string>

#include "qac/options.h"
#include "qac/status.h"
#include "qac/tensor.h"

namespace qac {

inline constexpr int32_t kUInt8Min = 0;
inline constexpr int32_t kUInt8Max = 255;
inline constexpr int32_t kInt8Min = -128;
inline constexpr int32_t kInt8Max = 127;
// Number of quantization steps of an 8-bit range: 256 levels, 255 steps.
inline constexpr int32_t kInt8Steps = 255;

// Scale used when the range is exactly [0, 0] (a tensor that was always zero): any positive
// scale reproduces 0 exactly; we use the scale of the range [0, 1] rather than a tiny one so
// that requantization multipliers of consumers (s_in * s_w / s_out) stay in a normal range.
inline constexpr float kZeroRangeScale = 1.0f / kInt8Steps;
// Smallest scale ever produced: keeps x / scale finite for any activation below ~3e26 and
// away from float denormals. Ranges this small (|x| < ~1e-10) are numerically zero.
inline constexpr float kMinScale = 1e-12f;

// Zero point of a signed symmetric range stored as uint8 (the int8 grid shifted by 128).
inline constexpr int32_t kUInt8ZeroPointOfSigned = 128;

// Which 8-bit types activations may use.
enum class ActivationTypes {
  kInt8OrUInt8,  // NNCF / OpenVINO: int8 for signed symmetric ranges
  kUInt8Only,    // ONNX Runtime on x86: int8 kernels take uint8 activations only
};

struct QParams {
  float scale = 1.0f;
  int32_t zero_point = 0;
  DType dtype = DType::kUInt8;  // kUInt8 or kInt8

  int32_t qmin() const { return dtype == DType::kInt8 ? kInt8Min : kUInt8Min; }
  int32_t qmax() const { return dtype == DType::kInt8 ? kInt8Max : kUInt8Max; }
  // Smallest / largest representable real value.
  float real_min() const { return static_cast<float>(qmin() - zero_point) * scale; }
  float real_max() const { return static_cast<float>(qmax() - zero_point) * scale; }
};

// Activation parameters for the range [lo, hi]; the range is first widened to include 0.
//
// Symmetric (preset performance, or force_symmetric), zero point 0:
//   lo >= 0: uint8, scale = hi / 255                     (covers [0, hi])
//   else:    int8,  scale = max(|lo|, |hi|) / 127        (covers [-128 s, 127 s])
//   127, not 128: both -absmax and +absmax must be representable; with /128 the value +absmax
//   would clip to 127/128 of itself. The extra level -128 stays available (NNCF does the same).
// Asymmetric (preset mixed):
//   uint8, scale = (hi - lo) / 255, zero_point = clamp(round(-lo / scale), 0, 255)
//   The integer zero point makes 0 exactly representable; the covered range is
//   [-zp * s, (255 - zp) * s], i.e. [lo, hi] shifted by less than half a step.
// force_symmetric (transformer MatMul with two activation inputs): symmetric with zero point 0
//   regardless of the preset, so the zero-point cross terms of the integer product vanish. A
//   non-negative tensor (Softmax output, ...) keeps uint8 with zero point 0: that is symmetric
//   too and uses all 256 levels on [0, hi] instead of wasting the negative half.
// kUInt8Only: a symmetric signed range becomes uint8 with zero point 128 and the same scale.
// Degenerate ranges: [0, 0] -> kZeroRangeScale; any scale is at least kMinScale.
// NaN or infinite bounds -> InvalidData naming `tensor_name`.
Result<QParams> activation_qparams(float lo, float hi, Preset preset, bool force_symmetric,
                                   const std::string& tensor_name,
                                   ActivationTypes types = ActivationTypes::kInt8OrUInt8);

// round_half_to_even(x / scale) + zero_point, clamped to [qmin, qmax] (QuantizeLinear).
int32_t quantize_value(float x, const QParams& p);
// (q - zero_point) * scale (DequantizeLinear).
float dequantize_value(int32_t q, const QParams& p);
// dequantize_value(quantize_value(x)): what a QDQ pair makes of x.
float fake_quantize(float x, const QParams& p);

}  // namespace qac
