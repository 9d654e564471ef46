#include "search/ranking.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace qac {
namespace {

// splitmix64 finalizer: a fixed pseudo-random key per (seed, index).
uint64_t mix(uint64_t value) {
  value += 0x9e3779b97f4a7c15ULL;
  value = (value ^ (value >> 30)) * 0xbf58476d1ce4e5b9ULL;
  value = (value ^ (value >> 27)) * 0x94d049bb133111ebULL;
  return value ^ (value >> 31);
}

std::vector<size_t> first_sorted(std::vector<size_t> order, size_t count) {
  order.resize(std::min(count, order.size()));
  std::sort(order.begin(), order.end());
  return order;
}

}  // namespace

std::vector<size_t> select_nncf_ranking_subset(const std::vector<double>& reference,
                                               const std::vector<double>& approximate,
                                               size_t count) {
  std::vector<size_t> order(reference.size());
  std::iota(order.begin(), order.end(), size_t{0});
  // Stable ascending argsort of the signed errors, then flipped.
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return reference[a] - approximate[a] < reference[b] - approximate[b];
  });
  std::reverse(order.begin(), order.end());
  return first_sorted(std::move(order), count);
}

std::vector<size_t> disagreeing_samples(const std::vector<double>& reference,
                                        const std::vector<double>& approximate) {
  std::vector<size_t> indices;
  for (size_t i = 0; i < reference.size(); ++i) {
    if (reference[i] != approximate[i]) indices.push_back(i);
  }
  return indices;
}

std::vector<size_t> select_largest_disagreement(const std::vector<double>& reference,
                                                const std::vector<double>& approximate,
                                                size_t count, uint64_t tie_seed) {
  std::vector<size_t> order(reference.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::vector<double> difference(reference.size());
  for (size_t i = 0; i < reference.size(); ++i) difference[i] = std::fabs(reference[i] - approximate[i]);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (difference[a] != difference[b]) return difference[a] > difference[b];
    const uint64_t key_a = mix(tie_seed ^ mix(a));
    const uint64_t key_b = mix(tie_seed ^ mix(b));
    return key_a != key_b ? key_a < key_b : a < b;
  });
  return first_sorted(std::move(order), count);
}

std::vector<int> top_groups_by_sensitivity(const std::vector<double>& sensitivity, size_t count) {
  std::vector<int> groups(sensitivity.size());
  std::iota(groups.begin(), groups.end(), 0);
  std::stable_sort(groups.begin(), groups.end(),
                   [&](int a, int b) { return sensitivity[a] > sensitivity[b]; });
  groups.resize(std::min(count, groups.size()));
  return groups;
}

Result<std::vector<GroupScore>> score_groups(SearchLedger& ledger, const std::vector<int>& base,
                                             const std::vector<int>& groups,
                                             const std::vector<size_t>& subset, RankingScore kind,
                                             const char* phase, RankingEvaluation how) {
  std::vector<GroupScore> scores;
  scores.reserve(groups.size());
  for (int group : groups) {
    std::vector<int> configuration = base;
    configuration.push_back(group);
    GroupScore scored{group, 0, {}};
    if (kind == RankingScore::kSubsetMetric) {
      QAC_ASSIGN_OR_RETURN(Evaluation evaluation,
                           how == RankingEvaluation::kScreen
                               ? ledger.screen(std::move(configuration), subset, phase)
                               : ledger.evaluate(std::move(configuration), subset, phase));
      scored.score = evaluation.metric;
      scored.per_sample = std::move(evaluation.per_sample);
    } else {
      QAC_ASSIGN_OR_RETURN(double nmse, ledger.output_nmse(std::move(configuration), subset, phase));
      scored.score = -nmse;
    }
    scores.push_back(scored);
  }
  return scores;
}

std::vector<int> order_best_first(const std::vector<GroupScore>& scores,
                                  const std::vector<double>& tie_priority) {
  std::vector<GroupScore> sorted = scores;
  std::sort(sorted.begin(), sorted.end(), [&](const GroupScore& a, const GroupScore& b) {
    if (a.score != b.score) return a.score > b.score;
    if (!tie_priority.empty() && tie_priority[a.group] != tie_priority[b.group]) {
      return tie_priority[a.group] > tie_priority[b.group];
    }
    return a.group < b.group;
  });
  std::vector<int> order;
  order.reserve(sorted.size());
  for (const GroupScore& scored : sorted) order.push_back(scored.group);
  return order;
}

std::vector<size_t> select_ranking_subset(const std::vector<double>& reference,
                                          const std::vector<double>& approximate, size_t count,
                                          uint64_t tie_seed) {
  const size_t n = reference.size();
  if (n == 0 || disagreeing_samples(reference, approximate).size() < n) {
    return select_largest_disagreement(reference, approximate, count, tie_seed);
  }
  return evenly_spaced(count, n);
}

std::vector<size_t> evenly_spaced(size_t count, size_t n) {
  const size_t size = std::min(count, n);
  std::vector<size_t> subset;
  for (size_t k = 0; k < size; ++k) subset.push_back(k * n / size);
  return subset;
}

}  // namespace qac
