#include "search/unrevert.h"

#include <algorithm>
#include <utility>

#include "search/search_types.h"

namespace qac {
namespace {

std::vector<int> without_groups(const std::vector<int>& configuration, const std::vector<int>& removed) {
  std::vector<int> result;
  for (int g : configuration) {
    if (std::find(removed.begin(), removed.end(), g) == removed.end()) result.push_back(g);
  }
  return result;
}

class Unrevert {
 public:
  explicit Unrevert(const UnrevertInputs& inputs)
      : in_(inputs), current_(inputs.configuration), trajectory_{inputs.configuration} {}

  Result<UnrevertResult> run() {
    QAC_ASSIGN_OR_RETURN(std::vector<int> order, score_removals());
    QAC_ASSIGN_OR_RETURN(size_t batch, largest_removable_batch(order));
    for (size_t k = 1; k < batch; ++k) {  // the batch's smaller removals, for a step back
      const std::vector<int> removed(order.begin(), order.begin() + static_cast<long>(k));
      trajectory_.push_back(without_groups(current_, removed));
    }
    remove(std::vector<int>(order.begin(), order.begin() + static_cast<long>(batch)));
    for (size_t i = batch; i < order.size(); ++i) {
      QAC_ASSIGN_OR_RETURN(bool removed, try_removal(order[i]));
      (void)removed;
    }
    QAC_RETURN_IF_ERROR(check_needed());
    UnrevertResult result;
    result.configuration = current_;
    for (int g : current_) result.needed[g] = evidence_.at(g);
    result.trajectory = std::move(trajectory_);
    return result;
  }

 private:
  // The drop of `configuration`, through the probe (the empty configuration is known).
  Result<ProbedDrop> drop_of(const std::vector<int>& configuration) {
    if (configuration.empty()) return in_.fully_quantized;
    return in_.probe(configuration);
  }

  // Step 1 and the order of step 2: the groups whose removal alone stays within budget,
  // cheapest to re-quantize first.
  Result<std::vector<int>> score_removals() {
    std::vector<std::pair<int, double>> removable;
    std::map<int, size_t> position;
    for (size_t i = 0; i < current_.size(); ++i) position[current_[i]] = i;
    for (auto it = current_.rbegin(); it != current_.rend(); ++it) {
      const int group = *it;
      if (record_hopeless(group)) continue;
      QAC_ASSIGN_OR_RETURN(ProbedDrop probed, drop_of(without_groups(current_, {group})));
      evidence_[group] = {probed.drop, probed.step};
      evidence_configuration_[group] = current_;
      if (within_budget(probed.drop, in_.max_drop)) removable.emplace_back(group, probed.drop);
    }
    std::sort(removable.begin(), removable.end(), [&](const auto& a, const auto& b) {
      if (a.second != b.second) return a.second < b.second;
      const double cost_a = cost(a.first), cost_b = cost(b.first);
      if (cost_a != cost_b) return cost_a > cost_b;
      return position[a.first] > position[b.first];  // least useful first
    });
    std::vector<int> order;
    for (const auto& [group, drop] : removable) order.push_back(group);
    return order;
  }

  // Records the caller's evidence that `group` is needed in the current configuration, if any.
  bool record_hopeless(int group) {
    if (current_.size() <= 1 || !in_.hopeless) return false;
    const std::optional<NeededEvidence> evidence = in_.hopeless(current_, group);
    if (!evidence) return false;
    evidence_[group] = *evidence;
    evidence_configuration_[group] = current_;
    return true;
  }

  double cost(int group) const { return group_cost(in_.float_cost, group); }

  // Step 2: the largest k such that removing the first k of `order` at once stays within
  // budget, by bisection (k = 1 is known within budget when `order` is not empty).
  Result<size_t> largest_removable_batch(const std::vector<int>& order) {
    if (order.size() <= 1) return order.size();
    size_t within = 1;
    size_t over = order.size() + 1;  // first k known over budget
    while (over - within > 1) {
      const size_t k = within + (over - within) / 2;
      const std::vector<int> removed(order.begin(), order.begin() + static_cast<long>(k));
      const std::vector<int> trial = without_groups(current_, removed);
      QAC_ASSIGN_OR_RETURN(ProbedDrop probed, drop_of(trial));
      (within_budget(probed.drop, in_.max_drop) ? within : over) = k;
    }
    return within;
  }

  void remove(const std::vector<int>& groups) {
    current_ = without_groups(current_, groups);
    trajectory_.push_back(current_);
    for (int g : groups) {
      evidence_.erase(g);
      evidence_configuration_.erase(g);
    }
  }

  // Step 3: removes `group` when the configuration without it stays within budget; records
  // the evidence otherwise.
  Result<bool> try_removal(int group) {
    if (current_.size() <= 1 || std::find(current_.begin(), current_.end(), group) == current_.end()) {
      return false;
    }
    QAC_ASSIGN_OR_RETURN(ProbedDrop probed, drop_of(without_groups(current_, {group})));
    if (within_budget(probed.drop, in_.max_drop)) {
      remove({group});
      return true;
    }
    evidence_[group] = {probed.drop, probed.step};
    evidence_configuration_[group] = current_;
    return false;
  }

  // Step 4: evidence on the final configuration for every group left in float.
  Status check_needed() {
    bool changed = true;
    while (changed) {
      changed = false;
      const std::vector<int> snapshot = current_;
      for (int group : snapshot) {
        const auto seen = evidence_configuration_.find(group);
        if (seen != evidence_configuration_.end() && seen->second == current_) continue;
        if (current_.size() == 1) {
          evidence_[group] = {in_.fully_quantized.drop, in_.fully_quantized.step};
          evidence_configuration_[group] = current_;
          continue;
        }
        if (record_hopeless(group)) continue;
        QAC_ASSIGN_OR_RETURN(bool removed, try_removal(group));
        changed = changed || removed;
      }
    }
    return Status::Ok();
  }

  const UnrevertInputs& in_;
  std::vector<int> current_;
  std::map<int, NeededEvidence> evidence_;
  std::map<int, std::vector<int>> evidence_configuration_;  // the configuration it was seen in
  std::vector<std::vector<int>> trajectory_;
};

}  // namespace

Result<UnrevertResult> unrevert_pass(const UnrevertInputs& inputs) {
  if (!inputs.probe) return Status::InvalidArgument("unrevert_pass needs a probe");
  Unrevert pass(inputs);
  return pass.run();
}

}  // namespace qac
