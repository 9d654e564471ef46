#include "onnx/inference_guards.h"

#include <onnx/defs/shape_inference.h>

#include <optional>
#include <string_view>

namespace qac {
namespace {

// The rank of input `index` when it is a tensor with a known shape.
std::optional<int> input_rank(onnx::InferenceContext& ctx, size_t index) {
  if (index >= ctx.getNumInputs()) return std::nullopt;
  const onnx::TypeProto* type = ctx.getInputType(index);
  if (type == nullptr || !type->has_tensor_type() || !type->tensor_type().has_shape()) return std::nullopt;
  return type->tensor_type().shape().dim_size();
}

// Every value of the INTS attributes that size kernels and steps must be >= 1.
void require_positive_window_attributes(onnx::InferenceContext& ctx) {
  for (const char* name : {"kernel_shape", "strides", "dilations"}) {
    const onnx::AttributeProto* attr = ctx.getAttribute(name);
    if (attr == nullptr) continue;
    for (int64_t v : attr->ints()) {
      if (v < 1) fail_shape_inference("attribute ", name, " holds ", v, "; its values must be >= 1");
    }
  }
}

// Data input `Data` and weight input `Weight` of a convolution must have the same rank.
template <size_t Data, size_t Weight>
void convolution_guard(onnx::InferenceContext& ctx) {
  const std::optional<int> data_rank = input_rank(ctx, Data);
  const std::optional<int> weight_rank = input_rank(ctx, Weight);
  if (data_rank && weight_rank && *data_rank != *weight_rank) {
    fail_shape_inference("input ", Data, " has rank ", *data_rank, " but weight input ", Weight, " has rank ",
                         *weight_rank, "; they must be equal");
  }
  require_positive_window_attributes(ctx);
}

void pooling_guard(onnx::InferenceContext& ctx) { require_positive_window_attributes(ctx); }

struct GuardedOp {
  std::string_view op_type;
  InferenceGuard guard;
};
constexpr GuardedOp kGuardedOps[] = {
    {"Conv", convolution_guard<0, 1>},     {"ConvInteger", convolution_guard<0, 1>},
    {"ConvTranspose", convolution_guard<0, 1>}, {"QLinearConv", convolution_guard<0, 3>},
    {"MaxPool", pooling_guard},            {"AveragePool", pooling_guard},
    {"LpPool", pooling_guard},             {"MaxUnpool", pooling_guard},
};

}  // namespace

InferenceGuard inference_guard_for(const onnx::OpSchema& schema) {
  if (!schema.domain().empty()) return nullptr;
  for (const GuardedOp& op : kGuardedOps) {
    if (schema.Name() == op.op_type) return op.guard;
  }
  return nullptr;
}

}  // namespace qac
