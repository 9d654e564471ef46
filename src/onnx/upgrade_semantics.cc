// Rewrites of ops whose meaning or attributes changed between opset 1 and 13.
#include <cmath>
#include <string>
#include <vector>

#include "onnx/graph_walk.h"
#include "onnx/op_types.h"
#include "onnx/upgrade_rewrites.h"

namespace qac {
namespace {

std::string base_name(const onnx::NodeProto& node) { return node.name().empty() ? node.op_type() : node.name(); }

void log_rewrite(UpgradeContext& ctx, const onnx::NodeProto& node, const std::string& what) {
  ctx.log().add("opset upgrade: " + describe_node(node) + ": " + what);
}

// Appends to `out` an Unsqueeze that gives input `index` of `node` (of rank `rank`) `count`
// trailing unit dims, and makes `node` read its result. REQUIRES: index < node.input_size().
void unsqueeze_trailing(onnx::NodeProto& node, int index, int64_t rank, int64_t count, UpgradeContext& ctx,
                        std::vector<onnx::NodeProto>& out) {
  std::vector<int64_t> axes;
  for (int64_t i = 0; i < count; ++i) axes.push_back(rank + i);
  const std::string base = base_name(node);
  const std::string axes_name = ctx.add_int64s(base + "_broadcast_axes", axes);
  const std::string aligned = ctx.fresh_name(base + "_aligned");
  out.push_back(ctx.make_node(op::kUnsqueeze, {node.input(index), axes_name}, {aligned}, base + "_align"));
  node.set_input(index, aligned);
}

}  // namespace

// Softmax, LogSoftmax, Hardmax before opset 13 coerce the input to 2-D at `axis` (default 1):
//   [d0..d(axis-1), d(axis)..d(n-1)] -> [prod(d0..), prod(d(axis)..)], normalized along dim 1.
// Opset 13 normalizes along `axis` only (default -1). Both agree when axis is the last axis;
// otherwise the node becomes Flatten(axis) -> op(axis=1) -> Reshape(to Shape(x)).
Status upgrade_softmax_family(onnx::NodeProto node, UpgradeContext& ctx, std::vector<onnx::NodeProto>& out) {
  QAC_RETURN_IF_ERROR(require_arity(node, 1, 1));
  constexpr int64_t kOldDefaultAxis = 1;
  const onnx::AttributeProto* axis_attr = find_attribute(node, "axis");
  const int64_t axis = axis_attr != nullptr ? axis_attr->i() : kOldDefaultAxis;
  const std::optional<int> rank = ctx.rank(node.input(0));
  if (axis == -1 || rank) {
    const bool is_last_axis = axis == -1 || (axis < 0 ? axis + *rank : axis) == *rank - 1;
    if (is_last_axis) {
      set_int_attribute(node, "axis", -1);
      log_rewrite(ctx, node, "axis " + std::to_string(axis) + " is the last axis; kept as axis=-1");
      out.push_back(std::move(node));
      return Status::Ok();
    }
  }
  const std::string base = base_name(node);
  const std::string input = node.input(0);
  const std::string output = node.output(0);
  const std::string flat = ctx.fresh_name(base + "_flat");
  const std::string flat_out = ctx.fresh_name(base + "_2d");
  const std::string shape = ctx.fresh_name(base + "_shape");

  onnx::NodeProto flatten = ctx.make_node(op::kFlatten, {input}, {flat}, base + "_flatten");
  set_int_attribute(flatten, "axis", axis);
  onnx::NodeProto shape_of = ctx.make_node(op::kShape, {input}, {shape}, base + "_input_shape");
  node.set_input(0, flat);
  node.set_output(0, flat_out);
  set_int_attribute(node, "axis", 1);
  onnx::NodeProto reshape = ctx.make_node(op::kReshape, {flat_out, shape}, {output}, base + "_restore_shape");
  log_rewrite(ctx, node, "coerce-to-2D semantics at axis " + std::to_string(axis) +
                             " kept with Flatten -> " + node.op_type() + "(axis=1) -> Reshape");
  out.push_back(std::move(flatten));
  out.push_back(std::move(shape_of));
  out.push_back(std::move(node));
  out.push_back(std::move(reshape));
  return Status::Ok();
}

// BatchNormalization-1/6/7 -> 9: `spatial` (1 = per-channel statistics, the only form kept),
// `is_test` and `consumed_inputs` are removed; the optional training outputs (running and
// saved mean/variance) are dropped when nothing reads them.
Status upgrade_batch_norm(onnx::NodeProto node, UpgradeContext& ctx, std::vector<onnx::NodeProto>& out) {
  if (const onnx::AttributeProto* spatial = find_attribute(node, "spatial")) {
    if (spatial->i() == 0) {
      return Status::Unsupported(describe_node(node) + " uses spatial=0 (per-activation statistics), "
                                 "which opset 9 and later cannot express");
    }
    remove_attribute(node, "spatial");
  }
  remove_attribute(node, "is_test");
  for (int i = 1; i < node.output_size(); ++i) {
    if (!node.output(i).empty() && ctx.is_used(node.output(i))) {
      return Status::Unsupported(describe_node(node) + " is in training mode: its output '" + node.output(i) +
                                 "' is read");
    }
  }
  while (node.output_size() > 1) node.mutable_output()->RemoveLast();
  log_rewrite(ctx, node, "removed spatial/is_test attributes and unused training outputs (inference form)");
  out.push_back(std::move(node));
  return Status::Ok();
}

// Before opset 7, Add/Sub/Mul/Div/Pow/And/Or/Xor/Equal/Greater/Less broadcast B onto A only
// with broadcast=1, aligning B's dims with A's dims starting at `axis` (default: the trailing
// dims). From opset 7 broadcasting is numpy-style (trailing alignment), so B gets
// rank(A) - axis - rank(B) trailing unit dims through Unsqueeze.
Status upgrade_legacy_broadcast(onnx::NodeProto node, UpgradeContext& ctx, std::vector<onnx::NodeProto>& out) {
  const onnx::AttributeProto* broadcast = find_attribute(node, "broadcast");
  const onnx::AttributeProto* axis_attr = find_attribute(node, "axis");
  const bool broadcasts = broadcast != nullptr && broadcast->i() != 0;
  if (broadcasts && axis_attr != nullptr && node.input_size() == 2) {
    const int64_t axis = axis_attr->i();
    const std::optional<int> rank_a = ctx.rank(node.input(0));
    const std::optional<int> rank_b = ctx.rank(node.input(1));
    if (!rank_a || !rank_b) {
      return Status::Unsupported(describe_node(node) + " broadcasts with axis=" + std::to_string(axis) +
                                 " but the ranks of its inputs are unknown");
    }
    const int64_t start = axis < 0 ? axis + *rank_a : axis;
    if (start < 0 || start > *rank_a || *rank_a - start < *rank_b) {
      return Status::InvalidModel(describe_node(node) + ": broadcast axis " + std::to_string(axis) +
                                  " does not fit input ranks " + std::to_string(*rank_a) + " and " +
                                  std::to_string(*rank_b));
    }
    const int64_t trailing = *rank_a - start - *rank_b;
    if (trailing > 0) {
      unsqueeze_trailing(node, 1, *rank_b, trailing, ctx, out);
      log_rewrite(ctx, node, "legacy broadcast at axis " + std::to_string(axis) + " became Unsqueeze of B by " +
                                 std::to_string(trailing) + " trailing dims");
    }
  }
  const bool had_broadcast = remove_attribute(node, "broadcast");
  const bool had_axis = remove_attribute(node, "axis");
  if (had_broadcast || had_axis) log_rewrite(ctx, node, "removed legacy broadcast/axis attributes");
  out.push_back(std::move(node));
  return Status::Ok();
}

// PRelu-1/6 applies a 1-D slope per channel (dim 1) of X; from opset 7 the slope broadcasts
// numpy-style (trailing alignment). A 1-D slope on an input of rank r >= 3 therefore gets
// r - 2 trailing unit dims: [C] -> [C, 1, ..., 1].
Status upgrade_prelu(onnx::NodeProto node, UpgradeContext& ctx, std::vector<onnx::NodeProto>& out) {
  constexpr int kChannelRank = 2;  // [N, C]: the slope already lines up with dim 1
  if (node.input_size() == 2) {
    const std::optional<int> rank_x = ctx.rank(node.input(0));
    const std::optional<int> rank_slope = ctx.rank(node.input(1));
    if (!rank_x || !rank_slope) {
      return Status::Unsupported(describe_node(node) + ": the ranks of X and slope are unknown, so the per-channel "
                                 "slope of PRelu before opset 7 cannot be aligned");
    }
    if (*rank_slope == 1 && *rank_x > kChannelRank) {
      unsqueeze_trailing(node, 1, 1, *rank_x - kChannelRank, ctx, out);
      log_rewrite(ctx, node, "per-channel slope reshaped for numpy broadcasting");
    }
  }
  out.push_back(std::move(node));
  return Status::Ok();
}

// Scatter-9/11 is ScatterElements-11 under its deprecated name.
Status upgrade_scatter(onnx::NodeProto node, UpgradeContext& ctx, std::vector<onnx::NodeProto>& out) {
  node.set_op_type(op::kScatterElements);
  log_rewrite(ctx, node, "Scatter renamed to ScatterElements");
  out.push_back(std::move(node));
  return Status::Ok();
}

// Concat-1: `axis` optional with default 1; required from opset 4.
Status upgrade_concat(onnx::NodeProto node, UpgradeContext& ctx, std::vector<onnx::NodeProto>& out) {
  constexpr int64_t kOldDefaultAxis = 1;
  if (find_attribute(node, "axis") == nullptr) {
    set_int_attribute(node, "axis", kOldDefaultAxis);
    log_rewrite(ctx, node, "made the old default axis=1 explicit");
  }
  out.push_back(std::move(node));
  return Status::Ok();
}

// Cast-1: `to` was a string ("FLOAT", "INT64", ...); from opset 6 it is the enum value.
Status upgrade_cast(onnx::NodeProto node, UpgradeContext& ctx, std::vector<onnx::NodeProto>& out) {
  const onnx::AttributeProto* to = find_attribute(node, "to");
  if (to != nullptr && to->type() == onnx::AttributeProto::STRING) {
    onnx::TensorProto::DataType type;
    if (!onnx::TensorProto::DataType_Parse(to->s(), &type)) {
      return Status::InvalidModel(describe_node(node) + " casts to unknown type '" + to->s() + "'");
    }
    set_int_attribute(node, "to", type);
    log_rewrite(ctx, node, "string attribute to='" + onnx::TensorProto::DataType_Name(type) + "' became an enum");
  }
  out.push_back(std::move(node));
  return Status::Ok();
}

// Gemm-1/6: `broadcast` removed at opset 7 (C is always unidirectionally broadcast).
Status upgrade_gemm(onnx::NodeProto node, UpgradeContext& ctx, std::vector<onnx::NodeProto>& out) {
  if (remove_attribute(node, "broadcast")) log_rewrite(ctx, node, "removed the broadcast attribute");
  out.push_back(std::move(node));
  return Status::Ok();
}

// LSTM/GRU/RNN-1: `output_sequence` removed at opset 7 (Y is produced when it is requested).
Status upgrade_recurrent(onnx::NodeProto node, UpgradeContext& ctx, std::vector<onnx::NodeProto>& out) {
  if (remove_attribute(node, "output_sequence")) log_rewrite(ctx, node, "removed the output_sequence attribute");
  out.push_back(std::move(node));
  return Status::Ok();
}

// LpPool-1 / GlobalLpPool-1: `p` was a float; from opset 2 it is an integer.
Status upgrade_lp_pool(onnx::NodeProto node, UpgradeContext& ctx, std::vector<onnx::NodeProto>& out) {
  const onnx::AttributeProto* p = find_attribute(node, "p");
  if (p != nullptr && p->type() == onnx::AttributeProto::FLOAT) {
    const float value = p->f();
    if (value != std::round(value)) {
      return Status::Unsupported(describe_node(node) + " uses a non-integer p=" + std::to_string(value));
    }
    set_int_attribute(node, "p", static_cast<int64_t>(value));
    log_rewrite(ctx, node, "float attribute p became an integer");
  }
  out.push_back(std::move(node));
  return Status::Ok();
}

// Tile-1 (tiles + axis inputs) and Scan-8 (batch axis, sequence_lens) have no mechanical
// opset-13 equivalent here.
Status reject_upgrade(onnx::NodeProto node, UpgradeContext& ctx, std::vector<onnx::NodeProto>& out) {
  return Status::Unsupported(describe_node(node) + ": upgrading " + node.op_type() + " from opset " +
                             std::to_string(ctx.from_opset()) + " to " + std::to_string(kTargetOpset) +
                             " is not supported");
}

}  // namespace qac
