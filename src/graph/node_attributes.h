// Typed reads of ONNX node attributes.
#pragma once

#include <cstdint>
#include <string_view>

#include <onnx/onnx_pb.h>

namespace qac {

// The attribute `name` of `node`, or null.
const onnx::AttributeProto* find_node_attribute(const onnx::NodeProto& node, std::string_view name);
// INT attribute `name`, or `fallback` when absent or of another type.
int64_t int_attribute(const onnx::NodeProto& node, std::string_view name, int64_t fallback);
// FLOAT attribute `name`, or `fallback` when absent or of another type.
float float_attribute(const onnx::NodeProto& node, std::string_view name, float fallback);

}  // namespace qac
