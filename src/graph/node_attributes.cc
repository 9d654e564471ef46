#include "graph/node_attributes.h"

namespace qac {

const onnx::AttributeProto* find_node_attribute(const onnx::NodeProto& node, std::string_view name) {
  for (const auto& attr : node.attribute()) {
    if (attr.name() == name) return &attr;
  }
  return nullptr;
}

int64_t int_attribute(const onnx::NodeProto& node, std::string_view name, int64_t fallback) {
  const auto* attr = find_node_attribute(node, name);
  return attr && attr->type() == onnx::AttributeProto_AttributeType_INT ? attr->i() : fallback;
}

float float_attribute(const onnx::NodeProto& node, std::string_view name, float fallback) {
  const auto* attr = find_node_attribute(node, name);
  return attr && attr->type() == onnx::AttributeProto_AttributeType_FLOAT ? attr->f() : fallback;
}

}  // namespace qac
