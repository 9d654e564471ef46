// Pass: ONNX shape inference.
#pragma once

#include <onnx/onnx_pb.h>

#include "onnx/normalize_log.h"
#include "qac/status.h"

namespace qac {

// The highest default-domain opset the linked ONNX library knows.
int max_known_opset();

// Runs ONNX shape inference over the model (subgraphs included), adding value_info for the
// values whose type and shape it can derive; data-dependent dims stay unknown. Models whose
// default-domain opset is newer than the library knows are left as they are (logged).
// Errors: InvalidModel with ONNX's message (which names the node) when inference finds the
// model inconsistent.
Status infer_shapes(onnx::ModelProto& model, NormalizeLog& log);

}  // namespace qac
