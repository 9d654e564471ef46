// SmoothQuant (Xiao et al., 2023) for MatMul and Gemm with a constant weight: moves the
// outlier channels of an activation into the weight, exactly in float, so that the per-tensor
// activation quantizer wastes fewer levels (docs/design.md §5, model_type=transformer).
//
// For an activation X [..., K] read by weighted nodes Y_j = X W_j (W_j indexed [k, n] by input
// channel k; Gemm transB=1 stores it as [n, k], a batched MatMul weight as [..., k, n]):
//   a_k = max |X[..., k]| over the calibration samples            (TensorStats::channel_absmax)
//   w_k = max over j and n of |W_j[k, n]|     (all weights reading X: one s for Q, K and V)
//   s_k = max(a_k, 1e-5)^alpha / (max(w_k, 1e-5)^(1 - alpha) + eps_float32)
//   s_k is clamped to [q, 100], q = the 10th percentile of s over k (linear interpolation),
//   X' = X / s (along the last axis),   W_j' = diag(s) W_j,   so that X' W_j' = X W_j.
// These are NNCF's formulas; NNCF picks for a group the s of one member (best min/max ratio),
// qac takes w_k over every member's rows, i.e. the s of the concatenated weight [W_1 ... W_m].
//
// A weighted node is smoothed when it is a MatMul or Gemm (transA=0) of the default domain
// with a weight quantizer in the setup, a float initializer weight of rank >= 2 (Gemm: 2)
// that is no graph input, and a quantized activation (served by an activation quantizer,
// directly or through the agnostic ops it was moved above).
//
// Where X / s is computed:
//   * folded into the per-channel affine parameters of X's producer, when X is produced by
//     LayerNormalization (Scale, B), by a decomposed LayerNorm ending Add(Mul(y, gamma), beta),
//     or by Mul(y, gamma), with gamma/beta float initializers holding K values along the last
//     axis, and every reader of X is a smoothed node or a Shape/Size node (no new node;
//     gamma' = gamma / s, beta' = beta / s);
//   * else by one new Mul node X' = X * (1/s) (initializer [K]) that feeds exactly the
//     smoothed nodes; other readers of X (and the graph output X) keep the original X.
// Initializers read by anything else than the edited nodes (shared weights, shared gamma) are
// copied, never changed in place.
//
// Pipeline contract (two calibration passes on transformer models):
//   1. setup = place_quantizers(model)
//   2. targets = smooth_quant_targets(model, setup)
//   3. stats = collect_statistics(model, data, {channel_absmax_last_axis = targets})
//   4. apply_smooth_quant(model, setup, stats, alpha, &log)      (steps 2-4: smooth_quant())
//   5. setup = place_quantizers(model) again: the activation quantizer of each smoothed group
//      now sits on X' (the new Mul output; the Mul, an elementwise op with a constant operand,
//      stays float) or on X itself (folded) with the smoothed nodes as consumers;
//   6. the normal statistics pass on the smoothed model (quantizer ranges are those of X').
// Smoothing is exact in float, so the smoothed model is a valid FP32 reference: reverting a
// node to float keeps its smoothed weight.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <onnx/onnx_pb.h>

#include "qac/dataset.h"
#include "qac/options.h"
#include "qac/status.h"
#include "quant/placement.h"
#include "quant/tensor_stats.h"

namespace qac {

inline constexpr double kDefaultSmoothQuantAlpha = 0.95;  // NNCF's alpha for MatMul

struct SmoothQuantLog {
  // One line per smoothed activation (nodes, scale range, where 1/s went) and per weighted
  // node or activation left alone (with the reason).
  std::vector<std::string> entries;
  int smoothed_activations = 0;  // groups smoothed
  int folded = 0;                // ... of which 1/s was folded into the producer
};

// The activation tensors X whose per-channel abs-max apply_smooth_quant() needs, in graph
// order, one per group of smoothed nodes. `setup` must come from place_quantizers(model).
// Errors: kInvalidModel for a malformed graph, kInvalidArgument when `setup` names nodes the
// model does not hold.
Result<std::vector<std::string>> smooth_quant_targets(const onnx::ModelProto& model,
                                                      const QuantizerSetup& setup);

// Smooths every group of smooth_quant_targets(model, setup) (see the top of this file).
// REQUIRES: `stats` holds channel_absmax() (last axis) for every target, collected on `model`
// as it is now; `setup` is place_quantizers(model). A target without usable statistics
// (missing, empty, non-finite, channel count different from the weights') is left alone and
// logged. After a successful call `setup` is stale: place quantizers again.
// Errors: kInvalidArgument for alpha outside [0, 1] or a setup that does not match the model,
// kInvalidModel / kUnsupported for unreadable weights (naming them). On error the model may
// be partly edited and should be discarded.
Status apply_smooth_quant(onnx::ModelProto& model, const QuantizerSetup& setup,
                          const std::map<std::string, TensorStats>& stats, double alpha,
                          SmoothQuantLog* log);

// Steps 2-4 of the pipeline contract: one statistics pass over the first options.subset_size
// samples of `calibration` (per-channel abs-max of the targets only), then apply_smooth_quant
// with options.smooth_quant_alpha. Does nothing (returns 0) unless options.model_type is
// kTransformer and options.smooth_quant_alpha is set. Returns the number of smoothed
// activations; when it is > 0 the model changed and quantizers must be placed again.
Result<int> smooth_quant(onnx::ModelProto& model, const QuantizerSetup& setup,
                         const Dataset& calibration, const QuantizationOptions& options,
                         SmoothQuantLog* log);

// s_k for every channel from a_k (activation abs-max) and w_k (weight row abs-max), with the
// floors and clamps above. REQUIRES: equal non-zero sizes, 0 <= alpha <= 1, finite inputs.
std::vector<double> smooth_quant_scales(const std::vector<float>& activation_absmax,
                                        const std::vector<float>& weight_absmax, double alpha);

}  // namespace qac
