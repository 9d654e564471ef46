// The ConfigOracle over real models: a configuration (a set of reverted quantizer groups) is
// emitted as a QDQ model, run in ONNX Runtime with every optimization (the int8 kernels users
// deploy) on validation samples, and scored with the user's metric.
//
// FP32 outputs: the first FP32 pass over the whole validation set keeps the outputs of every
// sample (ReferenceOutputs, within a memory budget); metrics that compare against FP32 and
// output_nmse() then read them instead of running the FP32 model on every batch again. Over
// budget, the FP32 model runs next to every evaluated batch.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "search/config_oracle.h"
#include "data/dataset_subset.h"
#include "evaluation/evaluation_cache.h"
#include "evaluation/evaluator.h"
#include "evaluation/reference_outputs.h"
#include "evaluation/sensitivity_probe.h"
#include "evaluation/switchable_screen.h"
#include "evaluation/validator_lookahead.h"
#include "qac/accuracy_control.h"
#include "quant/groups.h"
#include "quant/pipeline.h"
#include "runtime/session.h"

namespace qac {

class ModelOracle : public ConfigOracle {
 public:
  // REQUIRES: `cm`, `validation` outlive the oracle; cm.params filled (parameterize()), and
  // not changed again after the first screen() (the switchable model is built from them).
  ModelOracle(const CalibratedModel& cm, std::vector<QuantizerGroup> groups, const Dataset& validation,
              MetricFactory metric, const AccuracyControlOptions& options,
              size_t reference_budget_bytes = kDefaultReferenceBudgetBytes);
  // The same oracle scoring with `validator` (compiled sessions, its items as the samples)
  // instead of a streamed metric; `validation` holds the inputs of its items.
  // REQUIRES: `validator` outlives the oracle.
  ModelOracle(const CalibratedModel& cm, std::vector<QuantizerGroup> groups, const Dataset& validation,
              ModelValidator& validator, const AccuracyControlOptions& options);

  size_t num_groups() const override { return groups_.size(); }
  // Validation samples, or the validator's items.
  size_t num_samples() const override { return validator_ ? validator_->num_items() : validation_.size(); }
  Result<Evaluation> evaluate(const std::vector<int>& reverted, const std::vector<size_t>& samples) override;
  // Screening on a strict subset: on the switchable model (switchable_screen.h) when its
  // session pays off (switchable_pays_off, from the cost of the latest real evaluation; see
  // ScreeningModel) and it reproduces the real fully quantized model's per-sample values on the
  // first screened samples (agrees_with_real); else evaluate(). Decided once, at the first
  // screen, which needs the full-set evaluation of the fully quantized model first. Only for
  // restore_mode activations_and_weights.
  Result<Evaluation> screen(const std::vector<int>& reverted, const std::vector<size_t>& samples) override;
  // kAuto: the switchable model when it pays off (the default); kSwitchable: whenever it is
  // possible and agrees; kReal: never. REQUIRES: called before the first screen().
  enum class ScreeningModel { kAuto, kSwitchable, kReal };
  void set_screening_model(ScreeningModel model) { screening_model_ = model; }
  // Answers and decisions are read from `cache` when it holds them and stored there when
  // measured (evaluation_cache.h); costs and results are reported as if measured.
  // REQUIRES: `cache` outlives the oracle. Answers measured before the call are not stored.
  void set_cache(EvaluationCache* cache) { cache_ = cache; }
  Result<Evaluation> evaluate_fp32(const std::vector<size_t>& samples) override;
  Result<double> output_nmse(const std::vector<int>& reverted, const std::vector<size_t>& samples) override;
  // Per group: the relative output noise its own quantizers add (sensitivity_probe.h), from
  // the FP32 and the fully quantized model's intermediate tensors on the first few samples.
  // When the switchable model pays off for them, one switchable session (with the probed
  // tensors as extra outputs, kept for screening) runs both configurations; else two
  // sessions, the emitted quantized model's and the FP32 model's, with the tensors exposed.
  Result<std::vector<double>> sensitivity() override;
  // What the latest sensitivity() measured: per group its value (empty before the first call),
  // per quantized node the SQNR of plain INT8 at its output, and the samples probed.
  const std::vector<double>& probed_sensitivity() const { return probed_sensitivity_; }
  const std::vector<SensitivityProbe::NodeError>& probed_node_errors() const { return probed_node_errors_; }
  size_t probed_samples() const { return probed_samples_; }
  size_t samples_evaluated() const override { return samples_evaluated_; }

  const std::vector<QuantizerGroup>& groups() const { return groups_; }
  const CalibratedModel& calibrated_model() const { return cm_; }
  // The FP32 outputs of every validation sample are held (after a full-set evaluate_fp32()).
  bool fp32_outputs_cached() const { return reference_ && reference_->complete(); }
  // The full-validation-set result of configuration `reverted`, if evaluate() measured it.
  // Its model was scored from the same serialized bytes model_for() produces.
  const Evaluation* full_set_result(const std::vector<int>& reverted) const;
  // The QDQ model with `reverted` groups in float (per options.restore_mode).
  // `emit_log` (may be null) receives emit()'s log of that model (its graph rewrites among it).
  Result<onnx::ModelProto> model_for(const std::vector<int>& reverted,
                                     std::vector<std::string>* emit_log = nullptr) const;
  // Scores an arbitrary model on samples (empty = all) with a fresh session.
  Result<Evaluation> evaluate_model(const onnx::ModelProto& model, const std::vector<size_t>& samples,
                                    const std::string& label);

 private:
  Result<const Session*> fp32_session();
  // The validation Dataset rows of `samples` (items, with a validator; empty = all).
  std::vector<size_t> rows_of(const std::vector<size_t>& samples) const;
  // The validator's metric of `model` on `samples` (empty = all).
  Result<Evaluation> validate(const CompiledModel& model, const std::vector<size_t>& samples);
  // The validation samples `samples` (empty = all); `holder` keeps a subset view alive.
  const Dataset& view(const std::vector<size_t>& samples, std::unique_ptr<SubsetDataset>& holder) const;
  // FP32 outputs of the batches of the view of `samples` (empty = all): cached, or computed.
  // The returned function refers to `samples`, which must outlive it.
  ReferenceSource reference_for(const std::vector<size_t>& samples);
  // Runs `session` on `data` and scores it with a fresh metric.
  Result<Evaluation> score(const Session& session, const Dataset& data, const ReferenceSource& reference,
                           const EvaluationOptions& options = {});
  // The switchable model is allowed (restore mode, ScreeningModel) and pays off for runs of
  // `samples` samples.
  bool switchable_worthwhile(size_t samples) const;
  // Creates switchable_ with `extra_outputs` exposed; false (logged) when it cannot.
  bool create_switchable(const std::vector<std::string>& extra_outputs);
  // Decides (once, or as the cached run did) whether screens run on the switchable model.
  Result<bool> switchable_usable(const std::vector<size_t>& samples);
  // The decision itself, from the measured costs and an agreement check (`checked`: it ran);
  // creates the model if so.
  Result<bool> decide_switchable(const std::vector<size_t>& samples, bool& checked);
  Result<Evaluation> evaluate_switchable(const std::vector<int>& reverted, const std::vector<size_t>& samples);
  // Creates the switchable model for screening when a cached decision turned screening on: with
  // the probed tensors exposed when the (cached) probe ran on it, as the run that decided did.
  Status ensure_switchable();
  // Whether the metric compares against FP32 outputs (then the first full FP32 pass must run to
  // keep them, and is not read from the cache).
  Result<bool> metric_needs_reference();
  Result<Evaluation> evaluate_fp32_uncached(const std::vector<size_t>& samples);
  Result<double> output_nmse_uncached(const std::vector<int>& reverted, const std::vector<size_t>& samples);
  void log_reused(const char* what, const std::vector<int>& reverted, const std::vector<size_t>& samples) const;
  const CalibratedModel& cm_;
  std::vector<QuantizerGroup> groups_;
  const Dataset& validation_;
  MetricFactory metric_;
  ModelValidator* validator_ = nullptr;  // set: scores with it instead of metric_
  AccuracyControlOptions options_;
  size_t reference_budget_bytes_;
  std::unique_ptr<ValidatorLookahead> lookahead_;  // with validator_
  std::unique_ptr<Session> fp32_;
  std::unique_ptr<ReferenceOutputs> reference_;  // FP32 outputs of every validation sample
  ScreeningModel screening_model_ = ScreeningModel::kAuto;
  enum class SwitchableState { kUndecided, kOn, kOff };
  SwitchableState switchable_state_ = SwitchableState::kUndecided;
  std::unique_ptr<SwitchableScreen> switchable_;
  RealEvaluationCost real_cost_;  // of the latest evaluate_model()
  bool has_real_cost_ = false;
  std::map<std::vector<size_t>, Evaluation> fp32_cache_;  // FP32 results are deterministic
  std::map<std::vector<int>, Evaluation> full_set_results_;  // by sorted reverted groups
  size_t samples_evaluated_ = 0;
  std::vector<double> probed_sensitivity_;
  std::vector<SensitivityProbe::NodeError> probed_node_errors_;
  size_t probed_samples_ = 0;
  bool probe_on_switchable_ = false;
  EvaluationCache* cache_ = nullptr;
};

}  // namespace qac
