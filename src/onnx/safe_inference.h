// ONNX shape inference that a malformed model cannot crash.
//
// ONNX's inference functions trust what its checker verifies (node arity, inputs defined
// before use, attribute types), and some index one input's dims by another input's rank: the
// Conv family reads its kernel size from the weight's dims and walks the data input's dims
// with it, out of bounds when the two ranks differ. So here the checker runs first, and
// inference looks schemas up in a registry whose Conv-family schemas compare those ranks
// before ONNX's own function runs (a mismatch is an inference error naming the node).
#pragma once

#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

#include "qac/status.h"

namespace qac {

// The ONNX checker on `model`. InvalidModel with the checker's message (which names the node).
Status check_onnx_model(const onnx::ModelProto& model);

// Runs check_onnx_model, then ONNX shape inference on `model` in place with `options`.
// A checker error is returned and leaves `model` untouched. Inference errors are returned
// (InvalidModel, naming the node) when options.error_mode != 0, and may leave part of the
// inferred value_info in `model`; otherwise they are ignored and the values whose types could
// not be derived stay without value_info.
// REQUIRES: the model's default-domain opset is one the linked ONNX library knows.
Status infer_shapes_checked(onnx::ModelProto& model, const onnx::ShapeInferenceOptions& options);

}  // namespace qac
