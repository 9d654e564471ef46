// Shared pieces of the qac subcommands: exit codes, option parsing helpers, data loading.
#pragma once

#include <CLI/CLI.hpp>

#include <memory>
#include <string>
#include <vector>

#include "qac/accuracy_control.h"
#include "qac/dataset.h"
#include "qac/options.h"
#include "qac/status.h"

namespace qac::cli {

// Exit codes of the qac tool (documented in README.md).
enum ExitCode : int {
  kExitOk = 0,
  kExitError = 1,          // bad input, runtime failure: a message names the file/node/tensor
  kExitUsage = 2,          // unknown flag, bad flag value
  kExitBudgetNotMet = 3,   // accuracy control: best model written, but drop > max_drop
};

// Prints "qac: error: <status message>" to stderr and returns kExitError.
int fail(const Status& status);

// Options of the basic flow shared by `quantize` and later subcommands.
struct QuantizeFlags {
  std::string preset = "auto";
  std::string model_type = "default";
  std::string estimator = "mean_minmax";
  std::string bias_correction = "fast";
  std::string overflow_fix = "auto";
  std::string target = "host";
  std::vector<std::string> ignore_names, ignore_types, ignore_patterns;
  size_t subset_size = 300;
  double quantile = 1e-4;
  double smooth_quant_alpha = 0.95;
  bool no_smooth_quant = false;
  bool float_weights = false;
  bool no_latency = false;
  bool no_kernel_timing = false;
  bool no_kernel_timing_cache = false;
  std::string kernel_timing_cache_dir;
  std::string cache_dir;
  size_t batch_size = 0;
  int threads = 0;
};
void add_quantize_flags(CLI::App& app, QuantizeFlags& flags);
// REQUIRES: values checked by the CLI11 validators added in add_quantize_flags.
QuantizationOptions to_options(const QuantizeFlags& flags);

// A factory for the validation metric: the external command when `command` is non-empty (killed
// after `command_timeout_seconds`), else the built-in metric `name`.
MetricFactory metric_factory(const std::string& name, const std::string& dictionary, int output_index,
                             const std::string& command, double command_timeout_seconds);

// Verbosity flags: -v (info), -vv (debug), -q (errors only).
struct LogFlags {
  int verbose = 0;
  bool quiet = false;
};
void add_log_flags(CLI::App& app, LogFlags& flags);
void apply_log_flags(const LogFlags& flags);

}  // namespace qac::cli
