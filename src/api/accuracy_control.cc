// quantize_with_accuracy_control(): basic flow, optional hyperparameter tuning, search over
// quantizer groups, confirmation of the chosen model on a fresh ONNX Runtime session.
#include "qac/accuracy_control.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <cmath>
#include <filesystem>
#include <sstream>

#include "search/bootstrap.h"
#include "qac/option_names.h"
#include "search/drop.h"
#include "evaluation/model_oracle.h"
#include "evaluation/oracle_cache_key.h"
#include "search/search_nncf.h"
#include "search/search_qac.h"
#include "evaluation/tune_hyperparams.h"
#include "api/calibration_check.h"
#include "api/model_impl.h"
#include "core/log.h"
#include "onnx/model_io.h"
#include "quant/groups.h"
#include "quant/pipeline.h"
#include "runtime/batching.h"
#include "runtime/latency.h"

namespace qac {
namespace {

class PhaseTimer {
 public:
  explicit PhaseTimer(std::vector<std::pair<std::string, double>>& out) : out_(out) {}
  void lap(const std::string& phase) {
    const auto now = std::chrono::steady_clock::now();
    out_.emplace_back(phase, std::chrono::duration<double>(now - last_).count());
    last_ = now;
  }

 private:
  std::vector<std::pair<std::string, double>>& out_;
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::string describe_step(const SearchStep& s) {
  std::ostringstream line;
  line << s.phase << ": " << s.reverted.size() << " groups in float [";
  for (size_t i = 0; i < s.reverted.size(); ++i) line << (i ? "," : "") << s.reverted[i];
  line << "] metric " << s.metric;
  if (s.drop == s.drop) line << " drop " << s.drop;
  line << " on " << s.sample_count << (s.full_set ? " (full set)" : " samples");
  if (s.approximate) line << " of the switchable model";
  if (s.samples == 0 && s.phase != kPhaseStepBack) line << ", reused";
  return line.str();
}

// The kind of evaluation a search phase stands for, as the report names it.
std::string step_kind(const std::string& phase) {
  if (phase == kPhaseRank || phase == kPhaseRerank || phase == kPhaseWiden) return "ranking";
  if (phase == kPhaseScreen) return "screen";
  if (phase == kPhaseBisect) return "bracket";
  if (phase == kPhaseConfirm) return "confirm";
  if (phase == kPhasePrune || phase == kPhaseStepBack) return "un-revert";
  if (phase == kPhaseRevert) return "revert";
  return phase;
}

// The search's log as structured records; the first baseline step is FP32, the second plain
// INT8. The last full-set measurement of the returned configuration is marked returned.
std::vector<SearchStepRecord> step_records(const SearchResult& result) {
  std::vector<SearchStepRecord> records;
  int baselines = 0;
  for (const SearchStep& s : result.steps) {
    SearchStepRecord r;
    r.phase = s.phase;
    r.kind = s.phase == kPhaseBaseline ? (baselines++ == 0 ? "fp32" : "int8") : step_kind(s.phase);
    r.groups_in_float = s.reverted;
    r.metric = s.metric;
    if (!std::isnan(s.drop)) r.drop = s.drop;
    r.sample_count = s.sample_count;
    r.full_set = s.full_set;
    r.approximate = s.approximate;
    r.reused = s.samples == 0 && s.phase != kPhaseStepBack && r.kind != "fp32";
    records.push_back(std::move(r));
  }
  std::vector<int> returned = result.reverted;
  std::sort(returned.begin(), returned.end());
  for (auto it = records.rbegin(); it != records.rend(); ++it) {
    if (it->kind != "fp32" && it->full_set && it->drop && it->groups_in_float == returned) {
      it->returned = true;
      break;
    }
  }
  return records;
}

// Every group with its probe value and ranking score; layer errors from the oracle's probe.
void fill_sensitivities(const std::vector<QuantizerGroup>& groups, const SearchResult& result,
                        const ModelOracle& oracle, AccuracyControlReport& rep) {
  const std::vector<double>& probe = oracle.probed_sensitivity();
  for (size_t g = 0; g < groups.size(); ++g) {
    GroupSensitivity gs;
    gs.id = static_cast<int>(g);
    gs.nodes = groups[g].node_names;
    gs.op_types = groups[g].op_types;
    if (g < probe.size()) gs.probe = probe[g];
    if (auto it = result.group_scores.find(gs.id); it != result.group_scores.end()) gs.ranking_score = it->second;
    gs.reverted = std::find(result.reverted.begin(), result.reverted.end(), gs.id) != result.reverted.end();
    rep.groups.push_back(std::move(gs));
  }
  for (const auto& e : oracle.probed_node_errors()) {
    rep.layer_errors.push_back({e.node, e.op_type, e.tensor, e.group, e.sqnr_db});
  }
  rep.layer_error_samples = oracle.probed_samples();
}

SearchOptions search_options(const AccuracyControlOptions& o) {
  SearchOptions s;
  s.max_drop = o.max_drop;
  s.drop_type = o.drop_type;
  s.ranking_subset_size = o.ranking_subset_size;
  s.max_num_iterations = o.max_num_iterations;
  return s;
}

Status save_intermediate(const CalibratedModel& cm, const AccuracyControlOptions& options, const std::string& label) {
  std::error_code ec;
  std::filesystem::create_directories(options.intermediate_dir, ec);
  if (ec) return Status::IoError("cannot create " + options.intermediate_dir + ": " + ec.message());
  QAC_ASSIGN_OR_RETURN(onnx::ModelProto full, emit(cm, {}, options, nullptr));
  const std::string stem = std::filesystem::path(label).stem().string();
  return save_model(full, std::filesystem::path(options.intermediate_dir) / (stem + ".fully_quantized.onnx"));
}

// What returning `group` to float costs, from kernel timing; empty when its units were not timed.
std::optional<double> group_float_cost(const CalibratedModel& cm, const QuantizerGroup& group) {
  if (group.unit_ids.empty()) return std::nullopt;
  double us = 0;
  for (const std::string& unit : group.unit_ids) {
    const std::optional<double> cost = unit_float_cost(cm, unit);
    if (!cost) return std::nullopt;
    us += *cost;
  }
  return us;
}

constexpr int kLatencyRounds = 15;

// FP32, plain INT8 and the returned model on the first validation sample, runs interleaved.
Status measure_latency(const onnx::ModelProto& fp32, const onnx::ModelProto& plain, const onnx::ModelProto& final_model,
                       const Dataset& validation, AccuracyControlReport& rep) {
  QAC_ASSIGN_OR_RETURN(NamedTensors feeds, validation.read(0, 1));
  LatencyOptions lo;
  lo.labels = {"FP32 model", "plain INT8 model", "returned model"};
  lo.threads = 1;
  lo.timed_runs = kLatencyRounds;
  lo.coverage = false;
  QAC_ASSIGN_OR_RETURN(LatencyComparison c,
                       compare_latency({serialize(fp32), serialize(plain), serialize(final_model)}, feeds, lo));
  rep.latency.measured = true;
  rep.latency.fp32_ms = c.models[0].median_ms;
  rep.latency.int8_ms = c.models[1].median_ms;
  rep.latency.final_ms = c.models[2].median_ms;
  if (rep.latency.final_ms >= rep.latency.fp32_ms) {
    QAC_LOG(kWarning) << "the returned model is NOT faster than FP32 here: " << rep.latency.final_ms << " ms vs "
                      << rep.latency.fp32_ms << " ms (1 thread, batch 1)";
  }
  return Status::Ok();
}

// The metric: a streamed one (built by `metric`) or a whole-model validator; exactly one is set.
struct Scoring {
  const MetricFactory* metric = nullptr;
  ModelValidator* validator = nullptr;
};

// What decides the metric's values besides the model: its identity, and a validator's items.
Result<std::string> metric_identity(const Scoring& scoring) {
  if (scoring.metric) {
    QAC_ASSIGN_OR_RETURN(auto metric, (*scoring.metric)());
    return "metric " + metric->identity();
  }
  std::string identity = "validator " + scoring.validator->identity() + " items";
  for (size_t i = 0; i <= scoring.validator->num_items(); ++i) {
    identity += " " + std::to_string(scoring.validator->first_sample(i));
  }
  return identity;
}

// With options.cache_dir: the cache the oracle reads its answers from and stores them in.
Result<std::unique_ptr<EvaluationCache>> open_evaluation_cache(const ModelOracle& oracle, const CalibratedModel& cm,
                                                               const Dataset& validation, const Scoring& scoring,
                                                               const AccuracyControlOptions& options) {
  if (options.cache_dir.empty()) return std::unique_ptr<EvaluationCache>();
  QAC_ASSIGN_OR_RETURN(const std::string identity, metric_identity(scoring));
  QAC_ASSIGN_OR_RETURN(const std::string key, oracle_cache_key(oracle, cm, validation, identity, options));
  auto cache = std::make_unique<EvaluationCache>(options.cache_dir, key);
  QAC_LOG(kInfo) << "evaluations cached in " << cache->dir();
  return cache;
}

// Checks what the search needs before any work: data present and matching the model, search
// options valid, a metric to build. Fixes options.batch_size (one sample per run for a model that
// couples the samples of a batch) and fills the report's header fields.
Status check_and_settle(const Model& model, const Dataset& calibration, const Dataset& validation,
                        const Scoring& scoring, AccuracyControlOptions& options, AccuracyControlReport& rep) {
  if (scoring.metric && !*scoring.metric) return Status::InvalidArgument("accuracy control needs a validation metric");
  if (scoring.validator && scoring.validator->first_sample(scoring.validator->num_items()) != validation.size()) {
    return Status::InvalidArgument(scoring.validator->name() + "'s items cover " +
                                   std::to_string(scoring.validator->first_sample(scoring.validator->num_items())) +
                                   " samples but the validation data holds " + std::to_string(validation.size()));
  }
  if (validation.size() == 0) {
    return Status::InvalidData("validation dataset " + validation.description() + " holds no samples");
  }
  if (calibration.size() == 0) {
    return Status::InvalidData("calibration dataset " + calibration.description() + " holds no samples");
  }
  QAC_RETURN_IF_ERROR(check_calibration_data(model_proto(model), model.label(), calibration, options.subset_size));
  QAC_RETURN_IF_ERROR(check_validation_data(model_proto(model), model.label(), validation));
  warn_if_subset_exceeds_data(calibration, options.subset_size);
  std::string coupling;
  QAC_ASSIGN_OR_RETURN(options.batch_size, batch_size_for(model.serialize(), model.label(), validation,
                                                          options.batch_size, &coupling));
  if (!coupling.empty()) {
    QAC_LOG(kWarning) << coupling;
    rep.steps.push_back(coupling);
  }
  QAC_RETURN_IF_ERROR(validate_search_options(search_options(options)));
  if (scoring.metric) {
    QAC_ASSIGN_OR_RETURN(auto probe, (*scoring.metric)());
    rep.metric_name = probe->name();
  } else {
    rep.metric_name = scoring.validator->name();
  }
  rep.strategy = options.strategy == SearchStrategy::kNncf ? "nncf" : "qac";
  rep.drop_type = drop_type_name(options.drop_type);
  rep.max_drop = options.max_drop;
  return Status::Ok();
}

// The search's outcome in the report: metrics, cost, decision log and the reverted groups.
void record_search(const SearchResult& result, const std::vector<QuantizerGroup>& groups, const CalibratedModel& cm,
                   double full_pass_equivalents, AccuracyControlReport& rep) {
  rep.fp32_metric = result.fp32_metric;
  rep.int8_metric = result.int8_metric;
  rep.evaluations = result.evaluations;
  rep.full_pass_equivalents = full_pass_equivalents;
  for (const auto& s : result.steps) rep.steps.push_back(describe_step(s));
  for (int g : result.reverted) {
    RevertedGroup r;
    r.id = g;
    r.nodes = groups[static_cast<size_t>(g)].node_names;
    r.op_types = groups[static_cast<size_t>(g)].op_types;
    if (auto it = result.group_scores.find(g); it != result.group_scores.end()) r.score = it->second;
    r.float_cost_us = group_float_cost(cm, groups[static_cast<size_t>(g)]);
    if (auto it = result.needed.find(g); it != result.needed.end()) {
      r.needed_step = it->second.step;
      r.drop_without = it->second.drop_without;
    }
    rep.reverted.push_back(std::move(r));
    QAC_LOG(kInfo) << "reverted group " << g << " to float: " << rep.reverted.back().nodes.size() << " nodes";
  }
}

// The returned model as it will be saved, and its drop against FP32 with a bootstrap interval.
// Its full-set score comes from a session built on these same serialized bytes: the search's
// measurement when it made one, else a fresh run.
Result<onnx::ModelProto> confirm_final(ModelOracle& oracle, const std::vector<int>& reverted, const std::string& label,
                                       const std::vector<std::string>& output_names,
                                       const AccuracyControlOptions& options, AccuracyControlReport& rep) {
  std::vector<std::string> emit_log;
  QAC_ASSIGN_OR_RETURN(onnx::ModelProto final_model, oracle.model_for(reverted, &emit_log));
  for (const std::string& line : emit_log) {
    if (is_graph_rewrite(line)) rep.quantization.decisions.push_back(line);  // as plain quantize reports them
  }
  QAC_ASSIGN_OR_RETURN(onnx::ModelProto reparsed, parse_model(serialize(final_model), label));
  Evaluation final_eval;
  if (const Evaluation* measured = oracle.full_set_result(reverted)) {
    final_eval = *measured;
  } else {
    QAC_ASSIGN_OR_RETURN(final_eval, oracle.evaluate_model(reparsed, {}, "final model"));
  }
  QAC_ASSIGN_OR_RETURN(Evaluation fp32_eval, oracle.evaluate_fp32({}));
  rep.fp32_metric = fp32_eval.metric;
  rep.final_metric = final_eval.metric;
  QAC_ASSIGN_OR_RETURN(rep.int8_drop, accuracy_drop(rep.fp32_metric, rep.int8_metric, options.drop_type));
  QAC_ASSIGN_OR_RETURN(rep.final_drop, accuracy_drop(rep.fp32_metric, rep.final_metric, options.drop_type));
  rep.budget_met = within_budget(rep.final_drop, options.max_drop);
  const Evaluation* int8_eval = oracle.full_set_result({});
  if (int8_eval && final_eval.per_output.size() == fp32_eval.per_output.size() &&
      int8_eval->per_output.size() == fp32_eval.per_output.size()) {
    for (size_t k = 0; k < final_eval.per_output.size(); ++k) {
      rep.per_output.push_back({k < output_names.size() ? output_names[k] : "output " + std::to_string(k),
                                fp32_eval.per_output[k], int8_eval->per_output[k], final_eval.per_output[k]});
    }
  }
  if (!fp32_eval.per_sample.empty() && fp32_eval.per_sample.size() == final_eval.per_sample.size()) {
    auto ci = bootstrap_drop_interval(fp32_eval.per_sample, final_eval.per_sample, options.drop_type);
    if (ci.ok()) {
      rep.has_interval = true;
      rep.drop_low = ci->low;
      rep.drop_high = ci->high;
    }
  }
  return reparsed;
}

// The chosen strategy over `oracle`.
Result<SearchResult> run_search(ModelOracle& oracle, const Dataset& validation, const Scoring& scoring,
                                const AccuracyControlOptions& options) {
  SearchOptions sopt = search_options(options);
  for (const QuantizerGroup& group : oracle.groups()) {
    sopt.group_float_cost.push_back(group_float_cost(oracle.calibrated_model(), group).value_or(0.0));
  }
  QacTuning tuning;
  if (scoring.validator && validation.size() > 0) {
    // The search subsets items; ranking_subset_size and the smallest ranking subset count
    // samples, as subset_size does: each becomes the number of items holding as many.
    const size_t items = scoring.validator->num_items();
    const auto in_items = [&](size_t samples) {
      return std::max<size_t>(1, (samples * items + validation.size() - 1) / validation.size());
    };
    sopt.ranking_subset_size = in_items(options.ranking_subset_size);
    tuning.min_ranking_subset = in_items(tuning.min_ranking_subset);
  }
  return options.strategy == SearchStrategy::kNncf ? search_nncf(oracle, sopt) : search_qac(oracle, sopt, tuning);
}

Result<Model> run_accuracy_control(const Model& model, const Dataset& calibration, const Dataset& validation,
                                   const Scoring& scoring, const AccuracyControlOptions& requested,
                                   AccuracyControlReport* report) {
  AccuracyControlReport local;
  AccuracyControlReport& rep = report ? *report : local;
  rep = AccuracyControlReport{};
  rep.options = requested;
  rep.quantization.options = requested;
  AccuracyControlOptions options = requested;
  const auto start = std::chrono::steady_clock::now();
  PhaseTimer timer(rep.seconds_per_phase);
  QAC_RETURN_IF_ERROR(check_and_settle(model, calibration, validation, scoring, options, rep));

  QAC_ASSIGN_OR_RETURN(CalibratedModel cm, prepare(model_proto(model), options, &rep.quantization));
  timer.lap("prepare");
  QAC_RETURN_IF_ERROR(calibrate(cm, calibration, options, &rep.quantization, options.tune_hyperparams));
  timer.lap("statistics");
  QAC_RETURN_IF_ERROR(parameterize(cm, options, &calibration, &rep.quantization));
  timer.lap("parameters");
  // The basic flow ends here (tuning, below, re-derives its parameters and adds its own time).
  rep.quantization.seconds_total = seconds_since(start);

  std::vector<QuantizerGroup> groups = build_model_groups(cm);
  rep.total_groups = static_cast<int>(groups.size());
  std::unique_ptr<ModelOracle> oracle_holder =
      scoring.metric ? std::make_unique<ModelOracle>(cm, groups, validation, *scoring.metric, options)
                     : std::make_unique<ModelOracle>(cm, groups, validation, *scoring.validator, options);
  ModelOracle& oracle = *oracle_holder;
  AccuracyControlOptions effective = options;
  if (options.tune_hyperparams) {
    QAC_ASSIGN_OR_RETURN(TuneResult tuned, tune_hyperparams(cm, calibration, oracle, options, &rep.quantization));
    static_cast<QuantizationOptions&>(effective) = tuned.best;
    rep.quantization.options = tuned.best;
    rep.tuned_settings = tuned.description;
    for (const auto& line : tuned.log) rep.steps.push_back("tune: " + line);
    timer.lap("tune_hyperparams");
    rep.quantization.seconds_total = seconds_since(start);
  }
  // After tuning: the key covers the parameters the search's models are emitted with.
  QAC_ASSIGN_OR_RETURN(std::unique_ptr<EvaluationCache> cache,
                       open_evaluation_cache(oracle, cm, validation, scoring, effective));
  oracle.set_cache(cache.get());
  merge_subgraph_reports(cm, rep.quantization);
  if (!options.intermediate_dir.empty()) {
    QAC_RETURN_IF_ERROR(save_intermediate(cm, effective, model.label()));
  }

  const size_t cost_before = oracle.samples_evaluated();
  QAC_ASSIGN_OR_RETURN(const SearchResult result, run_search(oracle, validation, scoring, options));
  timer.lap("search");
  record_search(result, groups, cm,
                static_cast<double>(oracle.samples_evaluated() - cost_before) / static_cast<double>(oracle.num_samples()),
                rep);
  rep.search_steps = step_records(result);
  if (oracle.probed_sensitivity().empty() && !groups.empty()) {
    // The search did not probe (budget met by plain INT8, or a strategy without the probe):
    // one probe pass for the per-group and per-layer error of the report.
    QAC_RETURN_IF_ERROR(oracle.sensitivity().status());
    timer.lap("layer_error");
  }
  fill_sensitivities(groups, result, oracle, rep);
  std::vector<std::string> output_names;
  for (const auto& output : cm.fp32.graph().output()) output_names.push_back(output.name());
  QAC_ASSIGN_OR_RETURN(onnx::ModelProto final_model,
                       confirm_final(oracle, result.reverted, model.label(), output_names, options, rep));
  timer.lap("confirm");
  if (cache) rep.cached_answers = cache->hits();
  if (options.measure_latency) {
    QAC_ASSIGN_OR_RETURN(onnx::ModelProto plain, oracle.model_for({}));
    QAC_RETURN_IF_ERROR(measure_latency(model_proto(model), plain, final_model, validation, rep));
    timer.lap("latency");
  }
  return make_model(std::move(final_model), model.label());
}

}  // namespace

Result<Model> quantize_with_accuracy_control(const Model& model, const Dataset& calibration,
                                             const Dataset& validation, const MetricFactory& validate,
                                             const AccuracyControlOptions& options, AccuracyControlReport* report) {
  return run_accuracy_control(model, calibration, validation, Scoring{&validate, nullptr}, options, report);
}

Result<Model> quantize_with_accuracy_control(const Model& model, const Dataset& calibration,
                                             const Dataset& validation, ModelValidator& validator,
                                             const AccuracyControlOptions& options, AccuracyControlReport* report) {
  return run_accuracy_control(model, calibration, validation, Scoring{nullptr, &validator}, options, report);
}

}  // namespace qac
