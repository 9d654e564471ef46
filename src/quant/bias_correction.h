// Bias correction: shifts each quantized layer's bias so that the per-output-channel mean of
// its output matches the FP32 model.
//   fast: analytic, weight error only:  b'[o] = b[o] + sum_k (W - Wq)[o, k] * E[x_k]
//         with E[x_k] the calibration mean of input channel k (collected in the statistics
//         pass; spatial padding effects are ignored). Works for depthwise/grouped Conv, Gemm,
//         MatMul followed by an Add of a constant vector, and for Conv without a bias (one is
//         added). Layers whose bias holds zeros are corrected like any other.
//   full: empirical and sequential (layers in topological order), with the input each layer
//         really sees in the quantized model where every earlier layer is already corrected:
//         b'[o] = b[o] + (W · E_fp32[x])[o] - (Wq · E_int8[x])[o]
//         so the shift also undoes the mean error that upstream activation quantization brings
//         into the layer. One pass over the first 64 calibration samples per corrected layer.
// Corrections are stored in QdqInputs (corrected_bias / corrected_add_bias), never in the FP32
// model, so reverting a layer to float restores its original bias.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include <onnx/onnx_pb.h>

#include "qac/dataset.h"
#include "qac/options.h"
#include "quant/placement.h"
#include "quant/qdq_emit.h"
#include "quant/tensor_stats.h"

namespace qac {

struct BiasCorrectionLog {
  std::vector<std::string> entries;
};

// For each weighted node with a weight quantizer: (its activation input tensor, channel axis),
// keyed by node name. The statistics pass collects per-channel means of these tensors.
std::map<std::string, std::pair<std::string, int>> bias_correction_inputs(const onnx::ModelProto& fp32,
                                                                          const QuantizerSetup& setup);

// REQUIRES: params.weights filled; stats hold channel means for bias_correction_inputs().
Status fast_bias_correction(const onnx::ModelProto& fp32, const QuantizerSetup& setup,
                            const std::map<std::string, TensorStats>& stats, QdqInputs& params,
                            BiasCorrectionLog* log);

// REQUIRES: params.activation_params and params.weights filled; stats as for the fast
// correction. Runs the quantized model once per corrected layer (see above).
Status full_bias_correction(const onnx::ModelProto& fp32, const QuantizerSetup& setup,
                            const std::map<std::string, TensorStats>& stats, const Dataset& calibration,
                            const QuantizationOptions& options, QdqInputs& params, BiasCorrectionLog* log);

}  // namespace qac
