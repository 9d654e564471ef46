#include "onnx/opset_upgrade.h"

#include <onnx/defs/schema.h>

#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "onnx/graph_walk.h"
#include "onnx/op_types.h"
#include "onnx/upgrade_rewrites.h"

namespace qac {
namespace {

// The IR version that opset 13 requires.
constexpr int64_t kMinIrVersion = 7;
// `consumed_inputs` (an in-place hint) was removed from every op at opset 6 or 7.
constexpr int kConsumedInputsRemovedOpset = 7;

struct RewriteRule {
  int changed_at;  // the rewrite applies to models whose opset is below this
  UpgradeRewrite rewrite;
};

// Ops whose opset-13 signature differs from an older one in a way that needs a rewrite.
const std::unordered_map<std::string, RewriteRule>& rewrite_rules() {
  static const std::unordered_map<std::string, RewriteRule> rules = {
      {op::kClip, {11, upgrade_clip}},
      {op::kSlice, {10, upgrade_slice}},
      {op::kPad, {11, upgrade_pad}},
      {op::kSqueeze, {13, upgrade_axes_input}},
      {op::kUnsqueeze, {13, upgrade_axes_input}},
      {op::kReduceSum, {13, upgrade_axes_input}},
      {op::kSplit, {13, upgrade_split}},
      {op::kTopK, {10, upgrade_topk}},
      {op::kReshape, {5, upgrade_reshape}},
      {op::kDropout, {12, upgrade_dropout}},
      {op::kSoftmax, {13, upgrade_softmax_family}},
      {op::kLogSoftmax, {13, upgrade_softmax_family}},
      {op::kHardmax, {13, upgrade_softmax_family}},
      {op::kBatchNormalization, {9, upgrade_batch_norm}},
      {op::kUpsample, {kTargetOpset + 1, upgrade_upsample}},
      {op::kResize, {11, upgrade_resize}},
      {op::kScatter, {kTargetOpset + 1, upgrade_scatter}},
      {op::kConcat, {4, upgrade_concat}},
      {op::kCast, {6, upgrade_cast}},
      {op::kGemm, {7, upgrade_gemm}},
      {op::kPRelu, {7, upgrade_prelu}},
      {op::kLSTM, {7, upgrade_recurrent}},
      {op::kGRU, {7, upgrade_recurrent}},
      {op::kRNN, {7, upgrade_recurrent}},
      {op::kLpPool, {2, upgrade_lp_pool}},
      {op::kGlobalLpPool, {2, upgrade_lp_pool}},
      {op::kTile, {6, reject_upgrade}},
      {op::kScan, {9, reject_upgrade}},
      {op::kAdd, {7, upgrade_legacy_broadcast}},
      {op::kSub, {7, upgrade_legacy_broadcast}},
      {op::kMul, {7, upgrade_legacy_broadcast}},
      {op::kDiv, {7, upgrade_legacy_broadcast}},
      {op::kPow, {7, upgrade_legacy_broadcast}},
      {op::kAnd, {7, upgrade_legacy_broadcast}},
      {op::kOr, {7, upgrade_legacy_broadcast}},
      {op::kXor, {7, upgrade_legacy_broadcast}},
      {op::kEqual, {7, upgrade_legacy_broadcast}},
      {op::kGreater, {7, upgrade_legacy_broadcast}},
      {op::kLess, {7, upgrade_legacy_broadcast}},
  };
  return rules;
}

// Ops whose schema changed before opset 13 only in ways an older node already satisfies:
// more element types, negative axes allowed, new optional inputs/outputs/attributes whose
// defaults keep the old behaviour, or broadcasting relaxed from "same shape".
const std::unordered_set<std::string>& compatible_changes() {
  static const std::unordered_set<std::string> ops = {
      "Abs", "Add", "And", "ArgMax", "ArgMin", "AveragePool", "Cast", "Ceil", "Clip", "Compress", "Concat",
      "Constant", "Conv", "ConvTranspose", "DepthToSpace", "DequantizeLinear", "Div", "Dropout", "Elu",
      "Equal", "Erf", "Exp", "Expand", "Flatten", "Floor", "GRU", "Gather", "GatherElements", "GatherND",
      "Gemm", "GlobalLpPool", "Greater", "HardSigmoid", "Identity", "If", "InstanceNormalization", "IsNaN",
      "LRN", "LSTM", "LeakyRelu", "Less", "Log", "Loop", "LpPool", "MatMul", "Max", "MaxPool", "MaxUnpool",
      "Mean", "MeanVarianceNormalization", "Min", "Mod", "Mul", "Neg", "NegativeLogLikelihoodLoss",
      "NonMaxSuppression", "NonZero", "OneHot", "Or", "PRelu", "Pow", "QuantizeLinear", "RNN", "Reciprocal",
      "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceMax", "ReduceMean", "ReduceMin",
      "ReduceProd", "ReduceSumSquare", "Relu", "Reshape", "Scan", "ScatterElements", "ScatterND", "Selu",
      "Shape", "Sigmoid", "Sign", "Size", "SoftmaxCrossEntropyLoss", "SpaceToDepth", "Sqrt", "Sub", "Sum",
      "Tanh", "Tile", "Transpose", "Xor", "BatchNormalization", "Pad", "Slice", "TopK", "Resize"};
  return ops;
}

// True when the op's schema at `from_opset` is the one in force at opset 13.
bool same_schema(const std::string& op_type, int from_opset) {
  const onnx::OpSchema* old_schema = onnx::OpSchemaRegistry::Schema(op_type, from_opset);
  const onnx::OpSchema* new_schema = onnx::OpSchemaRegistry::Schema(op_type, kTargetOpset);
  if (old_schema == nullptr || new_schema == nullptr) return old_schema == new_schema;
  return old_schema->SinceVersion() == new_schema->SinceVersion();
}

class GraphUpgrader {
 public:
  GraphUpgrader(int from_opset, const ModelFacts& facts, NameGenerator& names, NormalizeLog& log)
      : from_opset_(from_opset), facts_(facts), names_(names), log_(log) {}

  // Rewrites the nodes of `graph` and, recursively, of its subgraphs.
  Status upgrade(onnx::GraphProto& graph) {
    UpgradeContext ctx(graph, from_opset_, facts_, names_, log_);
    std::vector<onnx::NodeProto> rewritten;
    rewritten.reserve(static_cast<size_t>(graph.node_size()));
    for (const onnx::NodeProto& node : graph.node()) QAC_RETURN_IF_ERROR(upgrade_node(node, ctx, rewritten));
    graph.clear_node();
    for (onnx::NodeProto& node : rewritten) {
      QAC_RETURN_IF_ERROR(for_each_subgraph(node, [&](onnx::GraphProto& sub) { return upgrade(sub); }));
      *graph.add_node() = std::move(node);
    }
    return Status::Ok();
  }

 private:
  Status upgrade_node(onnx::NodeProto node, UpgradeContext& ctx, std::vector<onnx::NodeProto>& out) {
    if (!is_default_domain(node.domain())) {
      out.push_back(std::move(node));
      return Status::Ok();
    }
    if (from_opset_ < kConsumedInputsRemovedOpset && remove_attribute(node, "consumed_inputs")) {
      log_.add("opset upgrade: " + describe_node(node) + ": removed the consumed_inputs attribute");
    }
    const auto& rules = rewrite_rules();
    auto rule = rules.find(node.op_type());
    if (rule != rules.end() && from_opset_ < rule->second.changed_at) {
      return rule->second.rewrite(std::move(node), ctx, out);
    }
    if (!same_schema(node.op_type(), from_opset_) && !compatible_changes().count(node.op_type())) {
      return Status::Unsupported(describe_node(node) + ": op " + node.op_type() + " changed between opset " +
                                 std::to_string(from_opset_) + " and " + std::to_string(kTargetOpset) +
                                 " in a way qac cannot rewrite");
    }
    out.push_back(std::move(node));
    return Status::Ok();
  }

  int from_opset_;
  const ModelFacts& facts_;
  NameGenerator& names_;
  NormalizeLog& log_;
};

}  // namespace

Status upgrade_opset(onnx::ModelProto& model, NormalizeLog& log) {
  if (model.ir_version() < kMinIrVersion) {
    log.add("opset upgrade: IR version " + std::to_string(model.ir_version()) + " raised to " +
            std::to_string(kMinIrVersion));
    model.set_ir_version(kMinIrVersion);
  }
  const int from_opset = default_opset_version(model);
  if (from_opset >= kTargetOpset) return Status::Ok();
  if (from_opset == 0) {
    // No default-domain import: nothing from the default domain may appear; declare 13 anyway.
    onnx::OperatorSetIdProto* opset = model.add_opset_import();
    opset->set_domain("");
    opset->set_version(kTargetOpset);
    return Status::Ok();
  }
  const ModelFacts facts = collect_model_facts(model, log);
  NameGenerator names(model);
  GraphUpgrader upgrader(from_opset, facts, names, log);
  QAC_RETURN_IF_ERROR(upgrader.upgrade(*model.mutable_graph()));
  for (onnx::OperatorSetIdProto& opset : *model.mutable_opset_import()) {
    if (is_default_domain(opset.domain())) opset.set_version(kTargetOpset);
  }
  log.add("opset upgrade: default-domain opset " + std::to_string(from_opset) + " raised to " +
          std::to_string(kTargetOpset));
  return Status::Ok();
}

}  // namespace qac
