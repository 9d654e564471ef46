// Options of the basic 8-bit flow, named after NNCF's parameters where one exists.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace qac {

// performance: symmetric activations (zero point 0; int8 for signed tensors, or uint8 with zero
//   point 128 where the target takes uint8 only). mixed: asymmetric uint8 activations with an
//   integer zero point. kTargetDefault: mixed for ONNX Runtime targets (ONNX Runtime's own
//   default, same kernels and speed, better accuracy), performance for openvino / any (NNCF's).
// Weights are always symmetric.
enum class Preset { kTargetDefault, kPerformance, kMixed };

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
// kFromTarget: kEnable for the cpu-avx2 kernels (also `host` and `openvino` on an AVX2 CPU),
// kDisable otherwise. The others apply as named, whatever the target.
enum class OverflowFix { kFromTarget, kDisable, kFirstLayer, kEnable };

// Bias correction after weight quantization, so that each quantized layer's per-channel output
// mean matches FP32. kFast: analytic, from the weight error and the calibration means of the
// layer's input (NNCF's fast_bias_correction=True). kFull: measured layer by layer in the
// quantized model, one pass over 64 calibration samples per layer (NNCF's
// fast_bias_correction=False). kNone: off.
enum class BiasCorrection { kNone, kFast, kFull };

// Where the quantized model will run, which decides the QDQ form that is emitted.
//
// ONNX Runtime targets (kHost, kCpuAvx2, kCpuVnni, kCpuArm) get ONNX Runtime's node-unit form:
// every quantized Conv / MatMul / Gemm / Add / Mul / Concat / pooling op reads DequantizeLinear
// outputs and (where its int8 kernel needs it) writes through a QuantizeLinear, activations are
// uint8 (ONNX Runtime fuses int8 activations only on ARM), weights int8 per channel, so that
// ONNX Runtime's CPU execution provider replaces each unit by an int8 kernel (QLinearConv,
// QLinearMatMul, MatMulIntegerToFloat, QGemm, QLinearAdd ...). Ops without an int8 kernel get
// no quantizer of their own: a quantizer ONNX Runtime cannot fuse only costs time.
// kOpenVino gets NNCF's placement (quantizers on the inputs of weighted and quantizable ops,
// moved above agnostic ops), which OpenVINO fuses; its overflow fix follows the host CPU.
enum class Target {
  kHost,      // ONNX Runtime on this machine: kCpuVnni or kCpuAvx2 on x86, kCpuArm on ARM
  kCpuAvx2,   // ONNX Runtime, x86 without VNNI: u8 x s8 pairs sum into saturating int16
  kCpuVnni,   // ONNX Runtime, x86 with AVX-512 VNNI or AVX-VNNI: exact int32 accumulation
  kCpuArm,    // ONNX Runtime, ARM64
  kOpenVino,  // OpenVINO (runtime or execution provider): NNCF's placement
  kAny,       // NNCF's placement without any CPU-specific weight range (accelerators)
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
  Preset preset = Preset::kTargetDefault;
  ModelType model_type = ModelType::kDefault;
  size_t subset_size = 300;                       // calibration samples used for statistics
  RangeEstimator activation_estimator = RangeEstimator::kMeanMinMax;
  double quantile = 1e-4;                         // for kQuantile
  BiasCorrection bias_correction = BiasCorrection::kFast;
  // SmoothQuant's alpha in [0, 1] for model_type transformer (ignored otherwise); empty: off.
  std::optional<double> smooth_quant_alpha = 0.95;
  OverflowFix overflow_fix = OverflowFix::kFromTarget;
  Target target = Target::kHost;
  IgnoredScope ignored_scope;
  bool weights_as_int8_initializers = true;       // else float weights + QuantizeLinear
  size_t batch_size = 0;                          // 0 = choose automatically
  int num_threads = 0;                            // 0 = all cores
  bool measure_latency = true;                    // FP32 vs INT8 latency in the report
  // ONNX Runtime targets run on this machine (target host, or the host's own cpu-*): time each
  // node unit alone in int8 and in float, and keep in float the units whose int8 kernel (with
  // the Q/DQ it needs) is not faster. The choice then depends on this CPU's timings; false keeps
  // every unit placement allows (a model that depends only on the inputs and options).
  bool kernel_timing = true;
  // Kernel timings are kept in a cache keyed by CPU model, ONNX Runtime version and the bytes of
  // the models timed, so that the same command on the same machine makes the same choice.
  // Directory: `kernel_timing_cache_dir`, or when empty $XDG_CACHE_HOME/qac/kernel-timing
  // ($HOME/.cache/qac/kernel-timing). false: measure every time, store nothing.
  bool kernel_timing_cache = true;
  std::string kernel_timing_cache_dir;
  // Non-empty: a folder for work a later run can reuse. The calibration statistics are kept
  // there, keyed by the model, the calibration samples and what is observed, and a run with
  // the same key reads them instead of running the calibration pass; accuracy control also keeps
  // every evaluation of its search there (AccuracyControlOptions). Kernel timings then go to
  // <cache_dir>/kernel-timing unless kernel_timing_cache_dir names another folder.
  std::string cache_dir;
};

}  // namespace qac
