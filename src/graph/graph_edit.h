// Small edits on an onnx::GraphProto. Each edit invalidates every GraphView of the graph.
// ONNX does not require nodes to be stored in topological order, but ONNX Runtime and the
// checker expect it: call topological_sort() after inserting nodes, before saving.
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <onnx/onnx_pb.h>

#include "graph/graph_view.h"
#include "onnx/node_order.h"
#include "qac/status.h"

namespace qac {

// Generates value, node and initializer names that do not collide with any name used in the
// graph (including its subgraphs) nor with names this generator returned before.
class NameGenerator {
 public:
  explicit NameGenerator(const onnx::GraphProto& graph);
  // `base` itself when unused, else "<base>_1", "<base>_2", ... (first unused).
  std::string make(std::string_view base);
  // Records `name` as used (e.g. a name chosen elsewhere).
  void reserve(std::string name) { used_.insert(std::move(name)); }

 private:
  std::set<std::string, std::less<>> used_;
};

// Makes each listed (node, input slot) read `new_value` instead of `old_value`.
// Fails (kInvalidArgument) without editing anything when a slot is out of range or does not
// currently read `old_value`.
Status replace_uses(onnx::GraphProto& graph, const std::string& old_value,
                    const std::string& new_value, const std::vector<ValueUse>& uses);

// Makes every node input in the main graph that reads `old_value` read `new_value`.
// Returns how many inputs changed. Subgraph captures and graph outputs are not renamed.
int replace_all_uses(onnx::GraphProto& graph, const std::string& old_value,
                     const std::string& new_value);

// Inserts `node` before position `position` (0 <= position <= node_size; node_size appends)
// and returns a pointer to the stored node (valid until the graph's nodes change again).
onnx::NodeProto* insert_node(onnx::GraphProto& graph, onnx::NodeProto node, int position);

// Removes the nodes at the given indices (duplicates ignored); other nodes keep their order.
// REQUIRES: every index in [0, node_size).
void remove_nodes(onnx::GraphProto& graph, const std::vector<int>& indices);

// Removes the nodes producing any of `values` that nothing reads any more (no node input,
// subgraph capture or graph output reads an output of theirs) and that hold no subgraph, then
// the producers that become unread in turn. Adds the inputs of every removed node to `values`
// (candidates for remove_unused_initializers). Returns how many nodes were removed.
// Errors: those of GraphView::build.
Result<int> remove_unread_nodes(onnx::GraphProto& graph, std::set<std::string>& values);

// Adds `tensor` as an initializer. kInvalidArgument when the name is empty or already names an
// initializer of the graph.
Result<onnx::TensorProto*> add_initializer(onnx::GraphProto& graph, onnx::TensorProto tensor);

// Removes initializers that no node (nor subgraph capture, nor graph output) reads and that are
// not graph inputs; when `candidates` is given, only initializers named there are considered.
// Returns the removed names.
std::vector<std::string> remove_unused_initializers(
    onnx::GraphProto& graph, const std::set<std::string>* candidates = nullptr);

// Removes value_info entries for names that no longer exist in the graph.
void remove_stale_value_info(onnx::GraphProto& graph);


}  // namespace qac
