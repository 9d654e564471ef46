// The order of a graph's nodes: ONNX requires every producer to precede its consumers, and
// exporters do not always write them so. These functions sit below the graph view so that
// normalization can put an unsorted graph in order before anything else reads it.
#pragma once

#include <onnx/onnx_pb.h>

#include <set>
#include <string>
#include <vector>

#include "qac/status.h"

namespace qac {

// Every subgraph held by `node`'s attributes (GRAPH and GRAPHS attributes).
std::vector<const onnx::GraphProto*> node_subgraphs(const onnx::NodeProto& node);

// Names a subgraph reads but does not define itself (nor in its own nested subgraphs): the
// values it captures from the enclosing scope.
std::set<std::string> outer_scope_reads(const onnx::GraphProto& subgraph);

// Node indices of `graph` in an order where every producer precedes its consumers (reads through
// subgraph captures count). Ties keep the original order. kInvalidModel on a cycle, naming a
// node on it.
Result<std::vector<int>> topological_node_order(const onnx::GraphProto& graph);

// Reorders the nodes topologically (stable: ties keep the current order). kInvalidModel on a
// cycle. Nested subgraphs are sorted too.
Status topological_sort(onnx::GraphProto& graph);

}  // namespace qac
