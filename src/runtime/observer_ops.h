// In-graph statistics observers: operators of a private domain that qac appends to a model so
// that ONNX Runtime summarizes an activation right where it is computed (while it is still in
// cache, on the session's threads), instead of returning the whole tensor to the host. Every
// session qac creates knows these operators. The summaries are exactly what
// quant/tensor_stats accumulates from a raw batch (TensorStats::add_row_ranges,
// add_channel_sums, add_channel_absmax), computed with the same core/float_scan routines.
#pragma once

namespace qac {

inline constexpr char kObserverDomain[] = "ai.qac.observe";
inline constexpr int kObserverDomainVersion = 1;

// Outputs that describe the whole batch carry a leading axis of 1, so that batching, which cuts
// per-sample outputs of padded batches back to their real rows, never mistakes them for rows.
//
// RowRange(X: float[d0, d1, ...]) -> (ranges: float[R, 2], nonfinite: int64[R], shape: int64[1, rank])
//   R = d0 (1 for a scalar). ranges[r] = (min, max) over the finite values of row r, (+inf, -inf)
//   when none is; nonfinite[r] = the number of NaN / +-inf values of row r; shape = X's shape.
inline constexpr char kRowRangeOp[] = "RowRange";

// ChannelSum(X: float) -> sums: double[1, C]; attributes `axis` (int, -rank <= axis < rank;
//   negative counts from the end) and `tensor` (string: X's name, for messages).
//   C = X.shape[axis]; sums[0, c] = the sum of X over every other axis.
inline constexpr char kChannelSumOp[] = "ChannelSum";

// LastAxisAbsMax(X: float, rank >= 1) -> absmax: float[1, C]; C = the last dimension,
//   absmax[0, c] = max |x| over every other axis (0 when there is none; NaN left out).
inline constexpr char kLastAxisAbsMaxOp[] = "LastAxisAbsMax";

}  // namespace qac
