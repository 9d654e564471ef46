// Building blocks of group ranking shared by the search strategies: choosing the samples to
// rank on, pre-selecting candidates by a cheap sensitivity, and scoring groups by reverting
// each one on top of a base configuration.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "search/search_ledger.h"

namespace qac {

// NNCF's ranking subset (select_subset with POT's index order): the `count` samples with the
// largest SIGNED difference reference[i] - approximate[i] (samples the quantized model got
// worse on come first; improved ones last). NNCF orders by a flipped numpy argsort, whose tie
// order is unspecified; ties here go to the later index first, as a flipped stable argsort
// does. Returns min(count, n) indices sorted ascending.
// REQUIRES: reference.size() == approximate.size().
std::vector<size_t> select_nncf_ranking_subset(const std::vector<double>& reference,
                                               const std::vector<double>& approximate,
                                               size_t count);

// Indices (ascending) of the samples whose values differ: reference[i] != approximate[i].
// REQUIRES: reference.size() == approximate.size().
std::vector<size_t> disagreeing_samples(const std::vector<double>& reference,
                                        const std::vector<double>& approximate);

// qac's ranking subset: samples ordered by |reference[i] - approximate[i]| descending (both
// directions matter: a revert can also lose a sample that quantization happened to fix), ties
// in a fixed pseudo-random order derived from `tie_seed`, so that a truncated class of equal
// differences (e.g. the 0/1 correctness of a classifier) is a uniform sample of that class.
// Returns the first min(count, n) of that order, sorted ascending.
// REQUIRES: reference.size() == approximate.size().
std::vector<size_t> select_largest_disagreement(const std::vector<double>& reference,
                                                const std::vector<double>& approximate,
                                                size_t count, uint64_t tie_seed);

// The ranking subset of `count` samples: select_largest_disagreement, unless INT8 moved every
// sample (a continuous metric such as cosine or per-sample SQNR): the samples it moved most are
// then no fair sample of the rest, whose change the search extrapolates from the subset, so the
// subset is spread evenly over the samples instead (evenly_spaced). Sorted ascending.
// REQUIRES: reference.size() == approximate.size().
std::vector<size_t> select_ranking_subset(const std::vector<double>& reference,
                                          const std::vector<double>& approximate, size_t count,
                                          uint64_t tie_seed);

// min(count, n) of the samples 0..n-1 spread evenly: sample k * n / min(count, n), ascending.
std::vector<size_t> evenly_spaced(size_t count, size_t n);

// The `count` group ids with the highest sensitivity (most harmful first); ties -> lower id.
// REQUIRES: no NaN in `sensitivity`.
std::vector<int> top_groups_by_sensitivity(const std::vector<double>& sensitivity, size_t count);

enum class RankingScore {
  kSubsetMetric,  // the metric on the subset (needs per-sample-capable metric), higher = better
  kNegativeNmse,  // -output NMSE vs FP32 on the subset
};

struct GroupScore {
  int group = 0;
  double score = 0;  // higher = reverting the group helps more
  std::vector<double> per_sample;  // kSubsetMetric: per-sample values on the subset (may be empty)
};

// How ranking evaluations are answered: measured on the real model (SearchLedger::evaluate),
// or screened (SearchLedger::screen, possibly by an approximate model).
enum class RankingEvaluation { kMeasure, kScreen };

// Scores each of `groups` by evaluating base ∪ {group} on `subset` (empty = all samples).
// Returns one score per group, in the order of `groups`. kNegativeNmse is always measured.
Result<std::vector<GroupScore>> score_groups(SearchLedger& ledger, const std::vector<int>& base,
                                             const std::vector<int>& groups,
                                             const std::vector<size_t>& subset, RankingScore kind,
                                             const char* phase,
                                             RankingEvaluation how = RankingEvaluation::kMeasure);

// Group ids, best score first; ties -> higher `tie_priority[group]` (if given), then lower id.
std::vector<int> order_best_first(const std::vector<GroupScore>& scores,
                                  const std::vector<double>& tie_priority);

}  // namespace qac
