// The CompiledModel a ModelValidator receives: a session of the search (a candidate's own, the
// FP32 model's, or the switchable model with one configuration switched on).
#pragma once

#include <vector>

#include "evaluation/switchable_screen.h"
#include "qac/accuracy_control.h"
#include "runtime/session.h"

namespace qac {

class CompiledSession : public CompiledModel {
 public:
  // REQUIRES: `session` (and `switchable`) outlive this object.
  explicit CompiledSession(const Session& session);
  // The switchable model with the groups in `reverted` in float: its switch input is added to
  // every run and only the model's own outputs are returned.
  CompiledSession(const SwitchableScreen& switchable, std::vector<int> reverted);

  const std::vector<ValueSpec>& inputs() const override { return inputs_; }
  const std::vector<ValueSpec>& outputs() const override { return outputs_; }
  Result<std::vector<Tensor>> run(const NamedTensors& feeds) const override;

 private:
  const Session& session_;
  const SwitchableScreen* switchable_ = nullptr;
  std::vector<int> reverted_;
  std::vector<ValueSpec> inputs_, outputs_;
};

}  // namespace qac
