#include "onnx/constants_to_initializers.h"

#include <optional>
#include <string>
#include <vector>
#include <unordered_set>

#include "onnx/graph_walk.h"
#include "onnx/op_types.h"

namespace qac {
namespace {

// The tensor a Constant node produces, or nullopt when it is one qac leaves as a node
// (`reason` says why). Errors: a Constant without exactly one value attribute.
Result<std::optional<onnx::TensorProto>> constant_value(const onnx::NodeProto& node, std::string& reason) {
  if (node.attribute_size() != 1 || node.output_size() != 1) {
    return Status::InvalidModel(describe_node(node) + " must have one value attribute and one output");
  }
  const onnx::AttributeProto& attr = node.attribute(0);
  onnx::TensorProto tensor;
  if (attr.name() == "value") {
    tensor = attr.t();
    if (tensor.data_type() == onnx::TensorProto::STRING) {
      reason = "it holds strings";
      return std::optional<onnx::TensorProto>();
    }
    if (tensor.data_location() == onnx::TensorProto::EXTERNAL) {
      reason = "its value is stored externally";
      return std::optional<onnx::TensorProto>();
    }
  } else if (attr.name() == "value_float") {
    tensor.set_data_type(onnx::TensorProto::FLOAT);
    tensor.add_float_data(attr.f());
  } else if (attr.name() == "value_floats") {
    tensor.set_data_type(onnx::TensorProto::FLOAT);
    tensor.add_dims(attr.floats_size());
    for (float v : attr.floats()) tensor.add_float_data(v);
  } else if (attr.name() == "value_int") {
    tensor.set_data_type(onnx::TensorProto::INT64);
    tensor.add_int64_data(attr.i());
  } else if (attr.name() == "value_ints") {
    tensor.set_data_type(onnx::TensorProto::INT64);
    tensor.add_dims(attr.ints_size());
    for (int64_t v : attr.ints()) tensor.add_int64_data(v);
  } else {
    reason = "its value attribute '" + attr.name() + "' is not a dense numeric tensor";
    return std::optional<onnx::TensorProto>();
  }
  tensor.set_name(node.output(0));
  return std::optional<onnx::TensorProto>(std::move(tensor));
}

}  // namespace

Status constants_to_initializers(onnx::ModelProto& model, NormalizeLog& log) {
  onnx::GraphProto& graph = *model.mutable_graph();
  std::unordered_set<std::string> graph_outputs;
  for (const onnx::ValueInfoProto& out : graph.output()) graph_outputs.insert(out.name());
  std::unordered_set<std::string> initializer_names;
  for (const onnx::TensorProto& init : graph.initializer()) initializer_names.insert(init.name());

  google::protobuf::RepeatedPtrField<onnx::NodeProto> kept;
  std::vector<std::string> converted;
  for (onnx::NodeProto& node : *graph.mutable_node()) {
    if (node.op_type() != op::kConstant || !is_default_domain(node.domain())) {
      kept.Add(std::move(node));
      continue;
    }
    std::string reason;
    QAC_ASSIGN_OR_RETURN(std::optional<onnx::TensorProto> value, constant_value(node, reason));
    const std::string& name = node.output(0);
    if (value && graph_outputs.count(name)) {
      value.reset();
      reason = "its output is a graph output";
    }
    if (value && initializer_names.count(name)) {
      value.reset();
      reason = "an initializer named '" + name + "' already exists";
    }
    if (!value) {
      log.add("constants_to_initializers: kept " + describe_node(node) + " because " + reason);
      kept.Add(std::move(node));
      continue;
    }
    initializer_names.insert(name);
    *graph.add_initializer() = std::move(*value);
    converted.push_back(describe_node(node));
  }
  graph.mutable_node()->Swap(&kept);
  if (!converted.empty()) {
    constexpr size_t kNamesListed = 4;
    std::string names;
    for (size_t i = 0; i < converted.size() && i < kNamesListed; ++i) names += (i ? ", " : "") + converted[i];
    if (converted.size() > kNamesListed) names += ", ...";
    log.add("constants_to_initializers: " + std::to_string(converted.size()) +
            " Constant node(s) of the main graph became initializers (" + names + ")");
  }
  return Status::Ok();
}

}  // namespace qac
