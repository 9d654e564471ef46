// Pass: the ONNX checker.
#pragma once

#include <onnx/onnx_pb.h>

#include "onnx/normalize_log.h"
#include "qac/status.h"

namespace qac {

// Runs the ONNX checker (check_onnx_model, onnx/safe_inference.h). When the model's
// default-domain opset is newer than the ONNX library knows, checker failures are logged as
// warnings instead of errors.
// Errors: InvalidModel with the checker's message (which names the node).
Status verify(const onnx::ModelProto& model, NormalizeLog& log);

}  // namespace qac
