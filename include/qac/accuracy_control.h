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
  // Validation samples the ranking runs on (with a ModelValidator, the items holding about as
  // many samples: items of 16 samples rank on ceil(300 / 16) = 19 items).
  size_t ranking_subset_size = 300;
  int max_num_iterations = INT_MAX;  // caps the groups reverted
  RestoreMode restore_mode = RestoreMode::kActivationsAndWeights;
  bool tune_hyperparams = false;     // search preset, estimator and bias correction first
  SearchStrategy strategy = SearchStrategy::kQac;
  std::string intermediate_dir;      // non-empty: keep the fully quantized model there
};

// Builds a fresh metric for one evaluation (metrics are stateful and streamed).
using MetricFactory = std::function<Result<std::unique_ptr<Metric>>()>;

// A candidate model as a ModelValidator sees it: it runs on the ONNX Runtime session the search
// scores with (all optimizations, int8 kernels). Valid only during the evaluate() call that
// received it.
class CompiledModel {
 public:
  virtual ~CompiledModel() = default;
  virtual const std::vector<ValueSpec>& inputs() const = 0;
  virtual const std::vector<ValueSpec>& outputs() const = 0;
  // Runs the model on one batch; every input by name. Returns every output, in outputs() order.
  virtual Result<std::vector<Tensor>> run(const NamedTensors& feeds) const = 0;
};

// The user's validation as a whole-model function (NNCF's validation_fn): given a compiled
// candidate and a set of validation items, it runs the model itself and returns the metric.
// Items are the units the search ranks and subsets (ranking_subset_size, in samples, becomes the
// number of items holding that many samples on average); item i
// feeds samples [first_sample(i), first_sample(i + 1)) of the validation Dataset passed next to
// the validator, which the search uses where it needs model inputs (output noise, sensitivity).
class ModelValidator {
 public:
  virtual ~ModelValidator() = default;
  virtual std::string name() const = 0;
  // As Metric::identity(): what decides the values besides the model, keying cached evaluations.
  virtual std::string identity() const { return name(); }
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
  double score = 0;                   // the search's ranking score for the group; 0 when it was not ranked (backward search)
  // Kernel timing (ONNX Runtime on this CPU, one thread): the time the group's units take in
  // float minus in int8, with the Q/DQ their neighbours need. Empty when the units were not timed.
  std::optional<double> float_cost_us;
  // Why the group is needed (strategy qac): the evaluation of the returned configuration
  // without this group, over budget: its index in `search_steps` / `steps` and the drop it
  // gave (measured, or predicted from the ranking subset, as the step says). Empty for nncf.
  std::optional<size_t> needed_step;
  std::optional<double> drop_without;
};

// Every quantizer group with the two signals the search ranks by.
struct GroupSensitivity {
  int id = 0;
  std::vector<std::string> nodes;     // ONNX node names of the group
  std::vector<std::string> op_types;
  // The one-pass probe: the relative output noise the group's own quantizers add (FP32 vs
  // plain INT8 intermediate tensors on the first validation samples). Empty when not probed.
  std::optional<double> probe;
  // The search's exact ranking score with the group alone in float (strategy qac: the
  // predicted full-set metric; nncf: the ranking-subset metric or -NMSE). Empty when unranked.
  std::optional<double> ranking_score;
  bool reverted = false;              // in float in the returned model
};

// The error plain INT8 adds at one quantized op's output.
struct LayerError {
  std::string node, op_type, tensor;  // ONNX node, its op type and its first output
  int group = 0;                      // the quantizer group the node belongs to
  // 10 log10(sum fp32^2 / sum (int8 - fp32)^2) over the probed samples; +inf when identical.
  double sqnr_db = 0;
};

// One evaluation of the search, structured (the `steps` lines say the same in words).
struct SearchStepRecord {
  // What the evaluation was for: "fp32" and "int8" (baselines), "ranking" (one group in float
  // on the ranking subset), "screen" (a predicted full-set drop), "bracket" (full-set check of
  // a ranked prefix), "confirm", "un-revert" (re-quantizing a group, or NNCF's step back),
  // "revert" (NNCF's greedy revert on the full set).
  std::string kind;
  std::string phase;                  // the search's phase name, as in `steps`
  std::vector<int> groups_in_float;   // sorted group ids
  double metric = 0;                  // on the evaluated samples (ranking by NMSE: -NMSE)
  std::optional<double> drop;         // full set: measured; screen: predicted
  size_t sample_count = 0;
  bool full_set = false;
  bool approximate = false;           // answered by the switchable model
  bool reused = false;                // answered from the memo, nothing ran
  bool returned = false;              // the measurement of the returned configuration
};

struct AccuracyControlReport {
  AccuracyControlOptions options;     // as given; quantization.options holds the ones applied
                                      // (they differ when tune_hyperparams picked others)
  QuantizationReport quantization;
  std::string strategy, drop_type, metric_name;
  double max_drop = 0;
  double fp32_metric = 0, int8_metric = 0, final_metric = 0;
  double int8_drop = 0, final_drop = 0;
  // A metric over every output on its own: each output's value for FP32, plain INT8 and the
  // returned model (the metric above is the worst output's per sample, averaged).
  struct OutputValues {
    std::string output;
    double fp32 = 0, int8 = 0, final_value = 0;
  };
  std::vector<OutputValues> per_output;
  bool has_interval = false;          // per-sample values were available
  double drop_low = 0, drop_high = 0; // 95% paired bootstrap interval of final_drop
  bool budget_met = false;
  int total_groups = 0;
  std::vector<RevertedGroup> reverted;
  std::string tuned_settings;         // the hyperparameters chosen by tune_hyperparams
  size_t evaluations = 0;             // model evaluations run by the search
  double full_pass_equivalents = 0;   // validation samples run / validation size
  // Of the search's answers (evaluations, screens, FP32 passes, the sensitivity probe), those
  // read from options.cache_dir instead of measured; they count in the two numbers above.
  size_t cached_answers = 0;
  std::vector<std::pair<std::string, double>> seconds_per_phase;
  std::vector<std::string> steps;     // the search's decision log, one line per evaluation
  std::vector<SearchStepRecord> search_steps;  // the search's evaluations, structured
  std::vector<GroupSensitivity> groups;        // every quantizer group, by id
  // Per quantized op output of plain INT8, in graph order; from the sensitivity probe (strategy
  // qac runs it anyway; otherwise one extra pass over the probe's samples, its time is the
  // "layer_error" phase). layer_error_samples: the validation samples it covers.
  std::vector<LayerError> layer_errors;
  size_t layer_error_samples = 0;
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
