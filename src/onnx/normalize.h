// Normalization: the pipeline that turns a user's model into the form qac works on.
#pragma once

#include <onnx/onnx_pb.h>

#include "onnx/normalize_log.h"
#include "qac/status.h"

namespace qac {

// Runs, in order:
//   1. constants_to_initializers  Constant nodes of the main graph -> initializers
//   2. upgrade_opset              default-domain opset -> 13 (IR >= 7)
//   3. infer_shapes               value_info for what ONNX shape inference derives
//   4. verify                     the ONNX checker
// Every decision is recorded in `log`. On error the Status names the pass and the node; the
// model is then left partly normalized and should be discarded.
Status normalize(onnx::ModelProto& model, NormalizeLog& log);

}  // namespace qac
