#include "quant/pipeline.h"

#include <chrono>
#include <filesystem>
#include <optional>

#include "core/log.h"
#include "qac/option_names.h"
#include "onnx/normalize.h"
#include "quant/bias_correction.h"
#include "quant/fusion.h"
#include "quant/attention_fusion.h"
#include "quant/channel_padding.h"
#include "quant/hard_swish.h"
#include "quant/range_estimator.h"
#include "quant/scheme.h"
#include "quant/smooth_quant.h"
#include "quant/statistics.h"
#include "quant/statistics_cache.h"
#include "quant/target.h"
#include "quant/timing_cache.h"
#include "quant/unit_resolution.h"
#include "quant/unit_speed.h"
#include "quant/weight_access.h"
#include "quant/weight_quant.h"
#include "runtime/session.h"

namespace qac {
namespace {

// Where kernel timings are kept: the named folder, else <cache_dir>/kernel-timing, else the
// user's cache folder; "" when the timing cache is off.
std::string timing_cache_dir(const QuantizationOptions& options) {
  if (!options.kernel_timing_cache) return "";
  if (!options.kernel_timing_cache_dir.empty()) return options.kernel_timing_cache_dir;
  if (!options.cache_dir.empty()) return (std::filesystem::path(options.cache_dir) / "kernel-timing").string();
  return TimingCache::default_dir();
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Activation range of one quantizer, or of its whole unified-scale group (union of ranges).
// Guarded estimates (range_estimator.h): a fallback to the mean min/max range is logged and
// appended to `log` (may be null).
Result<std::pair<float, float>> quantizer_range(const CalibratedModel& cm, const ActivationQuantizer& aq,
                                                const QuantizationOptions& options, std::vector<std::string>* log) {
  std::vector<const ActivationQuantizer*> members = {&aq};
  if (!aq.unified_scale_group.empty()) {
    members.clear();
    for (const auto& other : cm.setup.activations) {
      if (other.unified_scale_group == aq.unified_scale_group) members.push_back(&other);
    }
  }
  float lo = 0, hi = 0;
  for (const ActivationQuantizer* m : members) {
    auto it = cm.stats.find(m->tensor);
    if (it == cm.stats.end()) {
      return Status::InvalidData("no calibration statistics for tensor '" + m->tensor +
                                 "' (it may not be a float tensor)");
    }
    std::string fallback;
    QAC_ASSIGN_OR_RETURN(auto r, estimate_range_guarded(it->second, options.activation_estimator, options.quantile,
                                                        effective_preset(options), m->tensor,
                                                        activation_types(resolve_target(options.target)), &fallback));
    if (!fallback.empty()) {
      QAC_LOG(kWarning) << fallback;
      if (log) log->push_back(fallback);
    }
    lo = std::min(lo, r.first);
    hi = std::max(hi, r.second);
  }
  return std::make_pair(lo, hi);
}

PlacementOptions placement_options(const QuantizationOptions& options, bool strict_ignored_scope = true) {
  PlacementOptions popt;
  popt.strict_ignored_scope = strict_ignored_scope;
  popt.form = qdq_form(resolve_target(options.target));
  popt.model_type = options.model_type;
  popt.ignored_scope = options.ignored_scope;
  popt.preset = effective_preset(options);
  return popt;
}

// Copies what placement decided into the report (replacing earlier placement entries).
void report_placement(const QuantizerSetup& setup, QuantizationReport& report) {
  report.quantized_ops_per_type = setup.quantized_ops_per_type;
  report.activation_quantizers = static_cast<int>(setup.activations.size());
  report.weight_quantizers = static_cast<int>(setup.weights.size());
  report.skipped.clear();
  for (const auto& s : setup.skipped) report.skipped.push_back({s.node_name, s.op_type, s.reason});
  report.decisions.clear();
  for (const auto& a : setup.activations) report.decisions.push_back(a.reason);
}

// SmoothQuant scaled MatMul inputs for int8 kernels that kernel timing then dropped: its Mul
// nodes would only cost time. Returns to the model before smoothing, every unit float.
Status undo_smoothing(CalibratedModel& cm, onnx::ModelProto unsmoothed, const QuantizationOptions& options,
                      std::vector<std::string>& log) {
  cm.fp32 = std::move(unsmoothed);
  QAC_ASSIGN_OR_RETURN(QuantizerSetup setup, place_quantizers(cm.fp32, placement_options(options)));
  QAC_ASSIGN_OR_RETURN(GraphView view, GraphView::build(cm.fp32.graph()));
  std::set<std::string> all;
  std::map<std::string, std::string> reasons;
  for (const QuantUnit& unit : setup.units) {
    all.insert(unit.id);
    reasons[unit.id] = "the model with no unit in int8 was the fastest of the whole-model check";
  }
  QAC_RETURN_IF_ERROR(drop_units(view, setup, all, reasons));
  cm.setup = std::move(setup);
  log.push_back("SmoothQuant undone: no MatMul it scaled runs in int8");
  return Status::Ok();
}

Result<CalibratedModel> prepare_model(onnx::ModelProto model, const QuantizationOptions& options,
                                      QuantizationReport* report, bool strict_ignored_scope);

// Prepares each subgraph of cm.fp32 as a model of its own; one that cannot be prepared or holds
// nothing to quantize stays float, with a line in cm.subgraph_log.
void prepare_subgraphs(CalibratedModel& cm, const QuantizationOptions& options) {
  for (const SubgraphSite& site : subgraph_sites(cm.fp32.graph())) {
    Result<onnx::ModelProto> body = subgraph_model(cm.fp32, site);
    SubgraphModel sub;
    Result<CalibratedModel> prepared = body.ok() ? prepare_model(*body, options, &sub.report, false)
                                                 : Result<CalibratedModel>(body.status());
    if (!prepared.ok()) {
      cm.subgraph_log.push_back(site.prefix() + " stays float: " + prepared.status().message());
      continue;
    }
    const QuantizerSetup& setup = prepared->setup;
    if (setup.activations.empty() && setup.weights.empty() && setup.units.empty() && prepared->subgraphs.empty()) {
      cm.subgraph_log.push_back(site.prefix() + " stays float: nothing in it is quantized");
      continue;
    }
    sub.site = site;
    sub.original = std::move(*body);
    sub.body = std::move(*prepared);
    cm.subgraphs.push_back(std::move(sub));
  }
}

Result<CalibratedModel> prepare_model(onnx::ModelProto model, const QuantizationOptions& options,
                                      QuantizationReport* report, bool strict_ignored_scope) {
  if (options.smooth_quant_alpha && !(*options.smooth_quant_alpha >= 0 && *options.smooth_quant_alpha <= 1)) {
    return Status::InvalidArgument("smooth_quant_alpha must be in [0, 1], got " +
                                   std::to_string(*options.smooth_quant_alpha));
  }
  CalibratedModel cm;
  NormalizeLog nlog;
  QAC_RETURN_IF_ERROR(normalize(model, nlog));
  std::vector<std::string> fold_log;
  QAC_RETURN_IF_ERROR(fold_batch_norms(model, &fold_log));
  const PlacementOptions popt = placement_options(options, strict_ignored_scope);
  if (popt.form == QdqForm::kOnnxRuntimeUnits) QAC_RETURN_IF_ERROR(rewrite_hard_swish(model, &fold_log).status());
  QAC_ASSIGN_OR_RETURN(cm.setup, place_quantizers(model, popt));
  cm.fp32 = std::move(model);
  prepare_subgraphs(cm, options);
  if (report) {
    report->normalization = nlog.entries;
    report->normalization.insert(report->normalization.end(), fold_log.begin(), fold_log.end());
    report_placement(cm.setup, *report);
  }
  return cm;
}

// Gives each input of the subgraph model that records no shape the rank of the captured values
// (every dimension free), so that a captured sample feeds it whole.
Status shape_subgraph_inputs(SubgraphModel& sub, const Dataset& captured) {
  for (onnx::ModelProto* model : {&sub.original, &sub.body.fp32}) {
    for (auto& in : *model->mutable_graph()->mutable_input()) {
      auto* tensor_type = in.mutable_type()->mutable_tensor_type();
      if (tensor_type->has_shape()) continue;
      QAC_ASSIGN_OR_RETURN(auto spec, captured.input_spec(in.name()));
      auto* shape = tensor_type->mutable_shape();
      for (size_t d = 0; d < spec.second.size(); ++d) shape->add_dim();
    }
  }
  return Status::Ok();
}

// Calibration samples of each subgraph (quant/subgraph_models.h): the If branches from one pass
// over the calibration samples; each Loop/Scan body from a pass of its own, since its
// iterations' inputs may not stack (a shape that changes from one iteration to the next): such
// a body stays float, with a line in cm.subgraph_log (a null entry).
Result<std::vector<std::unique_ptr<Dataset>>> capture_calibration(CalibratedModel& cm, const Dataset& calibration,
                                                                  const QuantizationOptions& options) {
  SessionOptions so;
  so.intra_op_threads = options.num_threads;
  const size_t n = std::min(options.subset_size, calibration.size());
  std::vector<SubgraphSite> branches;
  std::vector<onnx::ModelProto> branch_bodies;
  for (const SubgraphModel& sub : cm.subgraphs) {
    if (sub.site.kind != SubgraphSite::Kind::kIfBranch) continue;
    branches.push_back(sub.site);
    branch_bodies.push_back(sub.original);
  }
  std::vector<std::unique_ptr<Dataset>> of_branches;
  if (!branches.empty()) {
    QAC_ASSIGN_OR_RETURN(of_branches, capture_subgraph_inputs(cm.fp32, branches, branch_bodies, calibration, n,
                                                              options.subset_size, so));
  }
  std::vector<std::unique_ptr<Dataset>> captured;
  size_t next_branch = 0;
  for (const SubgraphModel& sub : cm.subgraphs) {
    if (sub.site.kind == SubgraphSite::Kind::kIfBranch) {
      captured.push_back(std::move(of_branches[next_branch++]));
      continue;
    }
    SessionOptions quiet = so;  // a body whose iterations' inputs do not stack fails its run
    quiet.quiet_failures = true;
    auto body = capture_subgraph_inputs(cm.fp32, {sub.site}, {sub.original}, calibration, n, options.subset_size, quiet);
    if (!body.ok()) {
      cm.subgraph_log.push_back(sub.site.prefix() + " stays float: its inputs could not be captured (" +
                                body.status().message() + ")");
      captured.push_back(nullptr);
      continue;
    }
    captured.push_back(std::move(body->front()));
  }
  return captured;
}

// Calibrates each subgraph on the values it reads in the runs (or iterations) of the
// calibration samples; a subgraph no run reaches stays float.
Status calibrate_subgraphs(CalibratedModel& cm, const Dataset& calibration, const QuantizationOptions& options,
                           bool all_estimators) {
  if (cm.subgraphs.empty()) return Status::Ok();
  QAC_ASSIGN_OR_RETURN(auto captured, capture_calibration(cm, calibration, options));
  std::vector<SubgraphModel> kept;
  for (size_t s = 0; s < cm.subgraphs.size(); ++s) {
    SubgraphModel& sub = cm.subgraphs[s];
    if (!captured[s]) continue;
    if (captured[s]->size() == 0) {
      cm.subgraph_log.push_back(sub.site.prefix() + " stays float: no calibration sample reaches it");
      continue;
    }
    sub.calibration = std::move(captured[s]);
    QAC_RETURN_IF_ERROR(shape_subgraph_inputs(sub, *sub.calibration));
    QAC_LOG(kInfo) << sub.site.prefix() << ": " << sub.calibration->size() << " calibration samples";
    QAC_RETURN_IF_ERROR(calibrate(sub.body, *sub.calibration, options, &sub.report, all_estimators)
                            .with_context(sub.site.prefix()));
    kept.push_back(std::move(sub));
  }
  cm.subgraphs = std::move(kept);
  return Status::Ok();
}

}  // namespace

Result<CalibratedModel> prepare(onnx::ModelProto model, const QuantizationOptions& options,
                                QuantizationReport* report) {
  return prepare_model(std::move(model), options, report, /*strict_ignored_scope=*/true);
}

StatisticsRequest statistics_request(const CalibratedModel& cm, const QuantizationOptions& options,
                                     bool all_estimators) {
  StatisticsRequest request;
  if (cm.setup.units.empty()) {
    for (const auto& a : cm.setup.activations) request.tensors.push_back(a.tensor);
  } else {
    request.tensors = cm.setup.unit_tensors;
  }
  for (const auto& [node_name, tensor_axis] : bias_correction_inputs(cm.fp32, cm.setup)) {
    request.channel_mean_axis[tensor_axis.first] = tensor_axis.second;
    if (std::find(request.tensors.begin(), request.tensors.end(), tensor_axis.first) == request.tensors.end()) {
      request.tensors.push_back(tensor_axis.first);
    }
  }
  const RangeEstimator e = options.activation_estimator;
  request.histograms = all_estimators || !(e == RangeEstimator::kMinMax || e == RangeEstimator::kMeanMinMax);
  return request;
}

Status calibrate(CalibratedModel& cm, const Dataset& calibration, const QuantizationOptions& options,
                 QuantizationReport* report, bool all_estimators) {
  const auto t0 = std::chrono::steady_clock::now();
  SmoothQuantLog sq_log;
  std::optional<onnx::ModelProto> unsmoothed;  // kept while kernel timing may drop every unit
  if (!cm.smoothed) {
    if (options.model_type == ModelType::kTransformer && options.kernel_timing) unsmoothed = cm.fp32;
    QAC_ASSIGN_OR_RETURN(int smoothed, smooth_quant(cm.fp32, cm.setup, calibration, options, &sq_log));
    if (smoothed == 0) unsmoothed.reset();
    cm.smoothed = true;
    if (smoothed > 0) {
      QAC_ASSIGN_OR_RETURN(cm.setup, place_quantizers(cm.fp32, placement_options(options)));
      if (report) report_placement(cm.setup, *report);
    }
    if (report) report->decisions.insert(report->decisions.end(), sq_log.entries.begin(), sq_log.entries.end());
  }
  const StatisticsRequest request = statistics_request(cm, options, all_estimators);
  SessionOptions so;
  so.intra_op_threads = options.num_threads;
  if (!request.tensors.empty() || cm.subgraphs.empty()) {  // else only the If branches hold quantizers
    QAC_ASSIGN_OR_RETURN(cm.stats, collect_statistics_cached(cm.fp32, calibration, request, options.subset_size,
                                                             options.batch_size, so, options.cache_dir));
  }
  if (!cm.setup.units.empty() && options.kernel_timing &&
      resolve_target(options.target) == resolve_target(Target::kHost)) {
    UnitTimingOptions timing;
    timing.activation_types = activation_types(resolve_target(options.target));
    const TimingCache cache(timing_cache_dir(options));
    timing.cache = &cache;
    std::vector<std::string> timing_log;
    QAC_ASSIGN_OR_RETURN(NamedTensors sample, calibration.read(0, 1));
    QAC_RETURN_IF_ERROR(
        keep_units_that_pay(cm.fp32, cm.setup, cm.stats, sample, timing, &timing_log, &cm.unit_float_cost_us));
    if (cm.setup.units.empty()) {
      QAC_LOG(kWarning) << "no op of this model runs faster in int8 than in float in ONNX Runtime on this CPU "
                           "(kernel timing and whole-model check, -v): the output keeps every op in float; "
                           "--no-kernel-timing keeps the int8 units anyway";
      if (unsmoothed) QAC_RETURN_IF_ERROR(undo_smoothing(cm, std::move(*unsmoothed), options, timing_log));
    }
    if (report) {
      report->machine_dependence.push_back(
          "the int8 units were chosen by timing ONNX Runtime's kernels on this CPU (--no-kernel-timing: no timing)");
      report_placement(cm.setup, *report);
      report->decisions.insert(report->decisions.end(), sq_log.entries.begin(), sq_log.entries.end());
      report->decisions.insert(report->decisions.end(), timing_log.begin(), timing_log.end());
    }
  }
  QAC_RETURN_IF_ERROR(calibrate_subgraphs(cm, calibration, options, all_estimators));
  if (report) {
    report->calibration_samples = std::min(options.subset_size, calibration.size());
    report->seconds_statistics = seconds_since(t0);
  }
  return Status::Ok();
}

Status parameterize(CalibratedModel& cm, const QuantizationOptions& options, const Dataset* calibration,
                    QuantizationReport* report) {
  QdqInputs params;
  params.setup = &cm.setup;
  const Target target = resolve_target(options.target);
  const ActivationTypes types = activation_types(target);
  std::vector<ActivationQuantizer> own;  // quantizers whose parameters come from their own range
  if (cm.setup.units.empty()) {
    own = cm.setup.activations;
  } else {
    for (const auto& t : cm.setup.unit_tensors) {
      ActivationQuantizer q;
      q.id = activation_quantizer_id(t);
      q.tensor = t;
      own.push_back(std::move(q));
    }
  }
  std::vector<std::string> guard_log;
  std::vector<QuantizationReport::ActivationRange> ranges;
  for (const auto& aq : own) {
    QAC_ASSIGN_OR_RETURN(auto range, quantizer_range(cm, aq, options, &guard_log));
    QAC_ASSIGN_OR_RETURN(QParams p, activation_qparams(range.first, range.second, effective_preset(options),
                                                        aq.force_symmetric, aq.tensor, types));
    params.activation_params[aq.id] = p;
    if (report) {
      QuantizationReport::ActivationRange r;
      r.tensor = aq.tensor;
      r.range_min = range.first;
      r.range_max = range.second;
      if (auto it = cm.stats.find(aq.tensor); it != cm.stats.end() && it->second.num_values() > 0) {
        r.observed_min = it->second.min();
        r.observed_max = it->second.max();
      }
      r.scale = p.scale;
      r.zero_point = p.zero_point;
      r.type = p.dtype == DType::kInt8 ? "int8" : "uint8";
      ranges.push_back(std::move(r));
    }
  }
  if (report) report->activation_ranges = std::move(ranges);
  const OverflowFix fix = effective_overflow_fix(options);
  QAC_ASSIGN_OR_RETURN(std::string first_weighted, first_weighted_node(cm.fp32, cm.setup));
  for (const auto& wq : cm.setup.weights) {
    QAC_ASSIGN_OR_RETURN(Tensor w, weight_tensor(cm.fp32, wq.initializer));
    const int qmax = weight_qmax(fix, wq.node_name == first_weighted);
    QAC_ASSIGN_OR_RETURN(params.weights[wq.id], quantize_weight_per_channel(w, wq.axis, qmax, wq.initializer));
  }
  cm.params = std::move(params);
  cm.params.setup = &cm.setup;
  if (options.bias_correction != BiasCorrection::kNone) {
    BiasCorrectionLog bc_log;
    if (options.bias_correction == BiasCorrection::kFast) {
      QAC_RETURN_IF_ERROR(fast_bias_correction(cm.fp32, cm.setup, cm.stats, cm.params, &bc_log));
    } else {
      if (!calibration) return Status::Internal("full bias correction needs the calibration data");
      QAC_RETURN_IF_ERROR(full_bias_correction(cm.fp32, cm.setup, cm.stats, *calibration, options, cm.params, &bc_log));
    }
    if (report) report->decisions.insert(report->decisions.end(), bc_log.entries.begin(), bc_log.entries.end());
  }
  if (report) {
    report->decisions.insert(report->decisions.end(), guard_log.begin(), guard_log.end());
    report->target = target_name(target);
    report->overflow_fix = overflow_fix_name(fix);
    if ((options.target == Target::kHost || options.target == Target::kOpenVino) &&
        options.overflow_fix == OverflowFix::kFromTarget) {
      report->machine_dependence.push_back(std::string("target ") + target_name(options.target) +
                                           ": weight range from this CPU's int8 instructions (" +
                                           target_name(int8_kernels_of(target)) + ")");
    }
  }
  for (SubgraphModel& sub : cm.subgraphs) {
    QAC_RETURN_IF_ERROR(parameterize(sub.body, options, sub.calibration.get(), &sub.report)
                            .with_context(sub.site.prefix()));
  }
  return Status::Ok();
}

bool is_graph_rewrite(std::string_view log_line) {
  return log_line.starts_with(kChannelPaddingLogPrefix) || log_line.starts_with(kSelfAttentionLogPrefix);
}

Result<onnx::ModelProto> emit(const CalibratedModel& cm, const std::set<std::string>& disabled,
                              const QuantizationOptions& options, std::vector<std::string>* log) {
  QuantizerSetup kept;
  kept.skipped = cm.setup.skipped;
  kept.quantized_ops_per_type = cm.setup.quantized_ops_per_type;
  if (cm.setup.units.empty()) {
    for (const auto& a : cm.setup.activations) {
      if (!disabled.count(a.id)) kept.activations.push_back(a);
    }
  } else {
    QAC_ASSIGN_OR_RETURN(kept.activations, resolve_unit_quantizers(cm.fp32.graph(), cm.setup, disabled));
  }
  for (const auto& w : cm.setup.weights) {
    if (!disabled.count(w.id)) kept.weights.push_back(w);
  }
  QdqInputs params = cm.params;
  params.setup = &kept;
  QAC_ASSIGN_OR_RETURN(onnx::ModelProto model,
                       emit_qdq(cm.fp32, params, qdq_emit_options(cm.setup, options.weights_as_int8_initializers), log));
  if (placement_options(options, false).form == QdqForm::kOnnxRuntimeUnits) {
    QAC_RETURN_IF_ERROR(rewrite_channel_padding(model, log).status());
    QAC_RETURN_IF_ERROR(rewrite_self_attention(model, log).status());
  }
  for (const SubgraphModel& sub : cm.subgraphs) {
    const std::string prefix = sub.site.prefix();
    std::set<std::string> branch_disabled;
    for (const std::string& id : disabled) {
      if (id.starts_with(prefix)) branch_disabled.insert(id.substr(prefix.size()));
    }
    QAC_ASSIGN_OR_RETURN(onnx::ModelProto body, emit(sub.body, branch_disabled, options, log));
    QAC_RETURN_IF_ERROR(splice_subgraph(model, sub.site, sub.original, std::move(body)));
  }
  return model;
}

std::vector<QuantizerGroup> build_model_groups(const CalibratedModel& cm) {
  std::vector<QuantizerGroup> groups = build_groups(cm.fp32, cm.setup);
  for (const SubgraphModel& sub : cm.subgraphs) {
    const std::string prefix = sub.site.prefix();
    for (QuantizerGroup g : build_model_groups(sub.body)) {
      for (auto* ids : {&g.activation_ids, &g.weight_ids, &g.unit_ids}) {
        for (std::string& id : *ids) id = prefix + id;
      }
      g.id = static_cast<int>(groups.size());
      groups.push_back(std::move(g));
    }
  }
  return groups;
}

std::optional<double> unit_float_cost(const CalibratedModel& cm, const std::string& id) {
  if (auto it = cm.unit_float_cost_us.find(id); it != cm.unit_float_cost_us.end()) return it->second;
  for (const SubgraphModel& sub : cm.subgraphs) {
    const std::string prefix = sub.site.prefix();
    if (id.starts_with(prefix)) return unit_float_cost(sub.body, id.substr(prefix.size()));
  }
  return std::nullopt;
}

void merge_subgraph_reports(const CalibratedModel& cm, QuantizationReport& report) {
  report.decisions.insert(report.decisions.end(), cm.subgraph_log.begin(), cm.subgraph_log.end());
  for (const SubgraphModel& sub : cm.subgraphs) {
    QuantizationReport branch = sub.report;
    merge_subgraph_reports(sub.body, branch);
    const std::string prefix = sub.site.prefix();
    for (const std::string& line : branch.normalization) report.normalization.push_back(prefix + " " + line);
    for (const std::string& line : branch.decisions) report.decisions.push_back(prefix + " " + line);
    for (const auto& [op, count] : branch.quantized_ops_per_type) report.quantized_ops_per_type[op] += count;
    report.activation_quantizers += branch.activation_quantizers;
    report.weight_quantizers += branch.weight_quantizers;
    for (auto skipped : branch.skipped) {
      skipped.reason = prefix + " " + skipped.reason;
      report.skipped.push_back(std::move(skipped));
    }
    report.activation_ranges.insert(report.activation_ranges.end(), branch.activation_ranges.begin(),
                                    branch.activation_ranges.end());
  }
}

}  // namespace qac
