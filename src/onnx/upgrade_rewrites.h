// Opset-upgrade rewrites: each turns one node, valid at the model's original opset
// (ctx.from_opset()), into nodes valid at opset 13 with the same results, and appends them to
// `out`. Each logs what it did, naming the node. A rewrite that cannot preserve the node's
// meaning returns Unsupported naming the node.
#pragma once

#include <onnx/onnx_pb.h>

#include <vector>

#include "onnx/upgrade_context.h"
#include "qac/status.h"

namespace qac {

using UpgradeRewrite = Status (*)(onnx::NodeProto node, UpgradeContext& ctx, std::vector<onnx::NodeProto>& out);

// ---- attributes that became inputs (upgrade_attributes_to_inputs.cc) ----
Status upgrade_clip(onnx::NodeProto node, UpgradeContext& ctx, std::vector<onnx::NodeProto>& out);        // < 11
Status upgrade_slice(onnx::NodeProto node, UpgradeContext& ctx, std::vector<onnx::NodeProto>& out);       // < 10
Status upgrade_pad(onnx::NodeProto node, UpgradeContext& ctx, std::vector<onnx::NodeProto>& out);         // < 11
Status upgrade_axes_input(onnx::NodeProto node, UpgradeContext& ctx, std::vector<onnx::NodeProto>& out);  // Squeeze, Unsqueeze, ReduceSum < 13
Status upgrade_split(onnx::NodeProto node, UpgradeContext& ctx, std::vector<onnx::NodeProto>& out);       // < 13
Status upgrade_topk(onnx::NodeProto node, UpgradeContext& ctx, std::vector<onnx::NodeProto>& out);        // < 10
Status upgrade_reshape(onnx::NodeProto node, UpgradeContext& ctx, std::vector<onnx::NodeProto>& out);     // < 5
Status upgrade_dropout(onnx::NodeProto node, UpgradeContext& ctx, std::vector<onnx::NodeProto>& out);     // < 12

// ---- semantic changes (upgrade_semantics.cc) ----
Status upgrade_softmax_family(onnx::NodeProto node, UpgradeContext& ctx, std::vector<onnx::NodeProto>& out);  // < 13
Status upgrade_batch_norm(onnx::NodeProto node, UpgradeContext& ctx, std::vector<onnx::NodeProto>& out);      // < 9
Status upgrade_legacy_broadcast(onnx::NodeProto node, UpgradeContext& ctx, std::vector<onnx::NodeProto>& out);  // < 7
Status upgrade_prelu(onnx::NodeProto node, UpgradeContext& ctx, std::vector<onnx::NodeProto>& out);           // < 7
Status upgrade_scatter(onnx::NodeProto node, UpgradeContext& ctx, std::vector<onnx::NodeProto>& out);         // any
Status upgrade_concat(onnx::NodeProto node, UpgradeContext& ctx, std::vector<onnx::NodeProto>& out);          // < 4
Status upgrade_cast(onnx::NodeProto node, UpgradeContext& ctx, std::vector<onnx::NodeProto>& out);            // < 6
Status upgrade_gemm(onnx::NodeProto node, UpgradeContext& ctx, std::vector<onnx::NodeProto>& out);            // < 7
Status upgrade_recurrent(onnx::NodeProto node, UpgradeContext& ctx, std::vector<onnx::NodeProto>& out);       // < 7
Status upgrade_lp_pool(onnx::NodeProto node, UpgradeContext& ctx, std::vector<onnx::NodeProto>& out);         // < 2
Status reject_upgrade(onnx::NodeProto node, UpgradeContext& ctx, std::vector<onnx::NodeProto>& out);          // Tile < 6, Scan < 9

// ---- Upsample and Resize-10 to Resize-13 (upgrade_resize.cc) ----
Status upgrade_upsample(onnx::NodeProto node, UpgradeContext& ctx, std::vector<onnx::NodeProto>& out);  // any
Status upgrade_resize(onnx::NodeProto node, UpgradeContext& ctx, std::vector<onnx::NodeProto>& out);    // < 11

}  // namespace qac
