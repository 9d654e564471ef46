#include "quant/op_table.h"

#include "graph/node_attributes.h"

#include <array>
#include <cstdint>

namespace qac {
namespace {

// Properties of an op beyond its kind.
enum OpTrait : uint32_t {
  kNoTrait = 0,
  kElementwiseArithmetic = 1u << 0,
  kActivationFunction = 1u << 1,
  kGateFunction = 1u << 2,
  kSpatialReduction = 1u << 3,
  kLayoutOnly = 1u << 4,
  kNonFloatOutputs = 1u << 5,
  kAllInputsAreData = 1u << 6,  // every input is an activation (else input 0 only)
  // ONNX Runtime CPU: drops DQ -> op -> Q with equal parameters and runs the op on int8 data.
  kMovesInt8Data = 1u << 7,
  // ONNX Runtime CPU: DQ inputs -> op -> Q becomes a QLinear* kernel (com.microsoft domain).
  kQLinearKernel = 1u << 8,
};

struct OpRule {
  std::string_view op_type;
  OpKind kind;              // model_type = default
  OpKind transformer_kind;  // model_type = transformer
  uint32_t traits;
};

constexpr OpKind W = OpKind::kWeighted;
constexpr OpKind Q = OpKind::kQuantizableInputs;
constexpr OpKind A = OpKind::kAgnostic;
constexpr OpKind F = OpKind::kFloat;

constexpr std::array kRules = {
    // Weighted ops: activation input quantized, weight quantized per output channel.
    OpRule{ops::kConv, W, W, kNoTrait},
    OpRule{ops::kConvTranspose, W, W, kNoTrait},
    OpRule{ops::kMatMul, W, W, kAllInputsAreData},
    OpRule{ops::kGemm, W, W, kNoTrait},
    // Ops with quantizable inputs (NNCF CPU config); elementwise ones stay float in transformers.
    OpRule{ops::kAdd, Q, F, kElementwiseArithmetic | kAllInputsAreData | kQLinearKernel},
    OpRule{ops::kSub, Q, F, kElementwiseArithmetic | kAllInputsAreData},
    OpRule{ops::kMul, Q, F, kElementwiseArithmetic | kAllInputsAreData | kQLinearKernel},
    OpRule{ops::kDiv, Q, F, kElementwiseArithmetic | kAllInputsAreData},
    OpRule{ops::kPow, Q, F, kElementwiseArithmetic | kAllInputsAreData},
    OpRule{ops::kAveragePool, Q, Q, kQLinearKernel},
    OpRule{ops::kGlobalAveragePool, Q, Q, kSpatialReduction | kQLinearKernel},
    OpRule{ops::kReduceMean, Q, F, kSpatialReduction},
    OpRule{ops::kResize, Q, Q, kMovesInt8Data},
    OpRule{ops::kUpsample, Q, Q, kNoTrait},
    // Quantization-agnostic ops: a quantizer may move above them.
    OpRule{ops::kMaxPool, A, A, kMovesInt8Data},
    OpRule{ops::kGlobalMaxPool, A, A, kNoTrait},
    OpRule{ops::kReshape, A, A, kLayoutOnly | kMovesInt8Data},
    OpRule{ops::kTranspose, A, A, kLayoutOnly | kMovesInt8Data},
    OpRule{ops::kSqueeze, A, A, kLayoutOnly | kMovesInt8Data},
    OpRule{ops::kUnsqueeze, A, A, kLayoutOnly | kMovesInt8Data},
    OpRule{ops::kFlatten, A, A, kLayoutOnly | kMovesInt8Data},
    OpRule{ops::kIdentity, A, A, kLayoutOnly},
    OpRule{ops::kSplit, A, A, kNoTrait},
    OpRule{ops::kSlice, A, A, kMovesInt8Data},
    OpRule{ops::kGather, A, A, kMovesInt8Data},
    OpRule{ops::kPad, A, A, kNoTrait},
    OpRule{ops::kConcat, A, A, kAllInputsAreData | kQLinearKernel},
    OpRule{ops::kDepthToSpace, A, A, kNoTrait},
    OpRule{ops::kSpaceToDepth, A, A, kNoTrait},
    OpRule{ops::kTile, A, A, kMovesInt8Data},
    OpRule{ops::kExpand, A, A, kMovesInt8Data},
    // Activation functions: float, fused after the op they follow.
    OpRule{ops::kRelu, F, F, kActivationFunction},
    OpRule{ops::kClip, F, F, kActivationFunction},
    OpRule{ops::kLeakyRelu, F, F, kActivationFunction | kQLinearKernel},
    OpRule{ops::kPRelu, F, F, kActivationFunction},
    OpRule{ops::kSigmoid, F, F, kActivationFunction | kGateFunction},
    OpRule{ops::kHardSigmoid, F, F, kActivationFunction | kGateFunction},
    OpRule{ops::kHardSwish, F, F, kActivationFunction},
    OpRule{ops::kTanh, F, F, kActivationFunction},
    OpRule{ops::kElu, F, F, kActivationFunction},
    OpRule{ops::kSelu, F, F, kActivationFunction},
    OpRule{ops::kCelu, F, F, kActivationFunction},
    OpRule{ops::kSoftplus, F, F, kActivationFunction},
    OpRule{ops::kSoftsign, F, F, kActivationFunction},
    OpRule{ops::kThresholdedRelu, F, F, kActivationFunction},
    OpRule{ops::kGelu, F, F, kActivationFunction},
    OpRule{ops::kMish, F, F, kActivationFunction},
    OpRule{ops::kErf, F, F, kActivationFunction},
    // Float ops with non-float outputs (never quantized, stop type inference).
    OpRule{ops::kShape, F, F, kNonFloatOutputs},
    OpRule{ops::kSize, F, F, kNonFloatOutputs},
    OpRule{ops::kNonZero, F, F, kNonFloatOutputs},
    OpRule{ops::kArgMax, F, F, kNonFloatOutputs},
    OpRule{ops::kArgMin, F, F, kNonFloatOutputs},
    OpRule{ops::kEqual, F, F, kNonFloatOutputs},
    OpRule{ops::kLess, F, F, kNonFloatOutputs},
    OpRule{ops::kLessOrEqual, F, F, kNonFloatOutputs},
    OpRule{ops::kGreater, F, F, kNonFloatOutputs},
    OpRule{ops::kGreaterOrEqual, F, F, kNonFloatOutputs},
    OpRule{ops::kNot, F, F, kNonFloatOutputs},
    OpRule{ops::kAnd, F, F, kNonFloatOutputs},
    OpRule{ops::kOr, F, F, kNonFloatOutputs},
    OpRule{ops::kXor, F, F, kNonFloatOutputs},
    OpRule{ops::kIsNaN, F, F, kNonFloatOutputs},
    OpRule{ops::kIsInf, F, F, kNonFloatOutputs},
};

const OpRule* find_rule(std::string_view op_type) {
  for (const auto& rule : kRules) {
    if (rule.op_type == op_type) return &rule;
  }
  return nullptr;
}

bool has_trait(std::string_view op_type, OpTrait trait) {
  const OpRule* rule = find_rule(op_type);
  return rule != nullptr && (rule->traits & trait) != 0;
}


}  // namespace

const char* op_kind_name(OpKind kind) {
  switch (kind) {
    case OpKind::kWeighted: return "weighted";
    case OpKind::kQuantizableInputs: return "quantizable";
    case OpKind::kAgnostic: return "agnostic";
    case OpKind::kFloat: return "float";
  }
  return "float";
}

OpKind op_kind(std::string_view op_type, ModelType model_type) {
  const OpRule* rule = find_rule(op_type);
  if (rule == nullptr) return OpKind::kFloat;
  return model_type == ModelType::kTransformer ? rule->transformer_kind : rule->kind;
}

bool is_default_onnx_domain(const onnx::NodeProto& node) {
  constexpr std::string_view kDefaultDomainAlias = "ai.onnx";
  return node.domain().empty() || node.domain() == kDefaultDomainAlias;
}

OpKind node_kind(const onnx::NodeProto& node, ModelType model_type) {
  if (!is_default_onnx_domain(node)) return OpKind::kFloat;
  return op_kind(node.op_type(), model_type);
}

std::optional<WeightedOpLayout> weighted_op_layout(std::string_view op_type) {
  constexpr int kNoBias = -1;
  if (op_type == ops::kConv || op_type == ops::kConvTranspose || op_type == ops::kGemm) {
    return WeightedOpLayout{0, 1, 2};
  }
  if (op_type == ops::kMatMul) return WeightedOpLayout{0, 1, kNoBias};
  return std::nullopt;
}

int weight_channel_axis(const onnx::NodeProto& node, int weight_rank) {
  const std::string_view op_type = node.op_type();
  if (op_type == ops::kConv) return 0;
  if (op_type == ops::kConvTranspose) return 1;
  if (op_type == ops::kGemm) return int_attribute(node, "transB", 0) != 0 ? 0 : 1;
  return weight_rank - 1;  // MatMul: [..., K, N], output channels along N
}

std::vector<int> activation_input_slots(const onnx::NodeProto& node) {
  const std::string_view op_type = node.op_type();
  if (auto layout = weighted_op_layout(op_type)) return {layout->activation_input};
  if (has_trait(op_type, kAllInputsAreData)) {
    std::vector<int> slots;
    for (int i = 0; i < node.input_size(); ++i) slots.push_back(i);
    return slots;
  }
  return {0};
}

std::vector<int> agnostic_data_slots(const onnx::NodeProto& node) {
  if (has_trait(node.op_type(), kAllInputsAreData)) {
    std::vector<int> slots;
    for (int i = 0; i < node.input_size(); ++i) slots.push_back(i);
    return slots;
  }
  return {0};
}

bool is_elementwise_arithmetic(std::string_view op_type) {
  return has_trait(op_type, kElementwiseArithmetic);
}
bool is_activation_function(std::string_view op_type) {
  return has_trait(op_type, kActivationFunction);
}
bool is_gate_function(std::string_view op_type) { return has_trait(op_type, kGateFunction); }
bool is_spatial_reduction(std::string_view op_type) {
  return has_trait(op_type, kSpatialReduction);
}
bool is_layout_only(std::string_view op_type) { return has_trait(op_type, kLayoutOnly); }
bool moves_int8_data(std::string_view op_type) { return has_trait(op_type, kMovesInt8Data); }
bool has_qlinear_kernel(std::string_view op_type) { return has_trait(op_type, kQLinearKernel); }
bool has_non_float_outputs(std::string_view op_type) {
  return has_trait(op_type, kNonFloatOutputs);
}

}  // namespace qac
