// What a model holds and what quantize() would do with it, without calibration data.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "qac/model.h"
#include "qac/options.h"
#include "qac/quantize.h"
#include "qac/status.h"

namespace qac {

struct ModelSummary {
  int64_t opset = 0;  // of the default ONNX domain
  int nodes = 0;
  int initializers = 0;
  std::vector<std::string> inputs, outputs;  // "name [1, 3, height, ?]" (symbolic names, ? unknown)
  std::map<std::string, int> op_histogram;   // nodes per op type
};

// The placement quantize() would make with `options`, with a reason for every decision.
struct QuantizationPlan {
  struct Activation {
    std::string tensor, reason;
  };
  struct Weight {
    std::string node, weight;
    int axis = 0;
  };
  std::vector<std::string> normalization;  // rewrites made before placement
  std::map<std::string, int> quantized_ops_per_type;
  std::vector<Activation> activations;
  std::vector<Weight> weights;
  std::vector<QuantizationReport::Skipped> float_nodes;  // nodes left in float, and why
};

ModelSummary summarize(const Model& model);

// Normalizes and places quantizers as quantize() does, without statistics or kernel timing
// (which need data): the placement before kernel timing. Errors name the node or tensor.
Result<QuantizationPlan> plan_quantization(const Model& model, const QuantizationOptions& options);

}  // namespace qac
