// Screening on the switchable evaluation model (quant/switchable_emit.h): one ONNX Runtime
// session answers for every configuration of reverted groups, where the real path emits a
// model and creates a session per configuration. Its arithmetic is the quantized arithmetic
// simulated in float (no int8 kernels), so its answers only guide a search: whether to use it
// at all is decided by switchable_pays_off() and agrees_with_real().
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "data/switched_dataset.h"
#include "qac/options.h"
#include "quant/groups.h"
#include "quant/pipeline.h"
#include "runtime/session.h"

namespace qac {

class SwitchableScreen {
 public:
  // Emits the switchable model of `cm`, adds `extra_outputs` (float tensors of the model, e.g.
  // the sensitivity probe's) as graph outputs, and creates its session with `session_options`.
  // Errors: Unsupported when the model cannot be switched per group; ONNX Runtime errors.
  static Result<std::unique_ptr<SwitchableScreen>> create(const CalibratedModel& cm,
                                                          const std::vector<QuantizerGroup>& groups,
                                                          const QuantizationOptions& options,
                                                          const SessionOptions& session_options,
                                                          const std::vector<std::string>& extra_outputs = {});

  const Session& session() const { return *session_; }
  // The outputs of the model itself (without the extra ones), in model order: fetch these to
  // score it.
  const std::vector<std::string>& model_outputs() const { return model_outputs_; }
  size_t num_groups() const { return num_groups_; }
  // The bool input that carries the configuration (fed by feed() and switched()).
  const std::string& switch_input() const { return switch_input_; }
  // `data` fed to the session with the groups in `reverted` in float, all others quantized.
  // REQUIRES: every id < num_groups(); `data` outlives the view.
  SwitchedDataset feed(const Dataset& data, const std::vector<int>& reverted) const;
  // `inputs` (one batch of `rows` samples fed through feed()) switched to `reverted` instead.
  NamedTensors switched(NamedTensors inputs, size_t rows, const std::vector<int>& reverted) const;

 private:
  SwitchableScreen(std::unique_ptr<Session> session, std::string switch_input, size_t num_groups,
                   std::vector<std::string> model_outputs)
      : session_(std::move(session)), switch_input_(std::move(switch_input)), num_groups_(num_groups),
        model_outputs_(std::move(model_outputs)) {}
  std::vector<bool> in_float(const std::vector<int>& reverted) const;
  std::unique_ptr<Session> session_;
  std::string switch_input_;
  size_t num_groups_;
  std::vector<std::string> model_outputs_;
};

// What one real evaluation cost: creating its session, and running it per sample.
struct RealEvaluationCost {
  double create_seconds = 0;
  double seconds_per_sample = 0;
};

// Screening `screen_samples` samples on the switchable model pays off when creating a session
// costs more than running the samples through it: create_seconds > screen_samples *
// seconds_per_sample (e.g. a small model on a small subset; not a large model, whose runs
// dominate and whose int8 kernels are faster than the float simulation).
bool switchable_pays_off(const RealEvaluationCost& cost, size_t screen_samples);

// The switchable model's per-sample values on `samples` equal the real model's full-set
// per-sample values at those indices (to 1e-9 relative: exactly for 0/1 metrics).
// REQUIRES: screened.size() == samples.size() when both are non-empty.
bool agrees_with_real(const std::vector<double>& screened, const std::vector<double>& real_full_set,
                      const std::vector<size_t>& samples);

}  // namespace qac
