// Hard-swish written out as elementwise ops, rewritten as HardSigmoid + Mul for ONNX Runtime.
//
// Exporters (PaddlePaddle, some PyTorch and TensorFlow paths) write hard-swish as four float
// ops, x * clip(x + 3, 0, 6) / 6, in one of these orders:
//   Mul(x, Clip(Add(x, 3), 0, 6)) -> Div(., 6)   or   -> Mul(., 1/6)
//   Mul(x, Div(Clip(Add(x, 3), 0, 6), 6))        or   Mul(x, Mul(Clip(...), 1/6))
// None of them has an int8 kernel, so in an int8 model they run in float between int8
// convolutions, four kernel launches over the whole tensor each time. The same function is
//   hard_swish(x) = x * HardSigmoid(x; alpha = 1/6, beta = 0.5)
//                 = x * max(0, min(1, x / 6 + 0.5))
// two ops, both available since opset 6 (the HardSwish op of opset 14 is what ONNX Runtime's
// CPU provider expands into these two). Results differ from the four-op form by float rounding
// only (x / 6 + 0.5 against (x + 3) / 6).
#pragma once

#include <string>
#include <vector>

#include <onnx/onnx_pb.h>

#include "qac/status.h"

namespace qac {

// Rewrites every four-op hard-swish of the main graph whose intermediate values are read only
// inside the pattern and are no graph outputs; the constants must be float scalars (3, 0, 6 and
// 6 or 1/6 within 1e-6 relative). The output tensor keeps its name; the Mul keeps the name of
// the pattern's last node, the HardSigmoid is named "<that name>/hard_sigmoid". Appends one line
// per rewrite to `log` (may be null). Returns the number of rewrites.
// Errors: kInvalidModel for a malformed graph.
Result<int> rewrite_hard_swish(onnx::ModelProto& model, std::vector<std::string>* log);

}  // namespace qac
