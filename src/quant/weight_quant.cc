#include "quant/weight_quant.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdint>


#include "quant/scheme.h"
#include "quant/target.h"

namespace qac {
namespace {

// Strides of a row-major tensor viewed as [outer, channels, inner] around `axis`.
struct ChannelLayout {
  size_t outer = 1;
  size_t channels = 1;
  size_t inner = 1;
};

ChannelLayout channel_layout(const std::vector<int64_t>& shape, int axis) {
  ChannelLayout l;
  for (int d = 0; d < static_cast<int>(shape.size()); ++d) {
    const size_t extent = static_cast<size_t>(shape[static_cast<size_t>(d)]);
    if (d < axis) l.outer *= extent;
    else if (d == axis) l.channels = extent;
    else l.inner *= extent;
  }
  return l;
}


}  // namespace

Result<QuantizedWeight> quantize_weight_per_channel(const Tensor& w, int axis, int qmax,
                                                    const std::string& name) {
  if (w.dtype != DType::kFloat32) {
    return Status::Unsupported(std::string("weight '") + name + "' is " + dtype_name(w.dtype) +
                               ", expected float32");
  }
  const int rank = static_cast<int>(w.shape.size());
  const int normalized_axis = axis < 0 ? axis + rank : axis;
  if (normalized_axis < 0 || normalized_axis >= rank) {
    return Status::InvalidModel("weight '" + name + "' of shape " + shape_to_string(w.shape) +
                                " has no axis " + std::to_string(axis));
  }
  assert(qmax >= 1 && qmax <= kWeightQMaxNarrow);
  const ChannelLayout l = channel_layout(w.shape, normalized_axis);
  const float* src = w.data<float>();

  QuantizedWeight out;
  out.axis = normalized_axis;
  out.q = Tensor(DType::kInt8, w.shape);
  out.scales.assign(l.channels, 0.0f);
  // Pass 1: per-channel abs-max (and a finiteness check: x * 0 is NaN for NaN and +-inf).
  float nonfinite_probe = 0.0f;
  for (size_t o = 0; o < l.outer; ++o) {
    for (size_t c = 0; c < l.channels; ++c) {
      const float* p = src + (o * l.channels + c) * l.inner;
      float m = out.scales[c];
      for (size_t i = 0; i < l.inner; ++i) {
        const float a = std::fabs(p[i]);
        m = a > m ? a : m;
        nonfinite_probe += p[i] * 0.0f;
      }
      out.scales[c] = m;
    }
  }
  if (std::isnan(nonfinite_probe)) {
    return Status::InvalidModel("weight '" + name + "' contains NaN or infinite values");
  }
  // scale_c = absmax_c / qmax.
  for (float& s : out.scales) {
    s = s == 0.0f ? kZeroChannelScale : std::max(s / static_cast<float>(qmax), kMinScale);
  }
  // Pass 2: q = clamp(round_half_to_even(w / scale), -qmax, qmax).
  int8_t* dst = out.q.data<int8_t>();
  const float lim = static_cast<float>(qmax);
  for (size_t o = 0; o < l.outer; ++o) {
    for (size_t c = 0; c < l.channels; ++c) {
      const size_t base = (o * l.channels + c) * l.inner;
      const float s = out.scales[c];
      for (size_t i = 0; i < l.inner; ++i) {
        const float v = std::clamp(std::nearbyint(src[base + i] / s), -lim, lim);
        dst[base + i] = static_cast<int8_t>(v);
      }
    }
  }
  return out;
}

Tensor dequantize_weight(const QuantizedWeight& qw) {
  Tensor out(DType::kFloat32, qw.q.shape);
  const ChannelLayout l = channel_layout(qw.q.shape, qw.axis);
  const int8_t* src = qw.q.data<int8_t>();
  float* dst = out.data<float>();
  for (size_t o = 0; o < l.outer; ++o) {
    for (size_t c = 0; c < l.channels; ++c) {
      const size_t base = (o * l.channels + c) * l.inner;
      for (size_t i = 0; i < l.inner; ++i) {
        dst[base + i] = static_cast<float>(src[base + i]) * qw.scales[c];
      }
    }
  }
  return out;
}

OverflowFix effective_overflow_fix(const QuantizationOptions& options) {
  if (options.overflow_fix != OverflowFix::kFromTarget) return options.overflow_fix;
  return int8_kernels_of(resolve_target(options.target)) == Target::kCpuAvx2 ? OverflowFix::kEnable
                                                                             : OverflowFix::kDisable;
}

int weight_qmax(OverflowFix fix, bool is_first_weighted_layer) {
  const bool fixed = fix == OverflowFix::kEnable ||
                     (fix == OverflowFix::kFirstLayer && is_first_weighted_layer);
  return fixed ? kWeightQMaxOverflowFix : kWeightQMaxNarrow;
}

}  // namespace qac
