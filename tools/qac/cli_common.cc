#include "cli_common.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <array>
#include <map>

#include "qac/metric.h"
#include "qac/option_names.h"
#include "qac/run_control.h"
#include "validators.h"

namespace qac::cli {
namespace {

template <typename E>
E lookup(const std::map<std::string, E>& table, const std::string& key) {
  return table.at(key);  // validated by CLI::IsMember before use
}

// Option values by the names reports use too (qac/option_names.h).
template <typename E, size_t N>
std::map<std::string, E> by_name(const std::array<E, N>& values, const char* (*name)(E)) {
  std::map<std::string, E> table;
  for (E value : values) table.emplace(name(value), value);
  return table;
}

const std::map<std::string, Preset> kPresets = by_name(kPresetValues, preset_name);
const std::map<std::string, ModelType> kModelTypes = by_name(kModelTypeValues, model_type_name);
const std::map<std::string, RangeEstimator> kEstimators = by_name(kEstimatorValues, estimator_name);
const std::map<std::string, OverflowFix> kOverflowFixes = by_name(kOverflowFixValues, overflow_fix_name);
const std::map<std::string, BiasCorrection> kBiasCorrections = by_name(kBiasCorrectionValues, bias_correction_name);
const std::map<std::string, Target> kTargets = by_name(kTargetValues, target_name);

template <typename E>
std::vector<std::string> keys(const std::map<std::string, E>& table) {
  std::vector<std::string> k;
  for (const auto& [name, value] : table) k.push_back(name);
  return k;
}

}  // namespace

int fail(const Status& status) {
  std::fprintf(stderr, "qac: error: %s\n", status.message().c_str());
  return kExitError;
}

void add_quantize_flags(CLI::App& app, QuantizeFlags& f) {
  app.add_option("--preset", f.preset, "Activation scheme: auto (mixed for ONNX Runtime targets, performance for openvino/any), "
                 "performance (symmetric) or mixed (asymmetric)")
      ->check(CLI::IsMember(keys(kPresets)))->capture_default_str();
  app.add_option("--model-type", f.model_type, "default or transformer (attention rules + SmoothQuant)")
      ->check(CLI::IsMember(keys(kModelTypes)))->capture_default_str();
  app.add_option("--subset-size", f.subset_size, "Calibration samples used for statistics")
      ->check(positive_integer())->capture_default_str();
  app.add_option("--estimator", f.estimator, "Activation range estimator")
      ->check(CLI::IsMember(keys(kEstimators)))->capture_default_str();
  app.add_option("--quantile", f.quantile, "Tail mass clipped by --estimator quantile")
      ->check(CLI::Range(0.0, 0.5))->capture_default_str();
  app.add_option("--bias-correction", f.bias_correction, "fast, full or none")
      ->check(CLI::IsMember(keys(kBiasCorrections)))->capture_default_str();
  auto* alpha = app.add_option("--smooth-quant-alpha", f.smooth_quant_alpha,
                               "SmoothQuant migration strength for transformer MatMuls, in [0, 1]")
                    ->check(CLI::Range(0.0, 1.0))->capture_default_str();
  app.add_flag("--no-smooth-quant", f.no_smooth_quant, "No SmoothQuant (model type transformer)")->excludes(alpha);
  app.add_option("--overflow-fix", f.overflow_fix,
                 "Weights in [-63,63] to avoid int16 saturation: auto (from --target), disable, first_layer, enable")
      ->check(CLI::IsMember(keys(kOverflowFixes)))->capture_default_str();
  app.add_option("--target", f.target, "Where the int8 model will run, which decides the QDQ form: host (ONNX Runtime on this CPU), "
                 "cpu-avx2, cpu-vnni, cpu-arm (ONNX Runtime node units, uint8 activations on x86), openvino "
                 "(NNCF's placement), any (NNCF's placement, full weight range)")
      ->check(CLI::IsMember(keys(kTargets)))->capture_default_str();
  app.add_option("--ignore-names", f.ignore_names, "Node names to keep in float")->delimiter(',');
  app.add_option("--ignore-types", f.ignore_types, "Op types to keep in float")->delimiter(',');
  app.add_option("--ignore-patterns", f.ignore_patterns, "Regular expressions on node names to keep in float")
      ->delimiter(',');
  app.add_flag("--float-weights", f.float_weights,
               "Store weights as float + QuantizeLinear instead of int8 initializers");
  app.add_option("--batch-size", f.batch_size, "Samples per inference run (0 = automatic)")->capture_default_str();
  app.add_flag("--no-latency", f.no_latency,
               "Skip the FP32 vs INT8 latency measurement (1 thread, one calibration sample) of the summary");
  app.add_flag("--no-kernel-timing", f.no_kernel_timing,
               "Keep every unit placement allows in int8 instead of timing each unit in int8 and float on this "
               "CPU and keeping in float those whose int8 form is not faster");
  app.add_option("--kernel-timing-cache", f.kernel_timing_cache_dir,
                 "Folder of the kernel-timing cache (default $XDG_CACHE_HOME/qac/kernel-timing or "
                 "~/.cache/qac/kernel-timing): the same command on the same machine then makes the same choice");
  app.add_flag("--no-kernel-timing-cache", f.no_kernel_timing_cache, "Measure kernel timings afresh, store nothing");
  app.add_option("--cache-dir", f.cache_dir,
                 "Keep reusable work in this folder: calibration statistics, kernel timings and every evaluation "
                 "of the accuracy-control search. A run stopped at any point and started again with the same "
                 "command repeats no finished evaluation and returns the identical model")
      ->check([](const std::string& dir) -> std::string {
        std::error_code ec;
        if (std::filesystem::exists(dir, ec) && !std::filesystem::is_directory(dir, ec)) {
          return "must name a folder, got '" + dir + "', which exists and is not one";
        }
        return "";
      });
  app.add_option("--threads", f.threads, "Threads for ONNX Runtime (0 = all cores)")
      ->check(non_negative_number())->capture_default_str();
}

QuantizationOptions to_options(const QuantizeFlags& f) {
  QuantizationOptions o;
  o.preset = lookup(kPresets, f.preset);
  o.model_type = lookup(kModelTypes, f.model_type);
  o.subset_size = f.subset_size;
  o.activation_estimator = lookup(kEstimators, f.estimator);
  o.quantile = f.quantile;
  o.bias_correction = lookup(kBiasCorrections, f.bias_correction);
  o.smooth_quant_alpha = f.no_smooth_quant ? std::nullopt : std::optional<double>(f.smooth_quant_alpha);
  o.overflow_fix = lookup(kOverflowFixes, f.overflow_fix);
  o.target = lookup(kTargets, f.target);
  o.ignored_scope.names = f.ignore_names;
  o.ignored_scope.types = f.ignore_types;
  o.ignored_scope.patterns = f.ignore_patterns;
  o.weights_as_int8_initializers = !f.float_weights;
  o.batch_size = f.batch_size;
  o.num_threads = f.threads;
  o.measure_latency = !f.no_latency;
  o.kernel_timing = !f.no_kernel_timing;
  o.kernel_timing_cache = !f.no_kernel_timing_cache;
  o.kernel_timing_cache_dir = f.kernel_timing_cache_dir;
  o.cache_dir = f.cache_dir;
  return o;
}

MetricFactory metric_factory(const std::string& name, const std::string& dictionary, int output_index,
                             const std::string& command, double command_timeout_seconds) {
  if (!command.empty()) {
    const auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::duration<double>(command_timeout_seconds));
    return [command, timeout]() -> Result<std::unique_ptr<Metric>> { return make_command_metric(command, timeout); };
  }
  MetricSpec spec;
  spec.name = name;
  spec.dictionary_path = dictionary;
  spec.output_index = output_index;
  return [spec]() { return make_metric(spec); };
}

void add_log_flags(CLI::App& app, LogFlags& f) {
  app.add_flag("-v,--verbose", f.verbose, "More log output (-vv for debug)");
  app.add_flag("-q,--quiet", f.quiet, "Only errors");
}

void apply_log_flags(const LogFlags& f) {
  if (f.quiet) {
    set_log_level(LogLevel::kError);
  } else if (f.verbose >= 2) {
    set_log_level(LogLevel::kDebug);
  } else if (f.verbose == 1) {
    set_log_level(LogLevel::kInfo);
  } else {
    set_log_level(LogLevel::kWarning);
  }
  set_progress_enabled(!f.quiet);
}

}  // namespace qac::cli
