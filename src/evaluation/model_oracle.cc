#include "evaluation/model_oracle.h"

#include <algorithm>
#include <chrono>
#include <set>

#include "data/dataset_subset.h"
#include "evaluation/compiled_session.h"
#include "evaluation/sensitivity_probe.h"
#include "core/log.h"
#include "onnx/model_io.h"
#include "runtime/batching.h"

namespace qac {
namespace {

constexpr size_t kSensitivitySamples = 64;
// The sensitivity probe fetches every probed tensor of two configurations per batch; its
// batches hold at most this many bytes of them. ONNX Runtime allocates (and the kernel faults
// in) large fetched outputs at every run: on PP-OCRv4 rec the 64-sample probe took 13 s in
// batches of 16 and 4 s in batches of 4.
constexpr size_t kProbeBatchBytes = size_t{64} << 20;

SessionOptions deployed_session(const QuantizationOptions& o) {
  SessionOptions so;
  so.optimization = OptimizationLevel::kAll;
  so.intra_op_threads = o.num_threads;
  return so;
}

std::vector<size_t> first_n(size_t n) {
  std::vector<size_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = i;
  return v;
}

// sum (out - ref)^2 / sum ref^2 (1 when ref is all zero but out is not).
struct ErrorSums {
  double err = 0, ref = 0;
  double relative() const { return ref > 0 ? err / ref : (err > 0 ? 1.0 : 0.0); }
};

}  // namespace

ModelOracle::ModelOracle(const CalibratedModel& cm, std::vector<QuantizerGroup> groups, const Dataset& validation,
                         MetricFactory metric, const AccuracyControlOptions& options,
                         size_t reference_budget_bytes)
    : cm_(cm), groups_(std::move(groups)), validation_(validation), metric_(std::move(metric)), options_(options),
      reference_budget_bytes_(reference_budget_bytes) {}

ModelOracle::ModelOracle(const CalibratedModel& cm, std::vector<QuantizerGroup> groups, const Dataset& validation,
                         ModelValidator& validator, const AccuracyControlOptions& options)
    : cm_(cm), groups_(std::move(groups)), validation_(validation), validator_(&validator), options_(options),
      reference_budget_bytes_(0),
      lookahead_(std::make_unique<ValidatorLookahead>(
          validation, validator, options.batch_size == 0 ? kDefaultBatchSize : options.batch_size)) {}

std::vector<size_t> ModelOracle::rows_of(const std::vector<size_t>& samples) const {
  if (!validator_ || samples.empty()) return samples;
  std::vector<size_t> rows;
  for (size_t item : samples) {
    for (size_t r = validator_->first_sample(item); r < validator_->first_sample(item + 1); ++r) rows.push_back(r);
  }
  return rows;
}

Result<Evaluation> ModelOracle::validate(const CompiledModel& model, const std::vector<size_t>& samples) {
  MetricValue v;
  if (lookahead_->worthwhile(model, samples)) {
    AnsweringModel answering(model);
    QAC_RETURN_IF_ERROR(lookahead_->run_ahead(model, samples, answering));
    QAC_ASSIGN_OR_RETURN(v, validator_->evaluate(answering, samples));
    lookahead_->settle(answering);
  } else {
    QAC_ASSIGN_OR_RETURN(v, validator_->evaluate(model, samples));
  }
  const size_t expected = samples.empty() ? validator_->num_items() : samples.size();
  if (v.value != v.value) return Status::InvalidData(validator_->name() + " returned NaN");
  if (!v.per_sample.empty() && v.per_sample.size() != expected) {
    return Status::InvalidData(validator_->name() + " returned " + std::to_string(v.per_sample.size()) +
                               " per-sample values for " + std::to_string(expected) + " items");
  }
  Evaluation e;
  e.metric = v.value;
  e.per_sample = std::move(v.per_sample);
  e.per_output = std::move(v.per_output);
  return e;
}

Result<onnx::ModelProto> ModelOracle::model_for(const std::vector<int>& reverted,
                                                std::vector<std::string>* emit_log) const {
  std::set<std::string> disabled;
  for (int g : reverted) {
    if (g < 0 || static_cast<size_t>(g) >= groups_.size()) return Status::Internal("bad group id");
    const QuantizerGroup& group = groups_[static_cast<size_t>(g)];
    disabled.insert(group.activation_ids.begin(), group.activation_ids.end());
    disabled.insert(group.unit_ids.begin(), group.unit_ids.end());
    if (options_.restore_mode == RestoreMode::kActivationsAndWeights) {
      disabled.insert(group.weight_ids.begin(), group.weight_ids.end());
    }
  }
  return emit(cm_, disabled, options_, emit_log);
}

Result<const Session*> ModelOracle::fp32_session() {
  if (!fp32_) {
    QAC_ASSIGN_OR_RETURN(fp32_, Session::create(serialize(cm_.fp32), deployed_session(options_), "FP32 model"));
  }
  return fp32_.get();
}

const Dataset& ModelOracle::view(const std::vector<size_t>& samples, std::unique_ptr<SubsetDataset>& holder) const {
  if (samples.empty()) return validation_;
  holder = std::make_unique<SubsetDataset>(validation_, samples);
  return *holder;
}

ReferenceSource ModelOracle::reference_for(const std::vector<size_t>& samples) {
  return [this, &samples](size_t first, size_t count, const NamedTensors& inputs,
                          const std::vector<Tensor>&) -> Result<std::vector<Tensor>> {
    if (reference_ && reference_->complete()) {
      std::vector<size_t> indices(count);
      for (size_t i = 0; i < count; ++i) indices[i] = samples.empty() ? first + i : samples[first + i];
      return reference_->rows(indices);
    }
    QAC_ASSIGN_OR_RETURN(const Session* fp32, fp32_session());
    return fp32->run(inputs);
  };
}

Result<Evaluation> ModelOracle::score(const Session& session, const Dataset& data, const ReferenceSource& reference,
                                      const EvaluationOptions& options) {
  QAC_ASSIGN_OR_RETURN(auto metric, metric_());
  EvaluationOptions eo = options;
  eo.batch_size = options_.batch_size;
  QAC_ASSIGN_OR_RETURN(MetricValue v, qac::evaluate(session, reference, data, *metric, eo));
  Evaluation e;
  e.metric = v.value;
  e.per_sample = std::move(v.per_sample);
  e.per_output = std::move(v.per_output);
  return e;
}

Result<Evaluation> ModelOracle::evaluate_model(const onnx::ModelProto& model, const std::vector<size_t>& samples,
                                               const std::string& label) {
  const auto start = std::chrono::steady_clock::now();
  QAC_ASSIGN_OR_RETURN(auto session, Session::create(serialize(model), deployed_session(options_), label));
  const auto created = std::chrono::steady_clock::now();
  Evaluation e;
  if (validator_) {
    QAC_ASSIGN_OR_RETURN(e, validate(CompiledSession(*session), samples));
  } else {
    std::unique_ptr<SubsetDataset> subset;
    QAC_ASSIGN_OR_RETURN(e, score(*session, view(samples, subset), reference_for(samples)));
  }
  const auto scored = std::chrono::steady_clock::now();
  const size_t count = samples.empty() ? num_samples() : samples.size();
  real_cost_.create_seconds = std::chrono::duration<double>(created - start).count();
  real_cost_.seconds_per_sample =
      std::chrono::duration<double>(scored - created).count() / static_cast<double>(count);
  has_real_cost_ = true;
  QAC_LOG(kDebug) << label << ": session created in " << real_cost_.create_seconds * 1e3 << " ms, "
                  << real_cost_.seconds_per_sample * 1e3 << " ms per sample scored (" << count << " samples)";
  return e;
}

void ModelOracle::log_reused(const char* what, const std::vector<int>& reverted,
                             const std::vector<size_t>& samples) const {
  QAC_LOG(kInfo) << "cached " << what << " reused: " << reverted.size() << " groups in float on "
                 << (samples.empty() ? num_samples() : samples.size()) << " samples";
}

Result<Evaluation> ModelOracle::evaluate(const std::vector<int>& reverted, const std::vector<size_t>& samples) {
  using Kind = EvaluationCache::Kind;
  Evaluation e;
  if (std::optional<CachedAnswer> cached = cache_ ? cache_->get(Kind::kEvaluate, reverted, samples) : std::nullopt) {
    e = cached->evaluation;
    if (cached->cost) {
      real_cost_ = *cached->cost;  // later decisions see the cost the run that measured it saw
      has_real_cost_ = true;
    }
    log_reused("evaluation", reverted, samples);
  } else {
    QAC_ASSIGN_OR_RETURN(onnx::ModelProto model, model_for(reverted));
    QAC_ASSIGN_OR_RETURN(e, evaluate_model(model, samples, "quantized model"));
    if (cache_) cache_->put(Kind::kEvaluate, reverted, samples, CachedAnswer{e, 0, real_cost_});
  }
  samples_evaluated_ += samples.empty() ? num_samples() : samples.size();
  if (samples.empty()) {
    std::vector<int> key = reverted;
    std::sort(key.begin(), key.end());
    full_set_results_[key] = e;
  }
  return e;
}

Result<Evaluation> ModelOracle::evaluate_switchable(const std::vector<int>& reverted,
                                                    const std::vector<size_t>& samples) {
  for (int g : reverted) {
    if (g < 0 || static_cast<size_t>(g) >= groups_.size()) return Status::Internal("bad group id");
  }
  using Kind = EvaluationCache::Kind;
  if (std::optional<CachedAnswer> cached = cache_ ? cache_->get(Kind::kScreen, reverted, samples) : std::nullopt) {
    log_reused("screen", reverted, samples);
    samples_evaluated_ += samples.size();
    return cached->evaluation;
  }
  QAC_RETURN_IF_ERROR(ensure_switchable());
  Evaluation e;
  if (validator_) {
    QAC_ASSIGN_OR_RETURN(e, validate(CompiledSession(*switchable_, reverted), samples));
  } else {
    std::unique_ptr<SubsetDataset> subset;
    const SwitchedDataset data = switchable_->feed(view(samples, subset), reverted);
    EvaluationOptions eo;
    eo.fetch = switchable_->model_outputs();
    QAC_ASSIGN_OR_RETURN(e, score(switchable_->session(), data, reference_for(samples), eo));
  }
  samples_evaluated_ += samples.size();
  e.approximate = true;
  if (cache_) cache_->put(Kind::kScreen, reverted, samples, CachedAnswer{e, 0, std::nullopt});
  return e;
}

Status ModelOracle::ensure_switchable() {
  if (switchable_) return Status::Ok();
  std::vector<std::string> extra_outputs;
  if (probe_on_switchable_) extra_outputs = SensitivityProbe(cm_, groups_).tensors();
  QAC_ASSIGN_OR_RETURN(switchable_,
                       SwitchableScreen::create(cm_, groups_, options_, deployed_session(options_), extra_outputs));
  return Status::Ok();
}

bool ModelOracle::switchable_worthwhile(size_t samples) const {
  if (screening_model_ == ScreeningModel::kReal || options_.restore_mode != RestoreMode::kActivationsAndWeights ||
      !has_real_cost_) {
    return false;
  }
  return screening_model_ == ScreeningModel::kSwitchable || switchable_pays_off(real_cost_, samples);
}

bool ModelOracle::create_switchable(const std::vector<std::string>& extra_outputs) {
  Result<std::unique_ptr<SwitchableScreen>> created =
      SwitchableScreen::create(cm_, groups_, options_, deployed_session(options_), extra_outputs);
  if (!created.ok()) {
    QAC_LOG(kInfo) << "no switchable model: " << created.status().to_string();
    switchable_state_ = SwitchableState::kOff;
    return false;
  }
  switchable_ = std::move(created).value();
  return true;
}

Result<bool> ModelOracle::switchable_usable(const std::vector<size_t>& samples) {
  if (switchable_state_ != SwitchableState::kUndecided) return switchable_state_ == SwitchableState::kOn;
  if (std::optional<std::string> decided = cache_ ? cache_->get_decision("screening") : std::nullopt) {
    const bool on = *decided == "switchable";
    if (on || *decided == "real, checked") {
      // The agreement check as the deciding run made it (read from the cache, counted the same).
      QAC_RETURN_IF_ERROR(evaluate_switchable({}, samples).status());
    }
    switchable_state_ = on ? SwitchableState::kOn : SwitchableState::kOff;
    QAC_LOG(kInfo) << "screening on " << (on ? "one switchable model" : "real models") << ", as the cached run decided";
    return on;
  }
  bool checked = false;
  QAC_ASSIGN_OR_RETURN(const bool usable, decide_switchable(samples, checked));
  if (cache_) cache_->put_decision("screening", usable ? "switchable" : checked ? "real, checked" : "real");
  return usable;
}

Result<bool> ModelOracle::decide_switchable(const std::vector<size_t>& samples, bool& checked) {
  switchable_state_ = SwitchableState::kOff;
  const Evaluation* quantized = full_set_result({});
  const double create_ms = real_cost_.create_seconds * 1e3;
  const double run_ms = real_cost_.seconds_per_sample * static_cast<double>(samples.size()) * 1e3;
  if (!quantized || !switchable_worthwhile(samples.size())) {
    if (has_real_cost_) {
      QAC_LOG(kInfo) << "screening on real models: a session costs " << create_ms << " ms, running "
                     << samples.size() << " samples " << run_ms << " ms";
    }
    switchable_.reset();
    return false;
  }
  if (!switchable_ && !create_switchable({})) return false;
  // The switchable model must reproduce the real fully quantized model on these samples.
  checked = true;
  QAC_ASSIGN_OR_RETURN(Evaluation check, evaluate_switchable({}, samples));
  if (!agrees_with_real(check.per_sample, quantized->per_sample, samples)) {
    QAC_LOG(kInfo) << "screening on real models: the switchable model's per-sample values differ from "
                      "the quantized model's on the screening samples";
    switchable_.reset();
    return false;
  }
  QAC_LOG(kInfo) << "screening on one switchable model: a session costs " << create_ms << " ms, running "
                 << samples.size() << " samples " << run_ms << " ms";
  switchable_state_ = SwitchableState::kOn;
  return true;
}

Result<Evaluation> ModelOracle::screen(const std::vector<int>& reverted, const std::vector<size_t>& samples) {
  if (samples.empty() || samples.size() >= num_samples()) return evaluate(reverted, samples);
  QAC_ASSIGN_OR_RETURN(bool usable, switchable_usable(samples));
  if (!usable) return evaluate(reverted, samples);
  return evaluate_switchable(reverted, samples);
}

const Evaluation* ModelOracle::full_set_result(const std::vector<int>& reverted) const {
  std::vector<int> key = reverted;
  std::sort(key.begin(), key.end());
  auto it = full_set_results_.find(key);
  return it == full_set_results_.end() ? nullptr : &it->second;
}

Result<bool> ModelOracle::metric_needs_reference() {
  if (validator_) return false;
  QAC_ASSIGN_OR_RETURN(auto metric, metric_());
  return metric->needs_reference();
}

Result<Evaluation> ModelOracle::evaluate_fp32(const std::vector<size_t>& samples) {
  if (auto it = fp32_cache_.find(samples); it != fp32_cache_.end()) return it->second;
  using Kind = EvaluationCache::Kind;
  bool cacheable = cache_ != nullptr;
  if (cacheable && samples.empty() && !reference_) {
    QAC_ASSIGN_OR_RETURN(const bool needs_reference, metric_needs_reference());
    cacheable = !needs_reference;  // this pass keeps the FP32 outputs later evaluations compare with
  }
  if (std::optional<CachedAnswer> cached = cacheable ? cache_->get(Kind::kFp32, {}, samples) : std::nullopt) {
    log_reused("FP32 evaluation", {}, samples);
    fp32_cache_[samples] = cached->evaluation;
    return cached->evaluation;
  }
  QAC_ASSIGN_OR_RETURN(Evaluation e, evaluate_fp32_uncached(samples));
  if (cacheable) cache_->put(Kind::kFp32, {}, samples, CachedAnswer{e, 0, std::nullopt});
  return e;
}

Result<Evaluation> ModelOracle::evaluate_fp32_uncached(const std::vector<size_t>& samples) {
  QAC_ASSIGN_OR_RETURN(const Session* session, fp32_session());
  if (validator_) {
    QAC_ASSIGN_OR_RETURN(Evaluation e, validate(CompiledSession(*session), samples));
    fp32_cache_[samples] = e;
    return e;
  }
  EvaluationOptions eo;
  if (samples.empty() && !reference_) {
    // The first pass of the FP32 model over the whole set keeps its outputs (within budget).
    reference_ = std::make_unique<ReferenceOutputs>(validation_.size(), reference_budget_bytes_);
    eo.on_outputs = [this](size_t first, size_t count, const std::vector<Tensor>& outputs) {
      reference_->add_batch(first, count, outputs);
    };
  }
  // The FP32 model compared against itself: its own outputs are the reference.
  const ReferenceSource itself = [](size_t, size_t, const NamedTensors&, const std::vector<Tensor>& outputs) {
    return Result<std::vector<Tensor>>(outputs);
  };
  std::unique_ptr<SubsetDataset> subset;
  QAC_ASSIGN_OR_RETURN(Evaluation e, score(*session, view(samples, subset), itself, eo));
  fp32_cache_[samples] = e;
  return e;
}

Result<double> ModelOracle::output_nmse(const std::vector<int>& reverted, const std::vector<size_t>& samples) {
  using Kind = EvaluationCache::Kind;
  if (std::optional<CachedAnswer> cached = cache_ ? cache_->get(Kind::kOutputNmse, reverted, samples) : std::nullopt) {
    log_reused("output noise", reverted, samples);
    samples_evaluated_ += samples.empty() ? num_samples() : samples.size();
    return cached->nmse;
  }
  QAC_ASSIGN_OR_RETURN(const double nmse, output_nmse_uncached(reverted, samples));
  if (cache_) cache_->put(Kind::kOutputNmse, reverted, samples, CachedAnswer{{}, nmse, std::nullopt});
  return nmse;
}

Result<double> ModelOracle::output_nmse_uncached(const std::vector<int>& reverted, const std::vector<size_t>& samples) {
  QAC_ASSIGN_OR_RETURN(onnx::ModelProto model, model_for(reverted));
  QAC_ASSIGN_OR_RETURN(auto session, Session::create(serialize(model), deployed_session(options_), "quantized model"));
  const std::vector<size_t> rows = rows_of(samples);
  const ReferenceSource reference = reference_for(rows);
  std::unique_ptr<SubsetDataset> subset;
  const Dataset* data = &view(rows, subset);
  ErrorSums sums;
  const size_t batch = options_.batch_size ? options_.batch_size : auto_batch_size(*session, data->size());
  QAC_RETURN_IF_ERROR(run_batches(*session, *data, data->size(), batch, {},
      [&](size_t first, size_t count, const NamedTensors& inputs, std::vector<Tensor>& outputs) -> Status {
        QAC_ASSIGN_OR_RETURN(std::vector<Tensor> ref, reference(first, count, inputs, outputs));
        for (size_t i = 0; i < ref.size() && i < outputs.size(); ++i) {
          add_squared_error(ref[i], outputs[i], sums.err, sums.ref);
        }
        return Status::Ok();
      }));
  samples_evaluated_ += samples.empty() ? num_samples() : samples.size();
  return sums.relative();
}

Result<std::vector<double>> ModelOracle::sensitivity() {
  if (!cm_.subgraphs.empty()) {
    // Values inside If branches cannot be fetched as model outputs: no probe; the search ranks
    // every group by evaluating it.
    QAC_LOG(kInfo) << "no sensitivity probe: some quantizers sit inside If branches";
    return std::vector<double>();
  }
  if (std::optional<CachedProbe> cached = cache_ ? cache_->get_probe() : std::nullopt) {
    QAC_LOG(kInfo) << "cached sensitivity probe reused (" << cached->samples << " samples)";
    probed_sensitivity_ = cached->sensitivity;
    probed_node_errors_ = cached->node_errors;
    probed_samples_ = cached->samples;
    probe_on_switchable_ = cached->on_switchable;
    samples_evaluated_ += cached->samples;
    return probed_sensitivity_;
  }
  SensitivityProbe probe(cm_, groups_);
  const std::vector<std::string>& names = probe.tensors();
  const size_t n = std::min(kSensitivitySamples, validation_.size());
  SubsetDataset data(validation_, first_n(n));
  // Each batch fetches the probed tensors of two configurations: half the budget for each.
  auto run_probe = [&](const Session& session, const Dataset& feed, const BatchHandler& on_batch) -> Status {
    return run_batches_within_bytes(session, feed, n, options_.batch_size, kProbeBatchBytes / 2, names, on_batch);
  };
  RunOutputs ref;  // kept across batches: the reference outputs reuse their storage
  if (!switchable_ && switchable_worthwhile(n) && create_switchable(names)) {
    probe_on_switchable_ = true;
    // One session: the fully quantized configuration, and every group in float (= FP32).
    std::vector<int> all(groups_.size());
    for (size_t g = 0; g < all.size(); ++g) all[g] = static_cast<int>(g);
    const Session& session = switchable_->session();
    QAC_RETURN_IF_ERROR(run_probe(session, switchable_->feed(data, {}),
        [&](size_t, size_t count, const NamedTensors& inputs, std::vector<Tensor>& outputs) -> Status {
          QAC_RETURN_IF_ERROR(session.run_into(switchable_->switched(inputs, count, all), names, ref));
          probe.add(ref.tensors, outputs);
          return Status::Ok();
        }));
  } else {
    onnx::ModelProto fp = cm_.fp32;
    QAC_ASSIGN_OR_RETURN(onnx::ModelProto q, model_for({}));
    expose_float_outputs(fp, names);
    expose_float_outputs(q, names);
    QAC_ASSIGN_OR_RETURN(auto fs, Session::create(serialize(fp), deployed_session(options_), "FP32 probe"));
    QAC_ASSIGN_OR_RETURN(auto qs, Session::create(serialize(q), deployed_session(options_), "quantized probe"));
    QAC_RETURN_IF_ERROR(run_probe(*qs, data,
        [&](size_t, size_t, const NamedTensors& inputs, std::vector<Tensor>& outputs) -> Status {
          QAC_RETURN_IF_ERROR(fs->run_into(inputs, names, ref));
          probe.add(ref.tensors, outputs);
          return Status::Ok();
        }));
  }
  samples_evaluated_ += n;
  probed_sensitivity_ = probe.sensitivity();
  probed_node_errors_ = probe.node_errors();
  probed_samples_ = n;
  if (cache_) cache_->put_probe({probed_sensitivity_, probed_node_errors_, n, probe_on_switchable_});
  return probed_sensitivity_;
}

}  // namespace qac
