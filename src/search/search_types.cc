#include "search/search_types.h"

#include <cmath>
#include <string>

namespace qac {

Status validate_search_options(const SearchOptions& options) {
  if (!std::isfinite(options.max_drop) || options.max_drop < 0) {
    return Status::InvalidArgument("max_drop must be a finite value >= 0, got " +
                                   std::to_string(options.max_drop));
  }
  for (double us : options.group_float_cost) {
    if (!std::isfinite(us)) return Status::InvalidArgument("group_float_cost must hold finite values");
  }
  if (options.ranking_subset_size == 0) {
    return Status::InvalidArgument("ranking_subset_size must be >= 1");
  }
  if (options.max_num_iterations < 0) {
    return Status::InvalidArgument("max_num_iterations must be >= 0, got " +
                                   std::to_string(options.max_num_iterations));
  }
  return Status::Ok();
}

bool within_budget(double drop, double max_drop) { return drop <= max_drop + kBudgetTolerance; }

double group_cost(const std::vector<double>& costs, int group) {
  return group >= 0 && static_cast<size_t>(group) < costs.size() ? costs[static_cast<size_t>(group)] : 0.0;
}

double float_cost_of(const std::vector<int>& reverted, const SearchOptions& options) {
  double us = 0;
  for (int g : reverted) us += group_cost(options.group_float_cost, g);
  return us;
}

bool is_better_candidate(const SearchCandidate& a, const SearchCandidate& b) {
  if (a.budget_met != b.budget_met) return a.budget_met;
  if (a.budget_met) {
    if (a.reverted.size() != b.reverted.size()) return a.reverted.size() < b.reverted.size();
    if (std::fabs(a.float_cost - b.float_cost) > kFloatCostTieUs) return a.float_cost < b.float_cost;
    return a.metric > b.metric;
  }
  if (a.metric != b.metric) return a.metric > b.metric;
  return a.reverted.size() < b.reverted.size();
}

}  // namespace qac
