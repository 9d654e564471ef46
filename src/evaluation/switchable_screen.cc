#include "evaluation/switchable_screen.h"

#include <algorithm>
#include <cmath>

#include "onnx/model_io.h"
#include "evaluation/sensitivity_probe.h"
#include "quant/switchable_emit.h"

namespace qac {

Result<std::unique_ptr<SwitchableScreen>> SwitchableScreen::create(const CalibratedModel& cm,
                                                                   const std::vector<QuantizerGroup>& groups,
                                                                   const QuantizationOptions& options,
                                                                   const SessionOptions& session_options,
                                                                   const std::vector<std::string>& extra_outputs) {
  QAC_ASSIGN_OR_RETURN(SwitchableModel switchable, emit_switchable(cm, groups, options));
  std::vector<std::string> model_outputs;
  for (const auto& output : switchable.model.graph().output()) model_outputs.push_back(output.name());
  expose_float_outputs(switchable.model, extra_outputs);
  QAC_ASSIGN_OR_RETURN(std::unique_ptr<Session> session,
                       Session::create(serialize(switchable.model), session_options, "switchable model"));
  return std::unique_ptr<SwitchableScreen>(new SwitchableScreen(
      std::move(session), std::move(switchable.switch_input), switchable.num_groups, std::move(model_outputs)));
}

std::vector<bool> SwitchableScreen::in_float(const std::vector<int>& reverted) const {
  std::vector<bool> flags(num_groups_, false);
  for (int g : reverted) flags[static_cast<size_t>(g)] = true;
  return flags;
}

SwitchedDataset SwitchableScreen::feed(const Dataset& data, const std::vector<int>& reverted) const {
  return SwitchedDataset(data, switch_input_, in_float(reverted));
}

NamedTensors SwitchableScreen::switched(NamedTensors inputs, size_t rows, const std::vector<int>& reverted) const {
  inputs[switch_input_] = switch_tensor(rows, in_float(reverted));
  return inputs;
}

bool switchable_pays_off(const RealEvaluationCost& cost, size_t screen_samples) {
  return cost.create_seconds > static_cast<double>(screen_samples) * cost.seconds_per_sample;
}

bool agrees_with_real(const std::vector<double>& screened, const std::vector<double>& real_full_set,
                      const std::vector<size_t>& samples) {
  if (screened.size() != samples.size() || screened.empty()) return false;
  constexpr double kRelativeTolerance = 1e-9;
  for (size_t i = 0; i < samples.size(); ++i) {
    if (samples[i] >= real_full_set.size()) return false;
    const double a = screened[i];
    const double b = real_full_set[samples[i]];
    if (std::fabs(a - b) > kRelativeTolerance * std::max({1.0, std::fabs(a), std::fabs(b)})) return false;
  }
  return true;
}

}  // namespace qac
