// search_qac: qac's default accuracy-control search. Same question as search_nncf (which
// groups to return to float so that the drop is within max_drop), answered with a fraction of
// the oracle cost, with at most as many groups in float, and always returning the best
// configuration seen.
//
// Where NNCF's cost goes, and what replaces it (n groups, N samples, S = ranking subset):
//  - ranking: NNCF scores all n groups on S = 300 samples, most of which (when fewer than 300
//    samples changed under quantization) carry no information: a sample on which FP32 and the
//    quantized model agree cannot be fixed by a revert. qac ranks on the samples that changed
//    (plus a margin), and only on the K groups a one-pass sensitivity marks as most harmful.
//  - one full validation per revert: qac predicts the full-set metric of a configuration from
//    the ranking subset (FullMetricPredictor), searches the ranked list by bisection on those
//    predictions, and spends full validations only to confirm.
//  - no cache: every (configuration, sample set) is evaluated at most once (SearchLedger memo).
//  - NNCF keeps every group it reverted, including ones made redundant by later reverts; qac
//    re-quantizes every group that turns out unnecessary (the un-revert pass, step 9), which
//    also repairs a prefix that a noisy ranking made too long (interacting groups).
//
// Algorithm:
//  1. Baseline: FP32 and fully quantized on all N samples. Done if within budget (or no group
//     may be reverted: max_num_iterations == 0 or no group).
//  2. Metric kind: per-sample values on both baselines, or none (rank by output NMSE).
//  3. Subset S: per-sample metrics -> the samples whose FP32 and quantized values differ,
//     |D| * (1 + subset_margin), at least min_ranking_subset, at most ranking_subset_size,
//     largest |difference| first, ties in a fixed pseudo-random order (ranking.h). Output NMSE
//     -> ranking_subset_size evenly spaced samples (the changed samples are unknown).
//  4. Predictor (search_predictor.h): a proxy from the subset evaluation (stratified estimate
//     of the full-set mean of per-sample values, or -NMSE) mapped to the metric by calibration
//     points; FP32 and the quantized model give the first two for free, every full-set
//     evaluation adds one. Exact for mean-type metrics when S holds every changed sample.
//  5. Candidates: the K = max(min_candidates, ceil(candidate_fraction * n)) groups with the
//     highest sensitivity(); all groups when the oracle has none.
//  5b. Continuous metric (INT8 moved every sample's per-sample value, as cosine or per-sample
//     SQNR do: the error is the sum of every quantizer's noise, which single reverts from the
//     noisy model cannot rank): measure every group in float and, if within budget, run the
//     un-revert pass (step 9) from it and stop (backward search), without ranking. The order
//     given to the pass is the sensitivity order.
//  6. Rank the candidates: revert each alone, evaluate on S, order by proxy, best first (ties
//     -> higher sensitivity, then lower id). Ranked list L; prefix P(k) = first k of L.
//  6b. Interaction test (per-sample metrics that are not continuous): screen all ranked groups
//     together; if they gain more than twice the sum of their gains alone, single reverts rank
//     the groups badly (e.g. a sample that counts with its worst output). Then the backward
//     search of step 5b, from the ranked order.
//  7. Widen first (per-sample metrics, whose predictions are reliable): if even the longest
//     allowed prefix P(u), u = min(|L|, max_num_iterations), is predicted over budget, or the
//     shortest prefix predicted within budget uses more than crowded_prefix_fraction of the
//     ranked groups (the unranked ones probably hold better groups than its tail), rank the
//     next chunk of K unranked groups (by sensitivity) alone, merge them into L by proxy, and
//     repeat.
//  8. Locate the shortest prefix measured within budget, by a bracketed search on the full
//     set: P(lo) over budget (lo = 0 at first), P(hi) within budget; each probe is the
//     shortest prefix in (lo, hi) PREDICTED within budget (bisection on subset screens), or
//     the midpoint once max_guided_probes are spent; its full-set measurement moves lo or hi
//     and adds a calibration point. Stops when nothing shorter is predicted within budget or
//     hi = lo + 1. If P(u) is measured over budget, widen and repeat 7-8; with nothing left
//     to widen the budget is unreachable (return the best seen, budget_met = false).
//  9. Un-revert (unrevert.h): score the removal of each group of P(hi) (the drop without it,
//     screened), remove at once the largest batch of the cheapest-to-re-quantize groups that
//     stays within budget (bisection on the batch size), try the rest one at a time, and check
//     every group left in float on the final configuration. A removal is not scored when the
//     samples only that group fixes (on its own ranking evaluation, and not fixed alone by any
//     other reverted group) are worth more than the slack: they come back when it is
//     re-quantized whatever else stays in float. The result records, per group left in float,
//     the step that showed it is needed (SearchResult::needed).
// 10. Confirm the un-reverted configuration on the full set (when the pass removed anything).
// 11. Predictions only choose what to measure: a configuration is reported within budget only
//     from its full-set measurement. Every subset evaluation (ranking, widening, screens,
//     prune screens) goes through ConfigOracle::screen(), which may answer from an approximate
//     model (ModelOracle: one switchable model instead of a session per configuration);
//     every full-set evaluation is a measurement (ConfigOracle::evaluate()).
// 12. Return the best full-set configuration seen (is_better_candidate): fewest reverted groups
//     within budget, ties -> the faster (lower SearchOptions::group_float_cost sum, from
//     kernel timing), then higher metric; if none is within budget, the highest metric.
//
// max_num_iterations caps the number of groups reverted at once. Every evaluation is logged as
// a SearchStep (screening steps carry the predicted drop).
#pragma once

#include <cstddef>
#include <cstdint>

#include "search/config_oracle.h"
#include "search/search_types.h"

namespace qac {

inline constexpr size_t kDefaultMinRankingSubset = 50;
inline constexpr double kDefaultSubsetMargin = 0.25;
inline constexpr size_t kDefaultMinCandidates = 8;
inline constexpr double kDefaultCandidateFraction = 0.25;
inline constexpr int kDefaultMaxGuidedProbes = 4;
inline constexpr double kDefaultCrowdedPrefixFraction = 0.5;
inline constexpr uint64_t kDefaultSubsetTieSeed = 0x5eed;

// Knobs of search_qac beyond the NNCF-compatible options; the defaults are the product.
struct QacTuning {
  size_t min_ranking_subset = kDefaultMinRankingSubset;
  double subset_margin = kDefaultSubsetMargin;         // extra samples beyond the changed ones
  size_t min_candidates = kDefaultMinCandidates;
  double candidate_fraction = kDefaultCandidateFraction;  // of all groups, in (0, 1]
  // Full-set probes of the prefix search placed by the predictor; later ones bisect.
  int max_guided_probes = kDefaultMaxGuidedProbes;
  // Widen when the shortest prefix uses more than this fraction of the ranked groups.
  double crowded_prefix_fraction = kDefaultCrowdedPrefixFraction;
  uint64_t subset_tie_seed = kDefaultSubsetTieSeed;
};

// Errors: invalid options or tuning, oracle errors, inconsistent oracle answers (e.g. a
// sensitivity vector of the wrong size or with NaN).
Result<SearchResult> search_qac(ConfigOracle& oracle, const SearchOptions& options,
                                const QacTuning& tuning = {});

}  // namespace qac
