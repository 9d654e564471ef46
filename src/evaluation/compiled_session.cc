#include "evaluation/compiled_session.h"

#include <algorithm>

namespace qac {
CompiledSession::CompiledSession(const Session& session)
    : session_(session), inputs_(session.inputs()), outputs_(session.outputs()) {}

CompiledSession::CompiledSession(const SwitchableScreen& switchable, std::vector<int> reverted)
    : session_(switchable.session()), switchable_(&switchable), reverted_(std::move(reverted)) {
  // The switch input is the one the model's own inputs lack; it is fed here, not by the user.
  const std::vector<std::string>& own = switchable.model_outputs();
  for (const ValueSpec& v : session_.inputs()) {
    if (v.name != switchable.switch_input()) inputs_.push_back(v);
  }
  for (const ValueSpec& v : session_.outputs()) {
    if (std::find(own.begin(), own.end(), v.name) != own.end()) outputs_.push_back(v);
  }
}

Result<std::vector<Tensor>> CompiledSession::run(const NamedTensors& feeds) const {
  if (!switchable_) return session_.run(feeds);
  size_t rows = 1;
  if (!feeds.empty() && !feeds.begin()->second.shape.empty()) {
    rows = static_cast<size_t>(feeds.begin()->second.shape[0]);
  }
  return session_.run(switchable_->switched(feeds, rows, reverted_), switchable_->model_outputs());
}

}  // namespace qac
