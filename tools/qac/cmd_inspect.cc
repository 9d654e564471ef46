// qac inspect MODEL: inputs/outputs, op histogram, and what `quantize` would do and why.
#include <cstdio>
#include <map>

#include <nlohmann/json.hpp>

#include "api/model_impl.h"
#include "cli_common.h"
#include "commands.h"
#include "qac/model.h"
#include "quant/pipeline.h"

namespace qac::cli {
namespace {

struct InspectArgs {
  std::string model;
  QuantizeFlags flags;
  bool json = false;
  LogFlags log;
};

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

int run(const InspectArgs& a) {
  apply_log_flags(a.log);
  auto model = Model::load(a.model);
  if (!model.ok()) return fail(model.status());
  const onnx::ModelProto& original = model->impl().proto;
  std::map<std::string, int> histogram;
  for (const auto& n : original.graph().node()) histogram[n.op_type()]++;
  int64_t opset = 0;
  for (const auto& o : original.opset_import()) {
    if (o.domain().empty() || o.domain() == "ai.onnx") opset = o.version();
  }
  QuantizationReport report;
  auto prepared = prepare(original, to_options(a.flags), &report);
  if (!prepared.ok()) return fail(prepared.status().with_context(a.model));
  const auto& setup = prepared->setup;
  if (a.json) {
    nlohmann::json j;
    j["model"] = a.model;
    j["opset"] = opset;
    j["nodes"] = original.graph().node_size();
    j["op_histogram"] = histogram;
    j["normalization"] = report.normalization;
    j["quantized_ops_per_type"] = setup.quantized_ops_per_type;
    nlohmann::json acts = nlohmann::json::array();
    for (const auto& q : setup.activations) acts.push_back({{"tensor", q.tensor}, {"reason", q.reason}});
    j["activation_quantizers"] = acts;
    nlohmann::json weights = nlohmann::json::array();
    for (const auto& w : setup.weights) weights.push_back({{"node", w.node_name}, {"weight", w.initializer}, {"axis", w.axis}});
    j["weight_quantizers"] = weights;
    nlohmann::json skipped = nlohmann::json::array();
    for (const auto& s : setup.skipped) skipped.push_back({{"node", s.node_name}, {"op_type", s.op_type}, {"reason", s.reason}});
    j["float_nodes"] = skipped;
    std::printf("%s\n", j.dump(2).c_str());
    return kExitOk;
  }
  std::printf("%s: opset %lld, %d nodes, %d initializers\n", a.model.c_str(), static_cast<long long>(opset),
              original.graph().node_size(), original.graph().initializer_size());
  for (const auto& i : original.graph().input()) std::printf("  input  %s\n", describe_value(i).c_str());
  for (const auto& o : original.graph().output()) std::printf("  output %s\n", describe_value(o).c_str());
  std::printf("op histogram:\n");
  for (const auto& [type, count] : histogram) std::printf("  %-22s %d\n", type.c_str(), count);
  if (!report.normalization.empty()) {
    std::printf("normalization (%zu rewrites):\n", report.normalization.size());
    for (const auto& line : report.normalization) std::printf("  %s\n", line.c_str());
  }
  std::printf("would quantize (%zu activation, %zu weight quantizers):\n", setup.activations.size(),
              setup.weights.size());
  for (const auto& [type, count] : setup.quantized_ops_per_type) std::printf("  %-22s %d\n", type.c_str(), count);
  std::printf("activation quantizers:\n");
  for (const auto& q : setup.activations) std::printf("  %s: %s\n", q.tensor.c_str(), q.reason.c_str());
  std::printf("left in float:\n");
  for (const auto& s : setup.skipped) {
    std::printf("  %s (%s): %s\n", s.node_name.c_str(), s.op_type.c_str(), s.reason.c_str());
  }
  return kExitOk;
}

}  // namespace

void add_inspect_command(CLI::App& root, int& exit_code) {
  auto args = std::make_shared<InspectArgs>();
  CLI::App* cmd = root.add_subcommand("inspect", "Show a model's ops and what quantize would do with them");
  cmd->add_option("model", args->model, "ONNX model")->required();
  add_quantize_flags(*cmd, args->flags);
  cmd->add_flag("--json", args->json, "Print as JSON");
  add_log_flags(*cmd, args->log);
  cmd->callback([args, &exit_code] { exit_code = run(*args); });
}

}  // namespace qac::cli
