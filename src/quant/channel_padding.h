// Zero channels appended by Concat, rewritten as a 1x1 Conv for ONNX Runtime's float kernels.
//
// Residual blocks that widen the channels (BlazeFace, other MediaPipe and TensorFlow Lite
// exports) pad the shortcut with zero channels before the Add:
//   Concat(axis = 1)(x [N, C, H, W], ConstantOfShape([N, Z, H, W], 0)) -> [N, C + Z, H, W]
// ONNX Runtime's CPU provider runs float convolutions in a blocked channel layout (NCHWc) and
// keeps Add and Relu in it, but not a Concat whose inputs' channels are not multiples of the
// block: every such Concat costs a reorder out of the blocked layout and one back in. The same
// values are a 1x1 convolution of x with the identity matrix padded by Z zero rows:
//   y[n, o, h, w] = sum_c W[o, c] x[n, c, h, w],  W[o, c] = (o == c ? 1 : 0)
// which stays in the blocked layout (and lets the Add be fused into it). For finite x the
// result is exact (each output is 1 * x plus zeros); a NaN or an infinity in x spreads to the
// padded channels of its pixel, where the Concat would give 0.
//
// Applied to emitted models of the ONNX Runtime targets, on float Concats only: a Concat whose
// padded input comes from a DequantizeLinear or whose output feeds a QuantizeLinear lies in an
// int8 region, where ONNX Runtime runs it as an int8 concatenation.
#pragma once

#include <string>
#include <vector>

#include <onnx/onnx_pb.h>

#include "qac/status.h"

namespace qac {

// Every log line of rewrite_channel_padding starts with this.
inline constexpr const char* kChannelPaddingLogPrefix = "channel zero-padding Concat";

// Rewrites every channel zero-padding Concat of the main graph as described above: FLOAT data,
// x of rank 4 with a recorded static shape, the zeros from a ConstantOfShape of an int64
// initializer [N, Z, H, W] (N, H, W those of x) whose value is absent or a float 0. The Conv
// writes the Concat's output and is named "<Concat name>/as_conv"; a ConstantOfShape no other
// node reads is removed. Appends one line per rewrite to `log` (may be null). Returns the
// number of rewrites. Errors: kInvalidModel for a malformed graph.
Result<int> rewrite_channel_padding(onnx::ModelProto& model, std::vector<std::string>* log);

}  // namespace qac
