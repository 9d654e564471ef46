// ONNX shape inference that a malformed model cannot crash.
//
// ONNX's inference functions trust what its checker verifies (node arity, inputs defined
// before use, attribute types), and some trust more: the Conv family reads its kernel size
// from the weight's dims and walks the data input's dims with it (out of bounds when the two
// ranks differ), convolution and pooling divide by their strides. So here the checker runs
// first, and inference looks schemas up in a registry that runs qac's guards
// (onnx/inference_guards.h) before ONNX's function of those ops; a guard's error names the node.
#pragma once

#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

#include "qac/status.h"

namespace qac {

// The ONNX checker on `model`, then check_model_tensor_storage (onnx/tensor_storage.h): the
// checker does not compare the data of initializers and tensor attributes with their dims.
// InvalidModel with the checker's message (which names the node) or naming the tensor.
Status check_onnx_model(const onnx::ModelProto& model);

// Runs check_onnx_model, then ONNX shape inference on `model` in place with `options`.
// A checker error is returned and leaves `model` untouched. Inference errors are returned
// (InvalidModel, naming the node) when options.error_mode != 0, and may leave part of the
// inferred value_info in `model`; otherwise they are ignored and the values whose types could
// not be derived stay without value_info.
// REQUIRES: the model's default-domain opset is one the linked ONNX library knows.
Status infer_shapes_checked(onnx::ModelProto& model, const onnx::ShapeInferenceOptions& options);

}  // namespace qac
