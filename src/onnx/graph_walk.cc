#include "onnx/graph_walk.h"

namespace qac {

Status for_each_subgraph(onnx::NodeProto& node, const std::function<Status(onnx::GraphProto&)>& visit) {
  for (onnx::AttributeProto& attr : *node.mutable_attribute()) {
    if (attr.has_g()) QAC_RETURN_IF_ERROR(visit(*attr.mutable_g()));
    for (onnx::GraphProto& g : *attr.mutable_graphs()) QAC_RETURN_IF_ERROR(visit(g));
  }
  return Status::Ok();
}

Status for_each_graph(onnx::GraphProto& graph, const std::function<Status(onnx::GraphProto&)>& visit) {
  QAC_RETURN_IF_ERROR(visit(graph));
  for (onnx::NodeProto& node : *graph.mutable_node()) {
    QAC_RETURN_IF_ERROR(for_each_subgraph(
        node, [&](onnx::GraphProto& sub) { return for_each_graph(sub, visit); }));
  }
  return Status::Ok();
}

void visit_graphs(const onnx::GraphProto& graph, const std::function<void(const onnx::GraphProto&)>& visit) {
  visit(graph);
  for (const onnx::NodeProto& node : graph.node()) {
    for (const onnx::AttributeProto& attr : node.attribute()) {
      if (attr.has_g()) visit_graphs(attr.g(), visit);
      for (const onnx::GraphProto& sub : attr.graphs()) visit_graphs(sub, visit);
    }
  }
}

std::string describe_node(const onnx::NodeProto& node) {
  if (!node.name().empty()) return "node '" + node.name() + "' (" + node.op_type() + ")";
  const std::string out = node.output_size() > 0 ? node.output(0) : std::string();
  return node.op_type() + " node producing '" + out + "'";
}

bool is_default_domain(const std::string& domain) { return domain.empty() || domain == "ai.onnx"; }

bool is_default_op(const onnx::NodeProto& node, std::string_view op_type) {
  return node.op_type() == op_type && is_default_domain(node.domain());
}

int default_opset_version(const onnx::ModelProto& model) {
  for (const onnx::OperatorSetIdProto& opset : model.opset_import()) {
    if (is_default_domain(opset.domain())) return static_cast<int>(opset.version());
  }
  return 0;
}

}  // namespace qac
