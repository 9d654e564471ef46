// qac eval MODEL --data DATA --metric M [--reference FP32] [--dictionary FILE]
#include <algorithm>
#include <cstdio>
#include <optional>

#include <nlohmann/json.hpp>

#include "cli_common.h"
#include "commands.h"
#include "qac/evaluate.h"
#include "qac/metric.h"
#include "qac/model.h"
#include "validators.h"

namespace qac::cli {
namespace {

struct EvalArgs {
  std::string model, data, metric = "top1", reference, dictionary, optimization = "all";
  std::string output = "default";
  size_t limit = 0, batch_size = 0;
  int threads = 0;
  bool json = false;
  LogFlags log;
};

int run(const EvalArgs& a) {
  apply_log_flags(a.log);
  MetricSpec spec;
  spec.name = a.metric;
  spec.dictionary_path = a.dictionary;
  spec.output_index = output_index_of(a.output);
  auto metric = make_metric(spec);
  if (!metric.ok()) return fail(metric.status());
  auto model = Model::load(a.model);
  if (!model.ok()) return fail(model.status());
  std::optional<Model> reference;
  if (!a.reference.empty()) {
    auto r = Model::load(a.reference);
    if (!r.ok()) return fail(r.status());
    reference = std::move(r).value();
  }
  auto inputs = model->inputs();
  if (!inputs.ok()) return fail(inputs.status());
  std::vector<std::string> input_names;
  for (const ValueSpec& i : *inputs) input_names.push_back(i.name);
  auto data = open_dataset(a.data, input_names);
  if (!data.ok()) return fail(data.status());
  EvaluateOptions eo;
  eo.limit = a.limit;
  eo.batch_size = a.batch_size;
  eo.optimizations = a.optimization == "all";
  eo.threads = a.threads;
  auto evaluated = evaluate_model(*model, reference ? &*reference : nullptr, **data, **metric, eo);
  if (!evaluated.ok()) return fail(evaluated.status());
  const MetricValue* value = &evaluated->metric;
  const size_t n = value->per_sample.size();
  const std::vector<std::string> outputs = model->output_names();
  auto output_name = [&](size_t k) { return k < outputs.size() ? outputs[k] : "output " + std::to_string(k); };
  if (a.json) {
    nlohmann::json j = {{"model", a.model}, {"data", a.data}, {"metric", a.metric},
                        {"value", value->value}, {"samples", n}};
    for (size_t k = 0; k < value->per_output.size(); ++k) {
      j["per_output"].push_back({{"output", output_name(k)}, {"value", value->per_output[k]}});
    }
    std::printf("%s\n", j.dump(2).c_str());
  } else {
    std::printf("%s = %.6f on %zu samples of %s (%s)%s\n", a.metric.c_str(), value->value, n, a.data.c_str(),
                a.model.c_str(), value->per_output.empty() ? "" : ", the worst output of each sample");
    for (size_t k = 0; k < value->per_output.size(); ++k) {
      std::printf("  output '%s': %.6f\n", output_name(k).c_str(), value->per_output[k]);
    }
  }
  return kExitOk;
}

}  // namespace

void add_eval_command(CLI::App& root, int& exit_code) {
  auto args = std::make_shared<EvalArgs>();
  CLI::App* cmd = root.add_subcommand("eval", "Score a model on a dataset with a built-in metric");
  cmd->add_option("model", args->model, "ONNX model to evaluate")->required();
  cmd->add_option("--data", args->data, "Dataset folder (<input>.npy + labels, or test_data_set_*)")->required();
  cmd->add_option("--metric", args->metric,
                  "top1, top5, topk:K (labels); agreement, sqnr, cosine, nmse (vs --reference); "
                  "ctc-exact, ctc-cer (labels.json + --dictionary)")
      ->capture_default_str();
  cmd->add_option("--reference", args->reference, "FP32 model for agreement/sqnr/cosine/nmse");
  cmd->add_option("--dictionary", args->dictionary, "Character dictionary for ctc-* metrics");
  cmd->add_option("--output-index", args->output, "Model output(s) the metric reads: an index, every (each output, "
                  "the worst counts: sqnr/cosine/nmse default), all (their concatenation)")
      ->check(output_selection())->capture_default_str();
  cmd->add_option("--optimization", args->optimization,
                  "all: ONNX Runtime with int8 kernels (as deployed); disabled: float QDQ reference")
      ->check(CLI::IsMember({"all", "disabled"}))->capture_default_str();
  cmd->add_option("--limit", args->limit, "Evaluate only the first N samples (0 = all)");
  cmd->add_option("--batch-size", args->batch_size, "Samples per run (0 = automatic)");
  cmd->add_option("--threads", args->threads, "ONNX Runtime threads (0 = all cores)")
      ->check(non_negative_number());
  cmd->add_flag("--json", args->json, "Print the result as JSON");
  add_log_flags(*cmd, args->log);
  cmd->callback([args, &exit_code] { exit_code = run(*args); });
}

}  // namespace qac::cli
