// Read access to the weights of weighted nodes in the FP32 reference model.
#pragma once

#include <string>

#include <onnx/onnx_pb.h>

#include "graph/node_attributes.h"
#include "qac/status.h"
#include "qac/tensor.h"
#include "quant/placement.h"

namespace qac {

// The float32 initializer `name` of the main graph.
Result<Tensor> weight_tensor(const onnx::ModelProto& model, const std::string& name);

// The name of the weighted node that runs first (lowest topological position) among those
// with a weight quantizer; "" when there is none. Its input is usually the raw model input,
// which is why the overflow fix "first_layer" targets it.
Result<std::string> first_weighted_node(const onnx::ModelProto& model, const QuantizerSetup& setup);

}  // namespace qac
