// Graph rewrites that run before placement so that fused patterns get no quantizer inside.
#pragma once

#include <string>
#include <vector>

#include <onnx/onnx_pb.h>

#include "qac/status.h"

namespace qac {

// Folds each BatchNormalization of the main graph that directly follows a Conv,
// ConvTranspose or Gemm into that op's weight and bias, and removes it:
//   s[c]  = gamma[c] / sqrt(var[c] + epsilon)
//   W'    = W scaled by s along the output-channel axis (Conv 0, ConvTranspose 1 within each
//           group, Gemm: rows of B when transB=1, else columns)
//   bias' = (bias - mean) * s + beta        (Gemm: beta_attr * C * s - mean * s + beta, and
//                                            the Gemm's beta attribute becomes 1)
// A BN is folded only when it runs in inference mode, the op's output is read by the BN alone
// and is no graph output, and the weight, bias and BN parameters are float32 initializers of
// matching sizes. Weights or biases shared with other nodes are copied, not changed in place.
// Appends one line per folded BN ("folded BatchNormalization 'bn1' into Conv 'conv1'") and
// per BN that follows such an op but was kept (with the reason) to `log` (may be null).
// Errors: kInvalidModel for a malformed graph or initializer, naming it.
Status fold_batch_norms(onnx::ModelProto& model, std::vector<std::string>* log);

}  // namespace qac
