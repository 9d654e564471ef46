#include "quant/placement_values.h"

#include "quant/op_table.h"

namespace qac {
namespace {

constexpr int32_t kUnknownType = onnx::TensorProto_DataType_UNDEFINED;

bool is_floating(int32_t type) {
  return type == onnx::TensorProto_DataType_FLOAT || type == onnx::TensorProto_DataType_FLOAT16 ||
         type == onnx::TensorProto_DataType_DOUBLE || type == onnx::TensorProto_DataType_BFLOAT16;
}

const onnx::AttributeProto* find_attribute(const onnx::NodeProto& node, std::string_view name) {
  for (const auto& attr : node.attribute()) {
    if (attr.name() == name) return &attr;
  }
  return nullptr;
}

}  // namespace

ValueFacts::ValueFacts(const GraphView& view) {
  const auto& graph = view.graph();
  for (const auto& t : graph.initializer()) {
    constant_[t.name()] = true;
    elem_type_[t.name()] = t.data_type();
  }
  for (const auto& v : graph.input()) {
    if (!constant_.count(v.name())) constant_[v.name()] = false;
    if (!elem_type_.count(v.name())) elem_type_[v.name()] = view.elem_type(v.name()).value_or(0);
  }
  auto type_of = [&](const std::string& value) {
    auto it = elem_type_.find(value);
    return it == elem_type_.end() ? view.elem_type(value).value_or(kUnknownType) : it->second;
  };

  for (int i : view.topological_order()) {
    const auto& node = view.node(i);
    // Constness: Constant nodes, and nodes (without subgraphs) reading only constants.
    bool constant = node.op_type() == ops::kConstant;
    if (!constant && !view.has_subgraphs(i)) {
      int inputs = 0;
      bool all_constant = true;
      for (const auto& in : node.input()) {
        if (in.empty()) continue;
        ++inputs;
        all_constant = all_constant && is_constant(in);
      }
      constant = inputs > 0 && all_constant;
    }
    // Element type: recorded, else inferred from the op and its inputs.
    int32_t inferred = kUnknownType;
    if (has_non_float_outputs(node.op_type())) {
      inferred = onnx::TensorProto_DataType_INT64;
    } else if (node.op_type() == ops::kCast) {
      if (const auto* to = find_attribute(node, "to")) inferred = static_cast<int32_t>(to->i());
    } else if (node.op_type() == ops::kConstant) {
      if (const auto* value = find_attribute(node, "value")) inferred = value->t().data_type();
    } else {
      // Float if any input is floating point (Gather, Reshape, Where ...), else input 0's type.
      for (const auto& in : node.input()) {
        if (!in.empty() && is_floating(type_of(in))) inferred = type_of(in);
      }
      if (inferred == kUnknownType && node.input_size() > 0 && !node.input(0).empty()) {
        inferred = type_of(node.input(0));
      }
    }
    for (const auto& out : node.output()) {
      if (out.empty()) continue;
      constant_[out] = constant;
      elem_type_[out] = view.elem_type(out).value_or(inferred);
    }
  }
}

bool ValueFacts::is_constant(std::string_view value) const {
  auto it = constant_.find(value);
  return it != constant_.end() && it->second;
}

bool ValueFacts::is_float32(std::string_view value) const {
  auto it = elem_type_.find(value);
  const int32_t type = it == elem_type_.end() ? kUnknownType : it->second;
  return type == kUnknownType || type == onnx::TensorProto_DataType_FLOAT;
}

bool ValueFacts::is_float_activation(std::string_view value) const {
  return !value.empty() && !is_constant(value) && is_float32(value);
}

}  // namespace qac
