// Pass: Constant nodes of the main graph become initializers.
#pragma once

#include <onnx/onnx_pb.h>

#include "onnx/normalize_log.h"
#include "qac/status.h"

namespace qac {

// Replaces each Constant node of the main graph (attribute value, value_float(s) or
// value_int(s)) by an initializer with the node's output name. Constants that feed a graph
// output directly, that hold sparse or string values, or whose name is already taken by an
// initializer stay as they are (logged). Constants inside subgraphs stay nodes.
// Errors: InvalidModel naming the node when a Constant is malformed.
Status constants_to_initializers(onnx::ModelProto& model, NormalizeLog& log);

}  // namespace qac
