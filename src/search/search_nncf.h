// search_nncf: a faithful reproduction of NNCF's quantize_with_accuracy_control search
// (QuantizationAccuracyRestorer + Ranker), cost included. It is the baseline qac is measured
// against: it deliberately keeps NNCF's behaviour, including its weak points.
//
// Algorithm (n = groups, N = validation samples, S = ranking_subset_size):
//  1. Validate FP32 and the fully quantized model on all N samples. Metric mode = both carry
//     per-sample values; otherwise NNCF collects the quantized model's outputs in a second
//     full pass (emulated by output_nmse(all groups quantized, all samples)).
//     If drop <= max_drop: return the fully quantized model.
//  2. Ranking subset: metric mode -> the S samples with the largest per-sample
//     FP32-minus-quantized difference (select_nncf_ranking_subset); otherwise NNCF picks them
//     by output distance, which the oracle cannot give per sample: the first S samples.
//  3. Rank: every group is reverted alone (on top of the current configuration) and scored on
//     the subset: the subset metric, or -NMSE of the outputs (see NOTE). The groups are kept in
//     a list sorted ascending by score (stable, input order = reverse group id order, as NNCF
//     walks quantizers in reverse topological order) and consumed from its back (best first;
//     ties -> the later list entry).
//  4. Greedy loop, at most max_num_iterations iterations:
//       pop the best group, revert it on top of the previous configuration, validate on the
//       FULL set;
//       if no group is left in the list: stop (everything tried);
//       if drop <= max_drop: stop (success);
//       if drop <= previous drop, or the previous iteration was a step back (or this is the
//       first iteration): keep it, previous drop = drop, continue;
//       otherwise STEP BACK: undo the revert, put the group back into the list, previous drop
//       = this (worse) drop, and re-rank every listed group on top of the current
//       configuration; the re-ranking subset is chosen from the per-sample values of the FULLY
//       QUANTIZED model (NNCF never updates them during the loop).
//  5. Return the configuration the loop ended with (NNCF returns this last model, not the
//     best one it validated); SearchResult.best_seen records what the best would have been.
//
// NOTE: in output-NMSE mode NNCF sorts ascending by NMSE and pops the LARGEST (reverting the
// group that helps least first; a path NNCF only enables for OpenVINO models). This
// reproduction ranks by -NMSE instead (the group whose revert leaves the smallest error
// first), so the baseline is not handicapped by that inversion.
//
// Cost: one full pass for the quantized model (two in NMSE mode), n subset evaluations per
// ranking, one full pass per iteration. Nothing is memoized (NNCF caches nothing).
#pragma once

#include "search/config_oracle.h"
#include "search/search_types.h"

namespace qac {

// Errors: invalid options, oracle errors, inconsistent oracle answers.
Result<SearchResult> search_nncf(ConfigOracle& oracle, const SearchOptions& options);

}  // namespace qac
