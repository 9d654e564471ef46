// qac inspect MODEL: inputs/outputs, op histogram, and what `quantize` would do and why.
#include <cstdio>
#include <map>

#include <nlohmann/json.hpp>

#include "cli_common.h"
#include "commands.h"
#include "qac/model.h"
#include "qac/inspect.h"

namespace qac::cli {
namespace {

struct InspectArgs {
  std::string model;
  QuantizeFlags flags;
  bool json = false;
  LogFlags log;
};

int run(const InspectArgs& a) {
  apply_log_flags(a.log);
  auto model = Model::load(a.model);
  if (!model.ok()) return fail(model.status());
  const ModelSummary summary = summarize(*model);
  auto plan = plan_quantization(*model, to_options(a.flags));
  if (!plan.ok()) return fail(plan.status().with_context(a.model));
  if (a.json) {
    nlohmann::json j;
    j["model"] = a.model;
    j["opset"] = summary.opset;
    j["nodes"] = summary.nodes;
    j["op_histogram"] = summary.op_histogram;
    j["normalization"] = plan->normalization;
    j["quantized_ops_per_type"] = plan->quantized_ops_per_type;
    nlohmann::json acts = nlohmann::json::array();
    for (const auto& q : plan->activations) acts.push_back({{"tensor", q.tensor}, {"reason", q.reason}});
    j["activation_quantizers"] = acts;
    nlohmann::json weights = nlohmann::json::array();
    for (const auto& w : plan->weights) weights.push_back({{"node", w.node}, {"weight", w.weight}, {"axis", w.axis}});
    j["weight_quantizers"] = weights;
    nlohmann::json skipped = nlohmann::json::array();
    for (const auto& s : plan->float_nodes) skipped.push_back({{"node", s.node}, {"op_type", s.op_type}, {"reason", s.reason}});
    j["float_nodes"] = skipped;
    std::printf("%s\n", j.dump(2).c_str());
    return kExitOk;
  }
  std::printf("%s: opset %lld, %d nodes, %d initializers\n", a.model.c_str(), static_cast<long long>(summary.opset),
              summary.nodes, summary.initializers);
  for (const auto& i : summary.inputs) std::printf("  input  %s\n", i.c_str());
  for (const auto& o : summary.outputs) std::printf("  output %s\n", o.c_str());
  std::printf("op histogram:\n");
  for (const auto& [type, count] : summary.op_histogram) std::printf("  %-22s %d\n", type.c_str(), count);
  if (!plan->normalization.empty()) {
    std::printf("normalization (%zu rewrites):\n", plan->normalization.size());
    for (const auto& line : plan->normalization) std::printf("  %s\n", line.c_str());
  }
  std::printf("would quantize (%zu activation, %zu weight quantizers):\n", plan->activations.size(),
              plan->weights.size());
  for (const auto& [type, count] : plan->quantized_ops_per_type) std::printf("  %-22s %d\n", type.c_str(), count);
  std::printf("activation quantizers:\n");
  for (const auto& q : plan->activations) std::printf("  %s: %s\n", q.tensor.c_str(), q.reason.c_str());
  std::printf("left in float:\n");
  for (const auto& s : plan->float_nodes) {
    std::printf("  %s (%s): %s\n", s.node.c_str(), s.op_type.c_str(), s.reason.c_str());
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
