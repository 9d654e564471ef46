// Visiting a model's graphs: the main graph and every subgraph held by node attributes
// (If then/else branches, Loop and Scan bodies), depth first.
#pragma once

#include <onnx/onnx_pb.h>

#include <functional>
#include <string>
#include <string_view>

#include "qac/status.h"

namespace qac {

// Calls `visit` on `graph` and then on each nested subgraph (recursively). Stops at the first
// non-OK Status and returns it.
Status for_each_graph(onnx::GraphProto& graph, const std::function<Status(onnx::GraphProto&)>& visit);

// Read-only variant: calls `visit` on `graph` and each nested subgraph.
void visit_graphs(const onnx::GraphProto& graph, const std::function<void(const onnx::GraphProto&)>& visit);

// Calls `visit` on each subgraph attribute value of `node` (not recursively).
Status for_each_subgraph(onnx::NodeProto& node, const std::function<Status(onnx::GraphProto&)>& visit);

// A node's label for messages: "node 'name' (OpType)", or "OpType node producing 'out'" when
// the node has no name.
std::string describe_node(const onnx::NodeProto& node);

// The default-domain opset version the model imports, or 0 when it imports none.
int default_opset_version(const onnx::ModelProto& model);

// True for the default ONNX operator domain ("" or "ai.onnx").
bool is_default_domain(const std::string& domain);

// True when `node` is the default-domain operator `op_type` (graph rewrites match on this).
bool is_default_op(const onnx::NodeProto& node, std::string_view op_type);

}  // namespace qac
