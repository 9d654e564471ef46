#include "qac/inspect.h"

#include "api/model_impl.h"
#include "quant/pipeline.h"

namespace qac {
namespace {

// "name [1, 3, height, ?]"
std::string describe_value(const onnx::ValueInfoProto& v) {
  std::string s = v.name() + " [";
  const auto& shape = v.type().tensor_type().shape();
  for (int i = 0; i < shape.dim_size(); ++i) {
    if (i) s += ", ";
    const auto& d = shape.dim(i);
    s += d.has_dim_value() ? std::to_string(d.dim_value()) : (d.dim_param().empty() ? "?" : d.dim_param());
  }
  return s + "]";
}

}  // namespace

ModelSummary summarize(const Model& model) {
  const onnx::ModelProto& proto = model_proto(model);
  ModelSummary summary;
  for (const auto& o : proto.opset_import()) {
    if (o.domain().empty() || o.domain() == "ai.onnx") summary.opset = o.version();
  }
  summary.nodes = proto.graph().node_size();
  summary.initializers = proto.graph().initializer_size();
  for (const auto& i : proto.graph().input()) summary.inputs.push_back(describe_value(i));
  for (const auto& o : proto.graph().output()) summary.outputs.push_back(describe_value(o));
  for (const auto& n : proto.graph().node()) summary.op_histogram[n.op_type()]++;
  return summary;
}

namespace {

// Adds what placement decided for `cm` and, recursively, for its subgraphs (If branches, Loop
// and Scan bodies, quantized as models of their own) to `plan`; `prefix` names the subgraph.
void add_placement(const CalibratedModel& cm, const std::string& prefix, QuantizationPlan& plan) {
  const QuantizerSetup& setup = cm.setup;
  const std::string lead = prefix.empty() ? "" : prefix + " ";
  for (const auto& [op, count] : setup.quantized_ops_per_type) plan.quantized_ops_per_type[op] += count;
  for (const auto& q : setup.activations) plan.activations.push_back({q.tensor, lead + q.reason});
  for (const auto& w : setup.weights) plan.weights.push_back({w.node_name, w.initializer, w.axis});
  for (const auto& s : setup.skipped) plan.float_nodes.push_back({s.node_name, s.op_type, lead + s.reason});
  for (const std::string& line : cm.subgraph_log) plan.float_nodes.push_back({line.substr(0, line.find(' ')), "", line});
  for (const SubgraphModel& sub : cm.subgraphs) {
    for (const std::string& line : sub.report.normalization) plan.normalization.push_back(sub.site.prefix() + " " + line);
    add_placement(sub.body, sub.site.prefix(), plan);
  }
}

}  // namespace

Result<QuantizationPlan> plan_quantization(const Model& model, const QuantizationOptions& options) {
  QuantizationReport report;
  auto prepared = prepare(model_proto(model), options, &report);
  if (!prepared.ok()) return prepared.status();
  QuantizationPlan plan;
  plan.normalization = report.normalization;
  add_placement(*prepared, "", plan);
  return plan;
}

}  // namespace qac
