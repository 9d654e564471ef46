// Packed-QKV self-attention, rewritten as ONNX Runtime's fused MultiHeadAttention.
//
// Transformers exported from PyTorch (timm-style ViT blocks) and PaddlePaddle (the SVTR mixers
// of PP-OCR) compute self-attention from one packed projection X [B, S, 3*H*D]:
//   P = Reshape(X, [e0, e1, 3, H, D])             e0, e1: any entries (B and S at run time)
//   T = Transpose(P, perm = [2, 0, 3, 1, 4])      [3, B, H, S, D]
//   Q, K, V = T[0], T[1], T[2]                    Gather(axis 0) or Slice + Squeeze
//   A = SoftmaxLast(s * (Q @ Transpose(K, perm = [0, 1, 3, 2])))
//   Y = Reshape(Transpose(A @ V, perm = [0, 2, 1, 3]), shape_y)
// where s is the product of scalar Mul/Div constants on Q, on K or on the scores. The same
// values, up to float rounding, are
//   X3 = Reshape(X, [e0, e1, 3*H*D]);  Q', K', V' = Split(X3, axis = 2, [H*D, H*D, H*D])
//   Y  = Reshape(MultiHeadAttention(Q', K', V'; num_heads = H, scale = s), shape_y)
// because P and X3 hold the same elements in the same order (only trailing dims merge); head h
// of Q' is columns [h*D, (h+1)*D) of the first third of X3, which is T[0][:, h]; and the
// attention output [B, S, H*D] is A @ V transposed to [B, S, H, D], in the same order. When X is
// the projection MatMul(T, W) + b of float initializers W [K, 3*H*D], b [3*H*D], read by P only,
// and both e0 and e1 are provably X's dims 0 and 1, the fused node is instead
//   Attention(T, W, b; num_heads = H, scale = s)
// which also computes the projection (same weight layout: Q, K, V thirds, head h at columns
// h*D). ONNX Runtime's CPU provider runs the whole attention in one kernel instead of about a
// dozen small nodes and their shape arithmetic. X3's shape is the constant [c0, c1, 3*H*D] (0,
// copy, for an entry provably X's dim: a constant 0, or that dim of the shape of X or of T; -1 for
// the other, fixed by the element count; no rewrite when neither is proven), and the output
// Reshape's computed shape becomes the constant [0, 0, c] when its entries are provably so.
// SoftmaxLast is a Softmax over the last axis of the rank-4 scores (axis -1 or 3), or the
// Flatten(axis 3) -> Softmax(axis 1) -> Reshape(Shape(scores)) form the opset upgrade writes.
//
// Applied to emitted models of the ONNX Runtime targets, to float attention only: a
// QuantizeLinear or DequantizeLinear anywhere in the pattern (an int8 attention MatMul), a mask
// added to the scores, or an intermediate value read elsewhere leaves the attention as it is.
#pragma once

#include <string>
#include <vector>

#include <onnx/onnx_pb.h>

#include "qac/status.h"

namespace qac {

// Every log line of rewrite_self_attention starts with this.
inline constexpr const char* kSelfAttentionLogPrefix = "self-attention";

// Rewrites every packed-QKV self-attention of the main graph as described above. The fused node
// is named "<Softmax name>/as_attention" or "<Softmax name>/as_multi_head_attention"; shape
// computations no node reads any more are removed; the model imports the com.microsoft domain
// when a rewrite happens. Appends one line per rewrite to `log` (may be null). Returns the number
// of rewrites. Errors: kInvalidModel for a malformed graph.
Result<int> rewrite_self_attention(onnx::ModelProto& model, std::vector<std::string>* log);

}  // namespace qac
