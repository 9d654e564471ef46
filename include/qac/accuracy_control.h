// Quantization with accuracy control: the basic 8-bit flow, then the quantizer groups that hurt
// the user's metric most are returned to float until the drop on the validation data is within
// max_drop. Mirrors NNCF's quantize_with_accuracy_control() and its parameter names.
#pragma once

#include <climits>
#include <functional>
#include <optional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "qac/dataset.h"
#include "qac/metric.h"
#include "qac/model.h"
#include "qac/options.h"
#include "qac/quantize.h"
#include "qac/status.h"

namespace qac {

// absolute: drop = fp32 - quantized; relative: drop = (fp32 - quantized) / |fp32|.
enum class DropType { kAbsolute, kRelative };

// What a reverted group gets back: float activations and the original FP32 weights and bias
// (NNCF's default), or float activations only, keeping its int8 weights.
enum class RestoreMode { kActivationsAndWeights, kOnlyActivations };

// qac: ranked, pruned, bisected search (default). nncf: a faithful reproduction of NNCF's
// greedy search, cost included, kept as the baseline.
enum class SearchStrategy { kQac, kNncf };

struct AccuracyControlOptions : QuantizationOptions {
  double max_drop = 0.01;
  DropType drop_type = DropType::kAbsolute;
  size_t ranking_subset_size = 300;
  int max_num_iterations = INT_MAX;  // caps the groups reverted
  RestoreMode restore_mode = RestoreMode::kActivationsAndWeights;
  bool tune_hyperparams = false;     // search preset, estimator and bias correction first
  SearchStrategy strategy = SearchStrategy::kQac;
  std::string intermediate_dir;      // non-empty: keep the fully quantized model there
};

// Builds a fresh metric for one evaluation (metrics are stateful and streamed).
using MetricFactory = std::function<Result<std::unique_ptr<Metric>>()>;

// An input or output of a compiled model: its name, element type and shape (-1 = symbolic).
struct TensorSpec {
  std::string name;
  DType dtype = DType::kFloat32;
  std::vector<int64_t> shape;
};

// A candidate model as a ModelValidator sees it: it runs on the ONNX Runtime session the search
// scores with (all optimizations, int8 kernels). Valid only during the evaluate() call that
// received it.
class CompiledModel {
 public:
  virtual ~CompiledModel() = default;
  virtual const std::vector<TensorSpec>& inputs() const = 0;
  virtual const std::vector<TensorSpec>& outputs() const = 0;
  // Runs the model on one batch; every input by name. Returns every output, in outputs() order.
  virtual Result<std::vector<Tensor>> run(const NamedTensors& feeds) const = 0;
};

// The user's validation as a whole-model function (NNCF's validation_fn): given a compiled
// candidate and a set of validation items, it runs the model itself and returns the metric.
// Items are the units the search ranks and subsets (ranking_subset_size counts items); item i
// feeds samples [first_sample(i), first_sample(i + 1)) of the validation Dataset passed next to
// the validator, which the search uses where it needs model inputs (output noise, sensitivity).
class ModelValidator {
 public:
  virtual ~ModelValidator() = default;
  virtual std::string name() const = 0;
  virtual size_t num_items() const = 0;
  // REQUIRES: item <= num_items(); first_sample(num_items()) == validation.size().
  virtual size_t first_sample(size_t item) const = 0;
  // The metric of `model` on `items` (sorted, unique; empty = every item): higher is better;
  // per_sample empty or one value per item, in `items` order. NaN is an error of the caller.
  virtual Result<MetricValue> evaluate(const CompiledModel& model, const std::vector<size_t>& items) = 0;
};

struct RevertedGroup {
  int id = 0;
  std::vector<std::string> nodes;     // ONNX node names returned to float
  std::vector<std::string> op_types;
  double score = 0;                   // the search's ranking score for the group
  // Kernel timing (ONNX Runtime on this CPU, one thread): the time the group's units take in
  // float minus in int8, with the Q/DQ their neighbours need. Empty when the units were not timed.
  std::optional<double> float_cost_us;
};

struct AccuracyControlReport {
  AccuracyControlOptions options;     // as given; quantization.options holds the ones applied
                                      // (they differ when tune_hyperparams picked others)
  QuantizationReport quantization;
  std::string strategy, drop_type, metric_name;
  double max_drop = 0;
  double fp32_metric = 0, int8_metric = 0, final_metric = 0;
  double int8_drop = 0, final_drop = 0;
  bool has_interval = false;          // per-sample values were available
  double drop_low = 0, drop_high = 0; // 95% paired bootstrap interval of final_drop
  bool budget_met = false;
  int total_groups = 0;
  std::vector<RevertedGroup> reverted;
  std::string tuned_settings;         // the hyperparameters chosen by tune_hyperparams
  size_t evaluations = 0;             // model evaluations run by the search
  double full_pass_equivalents = 0;   // validation samples run / validation size
  std::vector<std::pair<std::string, double>> seconds_per_phase;
  std::vector<std::string> steps;     // the search's decision log, one line per evaluation
  // FP32, plain INT8 and the returned model in ONNX Runtime (all optimizations, 1 thread, the
  // first validation sample, runs interleaved), when options.measure_latency.
  struct Latency {
    bool measured = false;
    double fp32_ms = 0, int8_ms = 0, final_ms = 0;
  } latency;

  std::string to_json() const;        // with the qac version and every option under "options"
  std::string summary() const;        // readable, a few lines
};

// Returns the best model found. When no configuration meets max_drop the best one seen is
// still returned (report->budget_met == false); errors are reserved for bad input.
Result<Model> quantize_with_accuracy_control(const Model& model, const Dataset& calibration,
                                             const Dataset& validation, const MetricFactory& validate,
                                             const AccuracyControlOptions& options,
                                             AccuracyControlReport* report = nullptr);

// Same search, with the metric computed by `validator` on the compiled candidates; `validation`
// holds the model inputs of its items (see ModelValidator). report->metric_name is
// validator.name().
Result<Model> quantize_with_accuracy_control(const Model& model, const Dataset& calibration,
                                             const Dataset& validation, ModelValidator& validator,
                                             const AccuracyControlOptions& options,
                                             AccuracyControlReport* report = nullptr);

}  // namespace qac
