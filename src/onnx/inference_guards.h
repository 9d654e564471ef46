// Checks qac runs before ONNX's shape-inference function of some ops, on inputs those functions
// mishandle: the Conv family walks the data input's dims with a kernel taken from the weight's
// dims (out-of-bounds reads when the ranks differ), and convolution and pooling divide by their
// strides (SIGFPE for a stride of 0). A guard throws ONNX's InferenceError, as ONNX's own
// checks do, so the error names the node.
#pragma once

#include <onnx/defs/schema.h>

namespace qac {

using InferenceGuard = void (*)(onnx::InferenceContext& ctx);

// The guard for `schema`'s op, or nullptr when its inference needs none.
InferenceGuard inference_guard_for(const onnx::OpSchema& schema);

}  // namespace qac
