// GraphView: a read-only index over one onnx::GraphProto — who produces each value, who reads
// it, which names are initializers / graph inputs / graph outputs, a topological order, and the
// element type and shape recorded for a value (value_info, inputs, outputs, initializers).
//
// INVALIDATION: a GraphView stores node indices and pointers into the GraphProto. Any edit of
// the graph (adding, removing or reordering nodes, renaming values, adding initializers)
// invalidates it; build a new view after editing.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <onnx/onnx_pb.h>

#include "onnx/node_order.h"
#include "qac/status.h"

namespace qac {

// One read of a value: input `slot` of node `node` (an index into graph.node()).
struct ValueUse {
  int node = -1;
  int slot = -1;
  bool operator==(const ValueUse&) const = default;
  auto operator<=>(const ValueUse&) const = default;
};

// Where a value comes from: output `slot` of node `node`.
struct ValueSource {
  int node = -1;
  int slot = -1;
};

class GraphView {
 public:
  // Indexes `graph`. `graph` must outlive the view and stay unedited while the view is used.
  // Fails (kInvalidModel, naming the node and value) when a value is produced twice, when the
  // nodes contain a cycle, or — unless `allow_outer_scope` (subgraphs of If/Loop/Scan) — when a
  // node reads a value that nothing defines.
  static Result<GraphView> build(const onnx::GraphProto& graph, bool allow_outer_scope = false);

  const onnx::GraphProto& graph() const { return *graph_; }
  int num_nodes() const { return graph_->node_size(); }
  // REQUIRES: 0 <= index < num_nodes()
  const onnx::NodeProto& node(int index) const { return graph_->node(index); }

  // The node's name, or "<op_type>#<index> (<first output>)" for unnamed nodes, for messages.
  std::string node_label(int index) const;

  // Node index producing `value`, or -1 for graph inputs, initializers and unknown names.
  int producer(std::string_view value) const;
  std::optional<ValueSource> source(std::string_view value) const;
  // Every (node, input slot) reading `value`, in node order; empty when nobody reads it.
  // Reads from inside subgraphs (implicit captures) are not listed; see `captures`.
  const std::vector<ValueUse>& consumers(std::string_view value) const;
  // Nodes whose subgraphs (If/Loop/Scan bodies) read `value` from this graph's scope.
  const std::vector<int>& captures(std::string_view value) const;

  // nullptr when `name` is not an initializer of this graph.
  const onnx::TensorProto* initializer(std::string_view name) const;
  bool is_initializer(std::string_view name) const { return initializer(name) != nullptr; }
  bool is_graph_input(std::string_view name) const;   // listed in graph.input()
  bool is_graph_output(std::string_view name) const;  // listed in graph.output()
  bool has_subgraphs(int node_index) const;           // an attribute holds a graph

  // Node indices such that every producer comes before its consumers (also through subgraph
  // captures). Ties keep the original node order.
  const std::vector<int>& topological_order() const { return topo_order_; }

  // The recorded type of `value` (value_info, then graph inputs/outputs); nullptr if none.
  const onnx::ValueInfoProto* value_info(std::string_view value) const;
  // onnx::TensorProto_DataType of `value` from its value info or initializer, if recorded.
  std::optional<int32_t> elem_type(std::string_view value) const;
  // Dimensions of `value` (-1 for symbolic or unknown dimensions), if a shape is recorded.
  std::optional<std::vector<int64_t>> shape(std::string_view value) const;

 private:
  GraphView() = default;

  const onnx::GraphProto* graph_ = nullptr;
  std::map<std::string, ValueSource, std::less<>> sources_;
  std::map<std::string, std::vector<ValueUse>, std::less<>> consumers_;
  std::map<std::string, std::vector<int>, std::less<>> captures_;
  std::map<std::string, const onnx::TensorProto*, std::less<>> initializers_;
  std::map<std::string, const onnx::ValueInfoProto*, std::less<>> value_infos_;
  std::set<std::string, std::less<>> graph_inputs_;
  std::set<std::string, std::less<>> graph_outputs_;
  std::vector<bool> has_subgraphs_;
  std::vector<int> topo_order_;
};




}  // namespace qac
