#include "search/search_nncf.h"

#include <algorithm>
#include <numeric>

#include "search/ranking.h"
#include "search/search_ledger.h"

namespace qac {
namespace {

// NNCF's Ranker: scores `listed` on top of `base` and returns them sorted ascending by score
// (stable), the best at the back.
Result<std::vector<int>> rank_ascending(SearchLedger& ledger, const std::vector<int>& base,
                                        const std::vector<int>& listed,
                                        const std::vector<size_t>& subset, RankingScore kind,
                                        const char* phase, std::map<int, double>& group_scores) {
  QAC_ASSIGN_OR_RETURN(std::vector<GroupScore> scores,
                       score_groups(ledger, base, listed, subset, kind, phase));
  std::stable_sort(scores.begin(), scores.end(),
                   [](const GroupScore& a, const GroupScore& b) { return a.score < b.score; });
  std::vector<int> ascending;
  for (const GroupScore& scored : scores) {
    group_scores[scored.group] = scored.score;
    ascending.push_back(scored.group);
  }
  return ascending;
}

std::vector<int> with_group(std::vector<int> configuration, int group) {
  configuration.push_back(group);
  std::sort(configuration.begin(), configuration.end());
  return configuration;
}

}  // namespace

Result<SearchResult> search_nncf(ConfigOracle& oracle, const SearchOptions& options) {
  QAC_RETURN_IF_ERROR(validate_search_options(options));
  SearchLedger ledger(oracle, options, Memoize::kNo);
  QAC_RETURN_IF_ERROR(ledger.run_baseline());
  const bool metric_mode = ledger.has_per_sample();
  if (!metric_mode) {
    // NNCF's Evaluator collects the outputs of each item in a pass of its own.
    QAC_RETURN_IF_ERROR(ledger.output_nmse({}, {}, kPhaseBaseline).status());
  }

  SearchCandidate current{{}, ledger.int8().metric, ledger.int8_drop(),
                          within_budget(ledger.int8_drop(), options.max_drop)};
  std::map<int, double> group_scores;
  if (current.budget_met || oracle.num_groups() == 0) {
    SearchResult result = ledger.make_result(current);
    return result;
  }

  const RankingScore kind = metric_mode ? RankingScore::kSubsetMetric : RankingScore::kNegativeNmse;
  // The per-sample values NNCF selects the subset from: the quantized model's, never updated.
  std::vector<size_t> subset;
  if (metric_mode) {
    subset = select_nncf_ranking_subset(ledger.fp32().per_sample, ledger.int8().per_sample,
                                        options.ranking_subset_size);
  } else {
    subset.resize(std::min(options.ranking_subset_size, oracle.num_samples()));
    std::iota(subset.begin(), subset.end(), size_t{0});
  }
  if (subset.size() == oracle.num_samples()) subset.clear();  // all samples

  std::vector<int> groups_to_rank(oracle.num_groups());
  std::iota(groups_to_rank.rbegin(), groups_to_rank.rend(), 0);
  QAC_ASSIGN_OR_RETURN(std::vector<int> ranked,
                       rank_ascending(ledger, {}, groups_to_rank, subset, kind, kPhaseRank,
                                      group_scores));

  SearchCandidate previous = current;
  double previous_drop = ledger.int8_drop();
  bool is_step_back = true;
  for (int iteration = 0; iteration < options.max_num_iterations; ++iteration) {
    previous = current;
    const int group = ranked.back();
    ranked.pop_back();
    std::vector<int> configuration = with_group(previous.reverted, group);
    QAC_ASSIGN_OR_RETURN(Evaluation evaluation, ledger.evaluate_full(configuration, kPhaseRevert));
    QAC_ASSIGN_OR_RETURN(double drop, ledger.drop_of(evaluation.metric));
    current = {std::move(configuration), evaluation.metric, drop,
               within_budget(drop, options.max_drop)};

    if (ranked.empty()) break;         // every group tried
    if (current.budget_met) break;     // accuracy restored
    if (drop <= previous_drop || is_step_back) {
      is_step_back = false;
      previous_drop = drop;
      continue;
    }
    // Step back: undo the revert and put the group back for re-ranking.
    current = previous;
    ranked.push_back(group);
    is_step_back = true;
    previous_drop = drop;
    SearchStep step;
    step.reverted = current.reverted;
    step.metric = current.metric;
    step.drop = current.drop;
    step.phase = kPhaseStepBack;
    step.sample_count = oracle.num_samples();
    step.full_set = true;
    ledger.record(std::move(step));
    QAC_ASSIGN_OR_RETURN(ranked, rank_ascending(ledger, current.reverted, ranked, subset, kind,
                                                kPhaseRerank, group_scores));
  }

  SearchResult result = ledger.make_result(current);
  result.group_scores = std::move(group_scores);
  return result;
}

}  // namespace qac
