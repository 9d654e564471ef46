// Options of the basic 8-bit flow, named after NNCF's parameters where one exists.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace qac {

// performance: symmetric activations (uint8 on [0, max] for non-negative tensors, else int8).
// mixed: asymmetric uint8 activations with an integer zero point. Weights are always symmetric.
enum class Preset { kPerformance, kMixed };

// transformer: MatMuls with two activation inputs get symmetric quantizers, attention outputs
// (Softmax -> MatMul) and most elementwise ops stay float, SmoothQuant on weight MatMuls.
enum class ModelType { kDefault, kTransformer };

// How an activation range [lo, hi] is estimated from calibration statistics.
enum class RangeEstimator {
  kMinMax,       // global min and max over all samples
  kMeanMinMax,   // mean over samples of each sample's min and max (default)
  kQuantile,     // quantiles `quantile` and 1 - `quantile` of all values
  kMse,          // histogram: the clipping range minimizing quantization MSE
  kKl,           // histogram: the clipping range minimizing KL divergence (TensorRT-style)
};

// Weights that cannot saturate the int16 pair sums of AVX2 u8 x s8 kernels ([-63, 63]).
enum class OverflowFix { kDisable, kFirstLayer, kEnable };

// The machine whose int8 kernels will run the model.
enum class Target {
  kHost,      // detect: cpu-vnni if the CPU has AVX-512 VNNI or AVX-VNNI, else cpu-avx2
  kCpuAvx2,   // x86 without VNNI: u8 x s8 pairs accumulate into saturating int16
  kCpuVnni,   // x86 with VNNI: exact int32 accumulation
  kAny,       // no target-specific constraint (accelerators, ARM)
};

// Nodes to keep in float. A node matches when its name is listed, its op type is listed,
// or its name matches one of the ECMAScript regular expressions in `patterns`.
struct IgnoredScope {
  std::vector<std::string> names;
  std::vector<std::string> types;
  std::vector<std::string> patterns;
  bool empty() const { return names.empty() && types.empty() && patterns.empty(); }
};

struct QuantizationOptions {
  Preset preset = Preset::kPerformance;
  ModelType model_type = ModelType::kDefault;
  size_t subset_size = 300;                       // calibration samples used for statistics
  RangeEstimator activation_estimator = RangeEstimator::kMeanMinMax;
  double quantile = 1e-4;                         // for kQuantile
  bool fast_bias_correction = true;               // false = full (empirical) correction
  bool bias_correction = true;
  double smooth_quant_alpha = 0.95;               // transformer only; < 0 disables SmoothQuant
  OverflowFix overflow_fix = OverflowFix::kFirstLayer;
  bool overflow_fix_from_target = true;           // derive overflow_fix from `target`
  Target target = Target::kHost;
  IgnoredScope ignored_scope;
  bool weights_as_int8_initializers = true;       // else float weights + QuantizeLinear
  size_t batch_size = 0;                          // 0 = choose automatically
  int num_threads = 0;                            // 0 = all cores
};

}  // namespace qac
