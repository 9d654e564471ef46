// How much of a model's multiply-accumulate work ONNX Runtime runs in int8 kernels, counted on
// the nodes it executed (runtime/profile.h): a QDQ Conv that ONNX Runtime fused into
// QLinearConv counts as int8, one it left as DequantizeLinear -> Conv counts as float.
#pragma once

#include <string>
#include <vector>

#include "qac/benchmark.h"
#include "qac/status.h"
#include "runtime/profile.h"

namespace qac {

enum class MacKernel {
  kNone,        // no convolution or matrix product
  kFloat,       // Conv, FusedConv, ConvTranspose, MatMul, FusedMatMul, Gemm, the float
                // Attention and MultiHeadAttention kernels, ...
  kInt8,        // QLinearConv, ConvInteger, QLinearMatMul, MatMulInteger, MatMulIntegerToFloat,
                // DynamicQuantizeMatMul, QGemm
  kWeightOnly,  // MatMulNBits: low-bit weights; whether its arithmetic is int8 depends on its
                // accuracy_level attribute, which the trace does not show, so it is not int8
};

// The class of kernel `op_type` runs in.
MacKernel mac_kernel(const std::string& op_type);

// Multiply-accumulates of one executed node, from the shapes it ran on (NCHWc convolutions
// count the channels they pad to their block size): a convolution makes
// prod(weight dims[1:]) per output element (per input element when transposed), a matrix
// product K per output element, an attention kernel its projection (Attention) and its two
// products (formulas in int8_coverage.cc). 0 for kNone ops.
// REQUIRES: `node` comes from a session that kept every weight in the trace
// (SessionOptions::prepack_weights off). InvalidData naming the node when its shapes do not
// fit its op type.
Result<double> node_macs(const NodeRecord& node);

// Sums node_macs() over `nodes` by kernel class.
Result<Int8Coverage> int8_coverage(const std::vector<NodeRecord>& nodes);

}  // namespace qac
