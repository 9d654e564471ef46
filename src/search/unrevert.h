// Un-revert pass of search_qac: given a configuration within budget (groups in float), return
// to int8 every group the budget does not need, and keep, for each group left in float, the
// evaluation that showed it is needed.
//
// Why a pass of its own: a ranked prefix found by bisection is the right SIZE only when
// reverting groups one at a time ranks them well. When groups interact (a label-free metric
// where a sample counts with its worst output, or many layers each adding a small share of the
// output noise), reverting one group alone barely moves the metric, the ranking is mostly
// noise, and the shortest prefix within budget holds many groups that are not needed. Removing
// a group from a configuration near the budget is measured where it matters, so this pass ranks
// the groups by that:
//   1. Score: for each group g of C (least useful first), the drop of C \ {g}. A group whose
//      removal is known hopeless (the caller's `hopeless`) is not scored and stays.
//   2. Batch: order the groups whose removal alone is within budget by that drop, cheapest to
//      re-quantize first (ties: the higher float cost first, then the earlier in C's order);
//      find by bisection the largest k such that C minus the first k is within budget, and
//      remove them at once (k = 1 is known within budget, so at least one goes).
//   3. Greedy: try removing each remaining group of the order, one at a time, keeping every
//      removal that stays within budget.
//   4. Needed: every group left in float must have evidence on the final configuration: an
//      evaluation of (final C) \ {g} over budget, or `hopeless` evidence; groups whose evidence
//      came from a larger configuration are checked again on the final one, and any found
//      removable then is removed (and the check repeats).
// Every drop comes from `probe` (a prediction or a measurement; the caller confirms the final
// configuration on the full set). The result is 1-minimal for the probe: removing any single
// group of it is over budget.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <vector>

#include "qac/status.h"
#include "search/search_types.h"

namespace qac {

// The drop of a configuration (predicted or measured) and the index of the decision-log step
// that gave it.
struct ProbedDrop {
  double drop = 0;
  size_t step = 0;
};

struct UnrevertInputs {
  // Groups in float, most useful first (the pass tries the least useful first).
  std::vector<int> configuration;
  double max_drop = 0;
  // Drop and step of the fully quantized model (the configuration without its last group).
  ProbedDrop fully_quantized;
  // Drop of a configuration (the caller may memoize: this pass may ask twice).
  std::function<Result<ProbedDrop>(const std::vector<int>&)> probe;
  // Evidence, without a new evaluation, that removing `group` from `configuration` exceeds the
  // budget (search_qac: the samples only that group fixes on its ranking evaluation are worth
  // more than the slack; the evidence names that step and the bound on the drop), or nullopt.
  std::function<std::optional<NeededEvidence>(const std::vector<int>& configuration, int group)> hopeless;
  // Float cost per group id (higher = slower in float), for ties: SearchOptions::group_float_cost
  // (float_cost_of); empty or shorter = 0.
  std::vector<double> float_cost;
};

struct UnrevertResult {
  std::vector<int> configuration;          // same order as the input, the removed groups left out
  std::map<int, NeededEvidence> needed;    // one entry per group of `configuration`
  // The configurations the pass went through: the input first, then the batch of step 2 removed
  // one group at a time (in its order; the intermediate ones are not probed), then each
  // removal of step 3 and 4, the result last. Each is a subset of the one before it.
  std::vector<std::vector<int>> trajectory;
};

Result<UnrevertResult> unrevert_pass(const UnrevertInputs& inputs);

}  // namespace qac
