#include "accuracy/model_oracle.h"

#include <algorithm>
#include <chrono>
#include <set>

#include "accuracy/dataset_subset.h"
#include "core/log.h"
#include "onnx/model_io.h"
#include "runtime/batching.h"

namespace qac {
namespace {

constexpr size_t kSensitivitySamples = 64;

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

// Adds `names` as extra float outputs of `model` (those not already outputs).
void expose(onnx::ModelProto& model, const std::vector<std::string>& names) {
  std::set<std::string> have;
  for (const auto& o : model.graph().output()) have.insert(o.name());
  for (const auto& n : names) {
    if (!have.insert(n).second) continue;
    auto* vi = model.mutable_graph()->add_output();
    vi->set_name(n);
    vi->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto_DataType_FLOAT);
  }
}

struct ErrorSums {
  double err = 0, ref = 0;
  double relative() const { return ref > 0 ? err / ref : (err > 0 ? 1.0 : 0.0); }
};

void accumulate(ErrorSums& s, const Tensor& ref, const Tensor& got) {
  const size_t n = ref.numel();
  if (ref.dtype != DType::kFloat32 || got.dtype != DType::kFloat32 || got.numel() != n) return;
  const float* a = ref.data<float>();
  const float* b = got.data<float>();
  // Four independent partial sums per quantity (lane = i mod 4), added up at the end.
  constexpr size_t kLanes = 4;
  double err[kLanes] = {}, energy[kLanes] = {};
  size_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (size_t lane = 0; lane < kLanes; ++lane) {
      const double d = static_cast<double>(b[i + lane]) - a[i + lane];
      err[lane] += d * d;
      energy[lane] += static_cast<double>(a[i + lane]) * a[i + lane];
    }
  }
  for (; i < n; ++i) {
    const double d = static_cast<double>(b[i]) - a[i];
    err[0] += d * d;
    energy[0] += static_cast<double>(a[i]) * a[i];
  }
  s.err += (err[0] + err[1]) + (err[2] + err[3]);
  s.ref += (energy[0] + energy[1]) + (energy[2] + energy[3]);
}

}  // namespace

ModelOracle::ModelOracle(const CalibratedModel& cm, std::vector<QuantizerGroup> groups, const Dataset& validation,
                         MetricFactory metric, const AccuracyControlOptions& options,
                         size_t reference_budget_bytes)
    : cm_(cm), groups_(std::move(groups)), validation_(validation), metric_(std::move(metric)), options_(options),
      reference_budget_bytes_(reference_budget_bytes) {}

Result<onnx::ModelProto> ModelOracle::model_for(const std::vector<int>& reverted) const {
  std::set<std::string> disabled;
  for (int g : reverted) {
    if (g < 0 || static_cast<size_t>(g) >= groups_.size()) return Status::Internal("bad group id");
    const QuantizerGroup& group = groups_[static_cast<size_t>(g)];
    disabled.insert(group.activation_ids.begin(), group.activation_ids.end());
    if (options_.restore_mode == RestoreMode::kActivationsAndWeights) {
      disabled.insert(group.weight_ids.begin(), group.weight_ids.end());
    }
  }
  return emit(cm_, disabled, options_, nullptr);
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
  return e;
}

Result<Evaluation> ModelOracle::evaluate_model(const onnx::ModelProto& model, const std::vector<size_t>& samples,
                                               const std::string& label) {
  const auto start = std::chrono::steady_clock::now();
  QAC_ASSIGN_OR_RETURN(auto session, Session::create(serialize(model), deployed_session(options_), label));
  const auto created = std::chrono::steady_clock::now();
  std::unique_ptr<SubsetDataset> subset;
  const Dataset& data = view(samples, subset);
  QAC_ASSIGN_OR_RETURN(Evaluation e, score(*session, data, reference_for(samples)));
  const auto scored = std::chrono::steady_clock::now();
  real_cost_.create_seconds = std::chrono::duration<double>(created - start).count();
  real_cost_.seconds_per_sample =
      std::chrono::duration<double>(scored - created).count() / static_cast<double>(data.size());
  has_real_cost_ = true;
  return e;
}

Result<Evaluation> ModelOracle::evaluate(const std::vector<int>& reverted, const std::vector<size_t>& samples) {
  QAC_ASSIGN_OR_RETURN(onnx::ModelProto model, model_for(reverted));
  QAC_ASSIGN_OR_RETURN(Evaluation e, evaluate_model(model, samples, "quantized model"));
  samples_evaluated_ += samples.empty() ? validation_.size() : samples.size();
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
  std::unique_ptr<SubsetDataset> subset;
  const SwitchedDataset data = switchable_->feed(view(samples, subset), reverted);
  QAC_ASSIGN_OR_RETURN(Evaluation e, score(switchable_->session(), data, reference_for(samples)));
  samples_evaluated_ += data.size();
  e.approximate = true;
  return e;
}

Result<bool> ModelOracle::switchable_usable(const std::vector<size_t>& samples) {
  if (switchable_state_ != SwitchableState::kUndecided) return switchable_state_ == SwitchableState::kOn;
  switchable_state_ = SwitchableState::kOff;
  const Evaluation* quantized = full_set_result({});
  if (screening_model_ == ScreeningModel::kReal || options_.restore_mode != RestoreMode::kActivationsAndWeights ||
      !has_real_cost_ || !quantized) {
    return false;
  }
  const double create_ms = real_cost_.create_seconds * 1e3;
  const double run_ms = real_cost_.seconds_per_sample * static_cast<double>(samples.size()) * 1e3;
  if (screening_model_ == ScreeningModel::kAuto && !switchable_pays_off(real_cost_, samples.size())) {
    QAC_LOG(kInfo) << "screening on real models: a session costs " << create_ms << " ms, running "
                   << samples.size() << " samples " << run_ms << " ms";
    return false;
  }
  Result<std::unique_ptr<SwitchableScreen>> screen =
      SwitchableScreen::create(cm_, groups_, options_, deployed_session(options_));
  if (!screen.ok()) {
    QAC_LOG(kInfo) << "screening on real models: no switchable model (" << screen.status().to_string() << ")";
    return false;
  }
  switchable_ = std::move(screen).value();
  // The switchable model must reproduce the real fully quantized model on these samples.
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
  if (samples.empty() || samples.size() >= validation_.size()) return evaluate(reverted, samples);
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

Result<Evaluation> ModelOracle::evaluate_fp32(const std::vector<size_t>& samples) {
  if (auto it = fp32_cache_.find(samples); it != fp32_cache_.end()) return it->second;
  QAC_ASSIGN_OR_RETURN(const Session* session, fp32_session());
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
  QAC_ASSIGN_OR_RETURN(onnx::ModelProto model, model_for(reverted));
  QAC_ASSIGN_OR_RETURN(auto session, Session::create(serialize(model), deployed_session(options_), "quantized model"));
  const ReferenceSource reference = reference_for(samples);
  std::unique_ptr<SubsetDataset> subset;
  const Dataset* data = &view(samples, subset);
  ErrorSums sums;
  const size_t batch = options_.batch_size ? options_.batch_size : auto_batch_size(*session, data->size());
  QAC_RETURN_IF_ERROR(run_batches(*session, *data, data->size(), batch, {},
      [&](size_t first, size_t count, const NamedTensors& inputs, std::vector<Tensor>& outputs) -> Status {
        QAC_ASSIGN_OR_RETURN(std::vector<Tensor> ref, reference(first, count, inputs, outputs));
        for (size_t i = 0; i < ref.size() && i < outputs.size(); ++i) accumulate(sums, ref[i], outputs[i]);
        return Status::Ok();
      }));
  samples_evaluated_ += data->size();
  return sums.relative();
}

Result<std::vector<double>> ModelOracle::sensitivity() {
  // Tensors observed per group: its quantized inputs and its ops' first outputs.
  std::map<std::string, int> node_index;
  const auto& g = cm_.fp32.graph();
  for (int i = 0; i < g.node_size(); ++i) node_index[g.node(i).name()] = i;
  std::map<std::string, std::string> tensor_of_activation;
  for (const auto& a : cm_.setup.activations) tensor_of_activation[a.id] = a.tensor;
  std::vector<std::vector<std::string>> ins(groups_.size()), outs(groups_.size());
  std::set<std::string> observed;
  for (size_t k = 0; k < groups_.size(); ++k) {
    for (const auto& id : groups_[k].activation_ids) {
      if (auto it = tensor_of_activation.find(id); it != tensor_of_activation.end()) ins[k].push_back(it->second);
    }
    for (const auto& name : groups_[k].node_names) {
      auto it = node_index.find(name);
      if (it != node_index.end() && g.node(it->second).output_size() > 0) outs[k].push_back(g.node(it->second).output(0));
    }
    observed.insert(ins[k].begin(), ins[k].end());
    observed.insert(outs[k].begin(), outs[k].end());
  }
  std::vector<std::string> names(observed.begin(), observed.end());
  onnx::ModelProto fp = cm_.fp32;
  QAC_ASSIGN_OR_RETURN(onnx::ModelProto q, model_for({}));
  expose(fp, names);
  expose(q, names);
  QAC_ASSIGN_OR_RETURN(auto fs, Session::create(serialize(fp), deployed_session(options_), "FP32 probe"));
  QAC_ASSIGN_OR_RETURN(auto qs, Session::create(serialize(q), deployed_session(options_), "quantized probe"));
  const size_t n = std::min(kSensitivitySamples, validation_.size());
  SubsetDataset data(validation_, first_n(n));
  std::map<std::string, ErrorSums> sums;
  const size_t batch = options_.batch_size ? options_.batch_size : auto_batch_size(*qs, n);
  QAC_RETURN_IF_ERROR(run_batches(*qs, data, n, batch, names,
      [&](size_t, size_t, const NamedTensors& inputs, std::vector<Tensor>& outputs) -> Status {
        QAC_ASSIGN_OR_RETURN(std::vector<Tensor> ref, fs->run(inputs, names));
        for (size_t i = 0; i < names.size(); ++i) accumulate(sums[names[i]], ref[i], outputs[i]);
        return Status::Ok();
      }));
  samples_evaluated_ += n;
  std::vector<double> result(groups_.size(), 0.0);
  for (size_t k = 0; k < groups_.size(); ++k) {
    double in_max = 0, out_mean = 0;
    for (const auto& t : ins[k]) in_max = std::max(in_max, sums[t].relative());
    for (const auto& t : outs[k]) out_mean += sums[t].relative();
    if (!outs[k].empty()) out_mean /= static_cast<double>(outs[k].size());
    result[k] = std::max(0.0, out_mean - in_max);
  }
  return result;
}

}  // namespace qac
