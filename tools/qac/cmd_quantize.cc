// qac quantize MODEL --calibration DATA -o OUT [options]
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "cli_common.h"
#include "commands.h"
#include "output_files.h"
#include "output_paths.h"
#include "validators.h"
#include "qac/accuracy_control.h"
#include "qac/html_report.h"
#include "qac/metric.h"
#include "qac/model.h"
#include "qac/quantize.h"

namespace qac::cli {
namespace {

struct QuantizeArgs {
  std::string model, calibration, output, report, html;
  QuantizeFlags flags;
  LogFlags log;
  // Accuracy control (active when --validation is given).
  std::string validation, metric = "top1", dictionary, metric_command, drop_type = "absolute",
              strategy = "qac", restore_mode = "activations_and_weights", intermediate_dir;
  std::string metric_output = "default";
  double metric_timeout = static_cast<double>(kDefaultMetricTimeout.count());  // seconds
  double max_drop = 0.01;
  size_t ranking_subset_size = 300;
  int max_num_iterations = INT_MAX;
  bool tune_hyperparams = false;
};

void print_summary(const QuantizationReport& r, const std::string& output) {
  std::printf("quantized model written to %s\n", output.c_str());
  std::printf("target %s, overflow fix %s, %zu calibration samples (statistics %.2fs, total %.2fs)\n",
              r.target.c_str(), r.overflow_fix.c_str(), r.calibration_samples, r.seconds_statistics,
              r.seconds_total);
  std::printf("%d activation quantizers, %d weight quantizers\n", r.activation_quantizers, r.weight_quantizers);
  std::printf("quantized ops per type:\n");
  for (const auto& [type, count] : r.quantized_ops_per_type) std::printf("  %-22s %d\n", type.c_str(), count);
  if (!r.skipped.empty()) std::printf("%zu nodes left in float (see --report or -v)\n", r.skipped.size());
  if (r.speed.measured) {
    std::printf("latency (1 thread, batch 1): FP32 %.3f ms, INT8 %.3f ms, INT8/FP32 %.3f", r.speed.fp32_ms,
                r.speed.int8_ms, r.speed.ratio);
    if (!std::isnan(r.speed.int8_mac_share)) std::printf(", %.1f%% of MACs in int8 kernels", 100 * r.speed.int8_mac_share);
    std::printf("\n");
  }
}

AccuracyControlOptions accuracy_options(const QuantizeArgs& a) {
  AccuracyControlOptions o;
  static_cast<QuantizationOptions&>(o) = to_options(a.flags);
  o.max_drop = a.max_drop;
  o.drop_type = a.drop_type == "relative" ? DropType::kRelative : DropType::kAbsolute;
  o.ranking_subset_size = a.ranking_subset_size;
  o.max_num_iterations = a.max_num_iterations;
  o.restore_mode = a.restore_mode == "only_activations" ? RestoreMode::kOnlyActivations
                                                        : RestoreMode::kActivationsAndWeights;
  o.tune_hyperparams = a.tune_hyperparams;
  o.strategy = a.strategy == "nncf" ? SearchStrategy::kNncf : SearchStrategy::kQac;
  o.intermediate_dir = a.intermediate_dir;
  return o;
}

// Every file the run writes.
std::vector<OutputPath> outputs(const QuantizeArgs& a) {
  std::vector<OutputPath> out = {{"-o", a.output}, {"--report", a.report}, {"--html", a.html}};
  if (!a.intermediate_dir.empty()) {
    // Where quantize_with_accuracy_control keeps the fully quantized model.
    const std::string name = std::filesystem::path(a.model).stem().string() + ".fully_quantized.onnx";
    out.push_back({"--intermediate-dir", std::filesystem::path(a.intermediate_dir) / name, /*folder_created=*/true});
  }
  return out;
}

// The JSON report and the HTML page, when requested.
template <typename Report>
std::vector<TextOutput> text_outputs(const QuantizeArgs& a, const Report& report) {
  return {{a.report, a.report.empty() ? "" : report.to_json()},
          {a.html, a.html.empty() ? "" : render_html_report(report, a.model)}};
}

int run_accuracy_control(const QuantizeArgs& a, const Model& model, const Dataset& calibration) {
  auto validation = open_dataset(a.validation);
  if (!validation.ok()) return fail(validation.status());
  MetricFactory factory = metric_factory(a.metric, a.dictionary, output_index_of(a.metric_output), a.metric_command, a.metric_timeout);
  if (auto probe = factory(); !probe.ok()) return fail(probe.status());
  AccuracyControlReport report;
  auto q = quantize_with_accuracy_control(model, calibration, **validation, factory, accuracy_options(a), &report);
  if (!q.ok()) return fail(q.status().with_context(a.model));
  if (Status s = write_outputs(*q, a.output, text_outputs(a, report)); !s.ok()) return fail(s);
  std::printf("model written to %s\n%s", a.output.c_str(), report.summary().c_str());
  if (!a.html.empty()) std::printf("report page written to %s\n", a.html.c_str());
  if (!report.budget_met) {
    std::fprintf(stderr, "qac: the accuracy budget was not met: the best model found was written (drop %.4f > %.4f)\n",
                 report.final_drop, report.max_drop);
    return kExitBudgetNotMet;
  }
  return kExitOk;
}

int run(const QuantizeArgs& a) {
  apply_log_flags(a.log);
  // Fail on a bad destination before hours of work, not after.
  if (Status s = check_output_paths(outputs(a), {a.model, a.calibration, a.validation, a.dictionary}); !s.ok()) {
    return fail(s);
  }
  auto model = Model::load(a.model);
  if (!model.ok()) return fail(model.status());
  auto data = open_dataset(a.calibration);
  if (!data.ok()) return fail(data.status());
  if (!a.validation.empty()) return run_accuracy_control(a, *model, **data);
  QuantizationReport report;
  auto q = quantize(*model, **data, to_options(a.flags), &report);
  if (!q.ok()) return fail(q.status().with_context(a.model));
  if (Status s = write_outputs(*q, a.output, text_outputs(a, report)); !s.ok()) return fail(s);
  print_summary(report, a.output);
  if (!a.html.empty()) std::printf("report page written to %s\n", a.html.c_str());
  return kExitOk;
}

}  // namespace

void add_quantize_command(CLI::App& root, int& exit_code) {
  auto args = std::make_shared<QuantizeArgs>();
  CLI::App* cmd = root.add_subcommand("quantize", "Quantize an FP32 ONNX model to an INT8 QDQ model");
  cmd->add_option("model", args->model, "FP32 ONNX model")->required();
  cmd->add_option("--calibration", args->calibration,
                  "Calibration data: a folder of <input>.npy files or test_data_set_*/input_*.pb")
      ->required();
  cmd->add_option("-o,--output", args->output, "Where to write the quantized model")->required();
  cmd->add_option("--report", args->report, "Also write a JSON report of every decision here");
  cmd->add_option("--html", args->html,
                  "Also write the report as one self-contained HTML page here (verdict, search, sensitivities, "
                  "per-layer error, calibration, speed)");
  add_quantize_flags(*cmd, args->flags);
  auto* ac = "Accuracy control";
  cmd->add_option("--validation", args->validation,
                  "Validation data: with it, groups of quantizers are returned to float until the drop <= --max-drop")
      ->group(ac);
  cmd->add_option("--metric", args->metric, "Validation metric (see qac eval --help); higher is better")
      ->group(ac)->capture_default_str();
  cmd->add_option("--dictionary", args->dictionary, "Character dictionary for ctc-* metrics")->group(ac);
  cmd->add_option("--output-index", args->metric_output, "Model output(s) the metric reads: an index, every (each output, "
                  "the worst counts: sqnr/cosine/nmse default), all (their concatenation)")
      ->check(output_selection())->group(ac);
  cmd->add_option("--metric-command", args->metric_command,
                  "External metric: a command run as `CMD DIR`; DIR holds output_<i>.npy and labels.npy/labels.json; "
                  "it prints {\"metric\": m, \"per_sample\": [...]}")
      ->group(ac);
  cmd->add_option("--metric-timeout", args->metric_timeout,
                  "Seconds a --metric-command run may take; it is then killed with everything it started, "
                  "and qac stops with an error")
      ->group(ac)->check(timeout_seconds())->capture_default_str();
  cmd->add_option("--max-drop", args->max_drop, "Largest accepted metric drop")->group(ac)
      ->check(non_negative_number())->capture_default_str();
  cmd->add_option("--drop-type", args->drop_type, "absolute or relative")->group(ac)
      ->check(CLI::IsMember({"absolute", "relative"}))->capture_default_str();
  cmd->add_option("--strategy", args->strategy, "qac (default) or nncf (NNCF's greedy search, the baseline)")
      ->group(ac)->check(CLI::IsMember({"qac", "nncf"}))->capture_default_str();
  cmd->add_option("--ranking-subset-size", args->ranking_subset_size, "Samples used to rank groups")
      ->group(ac)->check(positive_integer())->capture_default_str();
  cmd->add_option("--max-num-iterations", args->max_num_iterations, "Cap on the groups returned to float")
      ->group(ac)->check(CLI::Range(0, INT_MAX));
  cmd->add_option("--restore-mode", args->restore_mode,
                  "activations_and_weights (reverted ops fully float) or only_activations (keep int8 weights)")
      ->group(ac)->check(CLI::IsMember({"activations_and_weights", "only_activations"}))->capture_default_str();
  cmd->add_flag("--tune-hyperparams", args->tune_hyperparams,
                "First search preset, estimator and bias correction on the validation set")->group(ac);
  cmd->add_option("--intermediate-dir", args->intermediate_dir, "Also keep the fully quantized model here")
      ->group(ac);
  add_log_flags(*cmd, args->log);
  cmd->callback([args, &exit_code] { exit_code = run(*args); });
}

}  // namespace qac::cli
