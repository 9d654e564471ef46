#include "onnx/normalize.h"

#include "onnx/constants_to_initializers.h"
#include "onnx/graph_walk.h"
#include "onnx/infer_shapes.h"
#include "onnx/node_order.h"
#include "onnx/opset_upgrade.h"
#include "onnx/verify.h"

namespace qac {
namespace {

// Puts every graph whose nodes are not in topological order in order (ONNX Runtime runs such
// graphs, the ONNX checker and shape inference do not). Node names and values are unchanged.
Status sort_unsorted_graphs(onnx::ModelProto& model, NormalizeLog& log) {
  return for_each_graph(*model.mutable_graph(), [&](onnx::GraphProto& graph) -> Status {
    QAC_ASSIGN_OR_RETURN(std::vector<int> order, topological_node_order(graph));
    int moved = 0;
    for (size_t i = 0; i < order.size(); ++i) moved += order[i] != static_cast<int>(i) ? 1 : 0;
    if (moved == 0) return Status::Ok();
    std::vector<onnx::NodeProto> sorted;
    sorted.reserve(order.size());
    for (int i : order) sorted.push_back(std::move(*graph.mutable_node(i)));
    graph.clear_node();
    for (auto& node : sorted) *graph.add_node() = std::move(node);
    log.add("sort_nodes: the nodes of graph '" + graph.name() + "' were not in topological order: " +
                              std::to_string(moved) + " of " + std::to_string(order.size()) +
                              " moved so that every producer precedes its consumers");
    return Status::Ok();
  });
}

}  // namespace

Status normalize(onnx::ModelProto& model, NormalizeLog& log) {
  QAC_RETURN_IF_ERROR(sort_unsorted_graphs(model, log).with_context("normalize (node order)"));
  QAC_RETURN_IF_ERROR(constants_to_initializers(model, log).with_context("normalize (constants to initializers)"));
  QAC_RETURN_IF_ERROR(upgrade_opset(model, log).with_context("normalize (opset upgrade)"));
  QAC_RETURN_IF_ERROR(infer_shapes(model, log).with_context("normalize (shape inference)"));
  QAC_RETURN_IF_ERROR(verify(model, log).with_context("normalize (verify)"));
  return Status::Ok();
}

}  // namespace qac
