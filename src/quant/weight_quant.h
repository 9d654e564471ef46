// Weight quantization: signed int8, symmetric (zero point 0), one scale per output channel,
// and the choice of the weight range for the target's int8 kernels (overflow fix).
#pragma once

#include <string>
#include <vector>

#include "qac/options.h"
#include "qac/status.h"
#include "qac/tensor.h"

namespace qac {

// Narrow range [-127, 127]: symmetric around 0, as NNCF and ONNX Runtime quantize weights.
inline constexpr int kWeightQMaxNarrow = 127;
// [-63, 63]: u8 x s8 pair sums of AVX2 kernels cannot saturate int16:
//   2 * 255 * 63 = 32130 <= 32767, whereas 2 * 255 * 127 = 64770 (and 2 * 255 * 128) overflow.
inline constexpr int kWeightQMaxOverflowFix = 63;
// Scale of an all-zero channel: any positive scale reproduces 0 exactly; 1.0 (as ONNX
// Runtime's tools use) keeps an int32 bias quantized with step s_in * s_w representable.
inline constexpr float kZeroChannelScale = 1.0f;

struct QuantizedWeight {
  Tensor q;                   // int8, same shape as the float weight
  std::vector<float> scales;  // one per index of `axis`
  int axis = 0;               // non-negative
};

// Per-output-channel symmetric quantization of a float32 weight along `axis` (negative axes
// count from the end):
//   scale_c = max_i |w_c,i| / qmax   (kZeroChannelScale when the channel is all zero)
//   q_c,i   = clamp(round_half_to_even(w_c,i / scale_c), -qmax, qmax)
// REQUIRES: 1 <= qmax <= 127.
// Errors (naming `name`): not float32, axis out of range, NaN or infinite weights.
Result<QuantizedWeight> quantize_weight_per_channel(const Tensor& w, int axis, int qmax,
                                                    const std::string& name);

// float32 tensor with w'_c,i = q_c,i * scale_c.
Tensor dequantize_weight(const QuantizedWeight& qw);

// The overflow fix to apply. With OverflowFix::kFromTarget the resolved target decides:
//   cpu-avx2      -> kEnable (also openvino on a host without VNNI): EVERY weighted layer gets [-63, 63]. AVX2 int8 kernels
//                    (vpmaddubsw) multiply u8 activations by s8 weights and add adjacent pairs
//                    into a saturating int16: |a0*w0 + a1*w1| <= 2 * 255 * 127 = 64770 > 32767
//                    would saturate; with |w| <= 63 the bound is 32130 and the result is exact.
//   otherwise     -> kDisable: VNNI (vpdpbusd) accumulates u8 x s8 products in int32 directly.
// Any other options.overflow_fix applies as given.
OverflowFix effective_overflow_fix(const QuantizationOptions& options);

// qmax of a weighted layer under `fix`: kWeightQMaxOverflowFix when the fix covers the layer
// (kEnable: every layer; kFirstLayer: only the first weighted layer), else kWeightQMaxNarrow.
// The target enters through effective_overflow_fix().
int weight_qmax(OverflowFix fix, bool is_first_weighted_layer);

}  // namespace qac
