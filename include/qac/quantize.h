// The basic 8-bit post-training flow: FP32 ONNX model + calibration data -> INT8 QDQ model.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "qac/dataset.h"
#include "qac/model.h"
#include "qac/options.h"
#include "qac/status.h"

namespace qac {

// What quantize() did, for logs, the CLI summary and the JSON report.
struct QuantizationReport {
  QuantizationOptions options;                     // the options the model was quantized with
  std::vector<std::string> normalization;          // rewrites applied to the input model
  std::map<std::string, int> quantized_ops_per_type;  // op type -> nodes whose inputs are quantized
  int activation_quantizers = 0;
  int weight_quantizers = 0;
  struct Skipped { std::string node, op_type, reason; };
  std::vector<Skipped> skipped;                    // nodes left in float, and why
  std::vector<std::string> decisions;              // quantizers placed, biases corrected, ...
  std::string target;                              // resolved target (cpu-avx2, cpu-vnni, any)
  std::string overflow_fix;                        // effective overflow fix
  // What of this machine the output depends on (target host resolved from its CPU, int8 units
  // chosen by timing its kernels); empty when it depends only on the inputs and the options.
  std::vector<std::string> machine_dependence;
  size_t calibration_samples = 0;
  // Per activation quantizer with its own parameters: the tensor, the range the estimator chose
  // ([range_min, range_max], before widening to include 0), the values calibration saw (global
  // min and max over the calibration samples) and the resulting scale and zero point.
  struct ActivationRange {
    std::string tensor;
    double range_min = 0, range_max = 0;
    double observed_min = 0, observed_max = 0;
    double scale = 0;
    int zero_point = 0;
    std::string type;  // "uint8" or "int8"
  };
  std::vector<ActivationRange> activation_ranges;  // in the order parameters were computed
  double seconds_statistics = 0, seconds_total = 0;
  // FP32 vs INT8 latency in ONNX Runtime (all optimizations, 1 thread, one calibration sample,
  // runs interleaved), when options.measure_latency; int8_mac_share = share of the Conv/MatMul/
  // Gemm multiply-accumulates ONNX Runtime ran in int8 kernels (NaN: the model has none).
  struct Speed {
    bool measured = false;
    double fp32_ms = 0, int8_ms = 0, ratio = 0, int8_mac_share = 0;
  } speed;

  // Pretty-printed JSON object, with the qac version and every option under "options".
  std::string to_json() const;
};

// Quantizes `model` with statistics from the first `options.subset_size` samples of
// `calibration`. Returns the QDQ model; it loads in ONNX Runtime with all optimizations.
Result<Model> quantize(const Model& model, const Dataset& calibration,
                       const QuantizationOptions& options = {},
                       QuantizationReport* report = nullptr);

}  // namespace qac
