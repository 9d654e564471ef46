// Options, decision log and result shared by the accuracy-control search strategies
// (search_nncf.h: NNCF's algorithm, the baseline; search_qac.h: ours).
#pragma once

#include <climits>
#include <cstddef>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "search/drop.h"
#include "qac/status.h"

namespace qac {

inline constexpr double kDefaultMaxDrop = 0.01;
inline constexpr size_t kDefaultRankingSubsetSize = 300;
// A drop counts as within budget when drop <= max_drop + kBudgetTolerance: metrics summed from
// per-sample values carry rounding error (0.80 - 0.79 is 0.010000000000000009).
inline constexpr double kBudgetTolerance = 1e-12;

struct SearchOptions {
  double max_drop = kDefaultMaxDrop;            // >= 0
  DropType drop_type = DropType::kAbsolute;
  size_t ranking_subset_size = kDefaultRankingSubsetSize;  // >= 1
  int max_num_iterations = INT_MAX;             // >= 0; caps reverts (see each strategy)
  // Per group id: microseconds its units add in float over int8 (kernel timing: the time the
  // units take in float minus in int8, with the Q/DQ their neighbours need). Empty, or a
  // shorter vector, = unknown (0). Orders equal-size solutions (is_better_candidate) and the
  // un-revert pass's ties.
  std::vector<double> group_float_cost;
};

// costs[group], or 0 when `group` is outside `costs` (a group_float_cost lookup).
double group_cost(const std::vector<double>& costs, int group);
// The float cost of `reverted` under `options`: the sum of its groups' group_float_cost.
double float_cost_of(const std::vector<int>& reverted, const SearchOptions& options);

// InvalidArgument naming the offending option.
Status validate_search_options(const SearchOptions& options);

bool within_budget(double drop, double max_drop);

// Phases of the decision log.
inline constexpr const char* kPhaseBaseline = "baseline";    // FP32 / fully quantized
inline constexpr const char* kPhaseRank = "rank";            // one group reverted alone, subset
inline constexpr const char* kPhaseRerank = "rerank";        // NNCF's re-ranking after a step back
inline constexpr const char* kPhaseRevert = "revert";        // NNCF's greedy revert, full set
inline constexpr const char* kPhaseStepBack = "step-back";   // NNCF undoes the last revert
inline constexpr const char* kPhaseWiden = "widen";          // ranking groups outside the candidates
inline constexpr const char* kPhaseScreen = "screen";        // predicted full-set drop from the subset
inline constexpr const char* kPhaseBisect = "bisect";        // full-set check of a ranked prefix
inline constexpr const char* kPhasePrune = "prune";          // re-quantizing an unnecessary group
inline constexpr const char* kPhaseConfirm = "confirm";      // full-set check of a screened choice

// One entry of the decision log: an evaluation (or, for kPhaseStepBack, a decision).
struct SearchStep {
  std::vector<int> reverted;  // sorted ids of the groups returned to float
  // The metric on the evaluated samples; for ranking by output NMSE, the score -NMSE.
  double metric = 0;
  // Full-set steps: the drop against FP32. Screening steps: the PREDICTED full-set drop.
  // NaN when not applicable (ranking steps).
  double drop = std::numeric_limits<double>::quiet_NaN();
  std::string phase;
  size_t samples = 0;       // samples this step ran through the oracle (0: reused or no run)
  size_t sample_count = 0;  // samples the metric covers
  bool full_set = false;    // the metric covers every validation sample
  bool approximate = false; // answered by an approximate model (ConfigOracle::screen)
};

// A configuration measured on the full validation set.
struct SearchCandidate {
  std::vector<int> reverted;
  double metric = 0;
  double drop = 0;
  bool budget_met = false;
  double float_cost = 0;  // float_cost_of(reverted): the latency its float groups add, us
};

// The order "better model" used for the returned configuration:
// within budget beats over budget; among those within budget fewer reverted groups, then the
// faster (lower float_cost, when the costs differ by more than kFloatCostTieUs), then higher
// metric; among those over budget higher metric, then fewer reverted groups.
inline constexpr double kFloatCostTieUs = 0.5;
bool is_better_candidate(const SearchCandidate& a, const SearchCandidate& b);

// Why a group stays in float: the decision-log step (index into SearchResult::steps) that
// evaluated the returned configuration without that group, and the drop it gave (over budget;
// predicted or measured, as the step says).
struct NeededEvidence {
  double drop_without = 0;
  size_t step = 0;
};

struct SearchResult {
  // The returned configuration (for search_nncf: the last model of NNCF's loop).
  std::vector<int> reverted;
  double metric = 0;
  double drop = 0;
  bool budget_met = false;
  // The best full-set configuration seen (is_better_candidate); equal to the returned one for
  // search_qac, possibly better than it for search_nncf.
  SearchCandidate best_seen;
  std::vector<SearchStep> steps;       // every evaluation, in order
  // Per ranked group: search_nncf, its latest ranking score (subset metric or -NMSE);
  // search_qac, the predicted full-set metric with the group alone in float.
  std::map<int, double> group_scores;
  // search_qac, per group of `reverted`: the evaluation that showed it is needed (empty when
  // the returned configuration did not come from the un-revert pass).
  std::map<int, NeededEvidence> needed;
  double fp32_metric = 0;
  double int8_metric = 0;
  size_t evaluations = 0;              // oracle calls for non-FP32 configurations
  double full_pass_equivalents = 0;    // oracle samples_evaluated() during the search / N
};

}  // namespace qac
