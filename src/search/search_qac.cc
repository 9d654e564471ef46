#include "search/search_qac.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <optional>
#include <string>
#include <utility>

#include "search/ranking.h"
#include "search/search_ledger.h"
#include "search/search_predictor.h"
#include "search/unrevert.h"

namespace qac {
namespace {

// Groups interact when their gains alone sum to less than this fraction of their gain together.
constexpr double kInteractionFraction = 0.5;

enum class MetricKind {
  kPerSample,  // per-sample values: stratified proxy of their mean, ranked by it
  kScores,     // no per-sample values: ranked and screened by -output NMSE on the subset
};

Status validate_tuning(const QacTuning& tuning) {
  if (!(tuning.candidate_fraction > 0.0 && tuning.candidate_fraction <= 1.0)) {
    return Status::InvalidArgument("candidate_fraction must be in (0, 1]");
  }
  if (!std::isfinite(tuning.subset_margin) || tuning.subset_margin < 0.0) {
    return Status::InvalidArgument("subset_margin must be a finite value >= 0");
  }
  if (!(tuning.crowded_prefix_fraction > 0.0 && tuning.crowded_prefix_fraction <= 1.0)) {
    return Status::InvalidArgument("crowded_prefix_fraction must be in (0, 1]");
  }
  if (tuning.max_guided_probes < 0) {
    return Status::InvalidArgument("max_guided_probes must be >= 0");
  }
  return Status::Ok();
}

std::vector<int> sorted_copy(std::vector<int> configuration) {
  std::sort(configuration.begin(), configuration.end());
  return configuration;
}

class QacSearch {
 public:
  QacSearch(ConfigOracle& oracle, const SearchOptions& options, const QacTuning& tuning)
      : oracle_(oracle), options_(options), tuning_(tuning),
        ledger_(oracle, options, Memoize::kYes), predictor_(FullMetricPredictor::from_scores()) {}

  Result<SearchResult> run();

 private:
  // Steps 2-6 of the header.
  void choose_kind_and_subset();
  Status set_up_predictor();
  // The candidates in sensitivity order (unranked_, all groups by id without a sensitivity);
  // ranks nothing yet.
  Status order_candidates();
  // Ranks the first chunk of candidates (all of them without a sensitivity).
  Status rank_candidates();
  // The backward search (every group in float, then the un-revert pass); false when every
  // group in float is over budget on the full set.
  Result<bool> search_backward();
  Status rank_more(const std::vector<int>& groups, const char* phase);
  Result<size_t> widen();
  bool can_widen(size_t upper) const;
  size_t allowed_length() const;
  std::vector<int> prefix(size_t length) const;

  // Evaluations.
  Result<double> subset_proxy(const std::vector<int>& configuration, const char* phase);
  Result<bool> predicted_within(const std::vector<int>& configuration, const char* phase);
  Result<bool> full_within(const std::vector<int>& configuration, const char* phase);
  // Evidence that removing `group` from `configuration` is over budget (see the definition).
  std::optional<NeededEvidence> removal_hopeless(const std::vector<int>& configuration, int group) const;

  // Steps 7-10.
  bool crowded(size_t length) const;
  // Shortest prefix in (missing, top] predicted within budget (bisection on predictions,
  // assuming P(missing) over budget), or nullopt when P(top) is predicted over budget.
  Result<std::optional<size_t>> screen_shortest_prefix(size_t missing, size_t top);
  // The shortest prefix of P(1..upper) measured within budget (bracketed search), or nullopt
  // when P(upper) is measured over budget.
  Result<std::optional<size_t>> locate_shortest_prefix(size_t upper);
  // Step 9-10: the un-revert pass (unrevert.h) on the shortest prefix, then its confirmation.
  Status unrevert(const std::vector<int>& shortest_prefix);
  // When the un-revert pass's result fails its confirmation: the smallest configuration of its
  // trajectory that is within budget on the full set, by bisection (the ledger keeps the best).
  Status step_back(const std::vector<std::vector<int>>& trajectory);
  Result<ProbedDrop> probe_drop(const std::vector<int>& configuration);
  // Whether the ranked groups reverted together gain much more than the sum of their gains
  // alone (step 6b of the header): then ranking by single reverts says little.
  Result<bool> groups_interact();
  bool backward_allowed() const;
  std::vector<int> all_groups() const;
  SearchResult finish();

  ConfigOracle& oracle_;
  const SearchOptions& options_;
  const QacTuning& tuning_;
  SearchLedger ledger_;
  MetricKind kind_ = MetricKind::kPerSample;
  // INT8 moved every sample's value (a continuous metric such as cosine): its error is the sum
  // of every quantizer's noise, which the backward search sees and single reverts do not.
  bool every_sample_moved_ = false;
  std::vector<size_t> subset_;      // sorted; empty = all samples
  std::vector<double> sensitivity_;
  std::vector<int> unranked_;       // groups not ranked yet, most sensitive first
  size_t chunk_size_ = 0;           // groups ranked at once
  std::vector<GroupScore> ranked_;  // every ranked group with its proxy (reverted alone)
  std::vector<int> order_;          // ranked groups, most useful first
  FullMetricPredictor predictor_;
  std::map<std::vector<int>, double> proxy_of_;  // by sorted configuration
  // kPerSample: per ranked group, the subset samples its revert alone changed and their
  // contributions to the proxy.
  std::map<int, std::vector<std::pair<size_t, double>>> alone_changes_;
  std::map<int, double> group_scores_;  // predicted full-set metric with the group alone in float
  std::map<int, NeededEvidence> needed_;  // per group of the returned configuration
  std::map<int, size_t> rank_step_;       // per ranked group: its ranking step in the log
};

size_t QacSearch::allowed_length() const {
  return std::min(order_.size(), static_cast<size_t>(options_.max_num_iterations));
}

bool QacSearch::can_widen(size_t upper) const {
  return !unranked_.empty() && upper < static_cast<size_t>(options_.max_num_iterations);
}

std::vector<int> QacSearch::prefix(size_t length) const {
  return std::vector<int>(order_.begin(), order_.begin() + static_cast<long>(length));
}

void QacSearch::choose_kind_and_subset() {
  const size_t n = oracle_.num_samples();
  if (ledger_.has_per_sample()) {
    kind_ = MetricKind::kPerSample;
    const std::vector<double>& reference = ledger_.fp32().per_sample;
    const std::vector<double>& quantized = ledger_.int8().per_sample;
    const double changed = static_cast<double>(disagreeing_samples(reference, quantized).size());
    every_sample_moved_ = changed == static_cast<double>(n);
    const size_t wanted = std::max(
        tuning_.min_ranking_subset,
        static_cast<size_t>(std::ceil(changed * (1.0 + tuning_.subset_margin))));
    subset_ = select_ranking_subset(reference, quantized, std::min({wanted, options_.ranking_subset_size, n}),
                                    tuning_.subset_tie_seed);
  } else {
    kind_ = MetricKind::kScores;
    subset_ = evenly_spaced(options_.ranking_subset_size, n);
  }
  if (subset_.size() == n) subset_.clear();
}

Status QacSearch::set_up_predictor() {
  if (kind_ == MetricKind::kPerSample) {
    predictor_ = FullMetricPredictor::from_per_sample(ledger_.fp32(), ledger_.int8(), subset_);
    return Status::Ok();
  }
  predictor_.add_point(0.0, ledger_.fp32().metric);  // FP32 outputs: NMSE 0
  QAC_ASSIGN_OR_RETURN(double quantized_proxy, subset_proxy({}, kPhaseScreen));
  predictor_.add_point(quantized_proxy, ledger_.int8().metric);
  return Status::Ok();
}

Status QacSearch::rank_more(const std::vector<int>& groups, const char* phase) {
  const RankingScore score_kind =
      kind_ == MetricKind::kScores ? RankingScore::kNegativeNmse : RankingScore::kSubsetMetric;
  const size_t first_step = ledger_.num_steps();  // score_groups logs one step per group
  QAC_ASSIGN_OR_RETURN(std::vector<GroupScore> scores,
                       score_groups(ledger_, {}, groups, subset_, score_kind, phase, RankingEvaluation::kScreen));
  for (size_t i = 0; i < groups.size(); ++i) rank_step_[groups[i]] = first_step + i;
  const size_t subset_size = subset_.empty() ? ledger_.num_samples() : subset_.size();
  for (GroupScore& scored : scores) {
    if (kind_ == MetricKind::kPerSample && scored.per_sample.size() != subset_size) {
      return Status::InvalidData("the metric returned no per-sample values on the ranking subset "
                                 "although it did on the full validation set");
    }
    const double proxy = predictor_.proxy(scored.score, scored.per_sample);
    proxy_of_[{scored.group}] = proxy;
    alone_changes_[scored.group] = predictor_.proxy_contributions(scored.per_sample);
    if (predictor_.ready()) group_scores_[scored.group] = predictor_.metric_of(proxy);
    ranked_.push_back(GroupScore{scored.group, proxy, {}});
  }
  order_ = order_best_first(ranked_, sensitivity_);
  return Status::Ok();
}

Status QacSearch::order_candidates() {
  const size_t groups = oracle_.num_groups();
  QAC_ASSIGN_OR_RETURN(sensitivity_, oracle_.sensitivity());
  if (sensitivity_.empty()) {
    unranked_.resize(groups);
    std::iota(unranked_.begin(), unranked_.end(), 0);
    chunk_size_ = groups;
    return Status::Ok();
  }
  if (sensitivity_.size() != groups) {
    return Status::InvalidData("sensitivity has " + std::to_string(sensitivity_.size()) +
                               " values for " + std::to_string(groups) + " quantizer groups");
  }
  for (size_t g = 0; g < groups; ++g) {
    if (std::isnan(sensitivity_[g])) {
      return Status::InvalidData("sensitivity of quantizer group " + std::to_string(g) + " is NaN");
    }
  }
  const size_t fraction_count =
      static_cast<size_t>(std::ceil(tuning_.candidate_fraction * static_cast<double>(groups)));
  chunk_size_ = std::max(tuning_.min_candidates, fraction_count);
  unranked_ = top_groups_by_sensitivity(sensitivity_, groups);
  return Status::Ok();
}

Status QacSearch::rank_candidates() { return widen().status(); }

Result<bool> QacSearch::search_backward() {
  QAC_ASSIGN_OR_RETURN(bool all_within, full_within(all_groups(), kPhaseBisect));
  if (!all_within) return false;
  QAC_RETURN_IF_ERROR(unrevert(all_groups()));
  return true;
}

Result<size_t> QacSearch::widen() {
  const size_t count = std::min(chunk_size_, unranked_.size());
  const std::vector<int> chunk(unranked_.begin(), unranked_.begin() + static_cast<long>(count));
  unranked_.erase(unranked_.begin(), unranked_.begin() + static_cast<long>(count));
  QAC_RETURN_IF_ERROR(rank_more(chunk, ranked_.empty() ? kPhaseRank : kPhaseWiden));
  return allowed_length();
}

Result<double> QacSearch::subset_proxy(const std::vector<int>& configuration, const char* phase) {
  double proxy = 0;
  if (kind_ == MetricKind::kScores) {
    QAC_ASSIGN_OR_RETURN(double nmse, ledger_.output_nmse(configuration, subset_, phase));
    proxy = -nmse;
  } else {
    QAC_ASSIGN_OR_RETURN(Evaluation evaluation, ledger_.screen(configuration, subset_, phase));
    const size_t subset_size = subset_.empty() ? ledger_.num_samples() : subset_.size();
    if (evaluation.per_sample.size() != subset_size) {
      return Status::InvalidData("the metric returned no per-sample values on the ranking subset "
                                 "although it did on the full validation set");
    }
    proxy = predictor_.proxy(evaluation.metric, evaluation.per_sample);
  }
  proxy_of_[sorted_copy(configuration)] = proxy;
  return proxy;
}

Result<bool> QacSearch::predicted_within(const std::vector<int>& configuration, const char* phase) {
  QAC_ASSIGN_OR_RETURN(double proxy, subset_proxy(configuration, phase));
  if (subset_.empty() && kind_ == MetricKind::kPerSample) {
    return within_budget(ledger_.last_step().drop, options_.max_drop);  // measured, not predicted
  }
  QAC_ASSIGN_OR_RETURN(double drop, ledger_.drop_of(predictor_.metric_of(proxy)));
  ledger_.last_step().drop = drop;
  return within_budget(drop, options_.max_drop);
}

Result<bool> QacSearch::full_within(const std::vector<int>& configuration, const char* phase) {
  QAC_ASSIGN_OR_RETURN(Evaluation evaluation, ledger_.evaluate_full(configuration, phase));
  QAC_ASSIGN_OR_RETURN(double drop, ledger_.drop_of(evaluation.metric));
  if (kind_ == MetricKind::kPerSample) {
    if (evaluation.per_sample.empty()) {
      return Status::InvalidData("the metric stopped returning per-sample values");
    }
    predictor_.add_point(mean_of(evaluation.per_sample), evaluation.metric);
  } else {
    QAC_ASSIGN_OR_RETURN(double proxy, subset_proxy(configuration, phase));
    predictor_.add_point(proxy, evaluation.metric);
  }
  return within_budget(drop, options_.max_drop);
}

std::optional<NeededEvidence> QacSearch::removal_hopeless(const std::vector<int>& configuration,
                                                          int group) const {
  // A subset sample that reverting `group` alone changed had every disturbance on it involve
  // `group`. If no other group of the configuration changes that sample when reverted alone,
  // the sample is back in its fully quantized state once `group` is quantized again, so the
  // removal loses at least the sum of those samples' contributions. Samples another reverted
  // group also fixes alone are left out: they are redundantly fixed (e.g. an error that needs
  // two quantized layers to flip the prediction). Exact when disturbances act per sample as
  // "any of" or "all of" a few groups; a heuristic otherwise. Only used to skip screens,
  // never to claim a budget.
  if (kind_ != MetricKind::kPerSample) return std::nullopt;
  const auto current = proxy_of_.find(sorted_copy(configuration));
  const auto changes = alone_changes_.find(group);
  const auto rank_step = rank_step_.find(group);
  if (current == proxy_of_.end() || changes == alone_changes_.end() || rank_step == rank_step_.end()) {
    return std::nullopt;
  }
  std::vector<bool> covered(subset_.empty() ? ledger_.num_samples() : subset_.size(), false);
  for (int other : configuration) {
    const auto other_changes = alone_changes_.find(other);
    if (other == group || other_changes == alone_changes_.end()) continue;
    for (const auto& [position, contribution] : other_changes->second) covered[position] = true;
  }
  double loss = 0;
  for (const auto& [position, contribution] : changes->second) {
    if (!covered[position]) loss += contribution;
  }
  const Result<double> drop = ledger_.drop_of(predictor_.metric_of(current->second - loss));
  if (!drop.ok() || within_budget(drop.value(), options_.max_drop)) return std::nullopt;
  return NeededEvidence{drop.value(), rank_step->second};
}

bool QacSearch::crowded(size_t length) const {
  return static_cast<double>(length) >
         tuning_.crowded_prefix_fraction * static_cast<double>(order_.size());
}

Result<std::optional<size_t>> QacSearch::screen_shortest_prefix(size_t missing, size_t top) {
  QAC_ASSIGN_OR_RETURN(bool top_within, predicted_within(prefix(top), kPhaseScreen));
  if (!top_within) return std::optional<size_t>();
  while (top - missing > 1) {
    const size_t middle = missing + (top - missing) / 2;
    QAC_ASSIGN_OR_RETURN(bool within, predicted_within(prefix(middle), kPhaseScreen));
    (within ? top : missing) = middle;
  }
  return std::optional<size_t>(top);
}

Result<std::optional<size_t>> QacSearch::locate_shortest_prefix(size_t upper) {
  // Bracket: P(missing) measured over budget (P(0) = the quantized baseline), P(*within)
  // measured within budget. Each probe is a full-set evaluation strictly inside the bracket,
  // so the loop ends; it also adds a calibration point, so the next guided probe is better.
  size_t missing = 0;
  std::optional<size_t> within;
  int guided_probes_left = tuning_.max_guided_probes;
  while (true) {
    const size_t top = within ? *within - 1 : upper;
    if (top <= missing) break;
    std::optional<size_t> probe;
    if (predictor_.ready() && guided_probes_left > 0) {
      --guided_probes_left;
      QAC_ASSIGN_OR_RETURN(probe, screen_shortest_prefix(missing, top));
      if (!probe && within) break;  // nothing shorter is predicted within budget
    }
    if (!probe) probe = within ? missing + (*within - missing) / 2 : top;  // plain bisection
    QAC_ASSIGN_OR_RETURN(bool measured_within, full_within(prefix(*probe), kPhaseBisect));
    if (measured_within) {
      within = probe;
    } else {
      missing = *probe;
    }
  }
  return within;
}

Result<ProbedDrop> QacSearch::probe_drop(const std::vector<int>& configuration) {
  QAC_RETURN_IF_ERROR(predicted_within(configuration, kPhasePrune).status());
  return ProbedDrop{ledger_.last_step().drop, ledger_.num_steps() - 1};
}

Status QacSearch::unrevert(const std::vector<int>& shortest_prefix) {
  UnrevertInputs inputs;
  inputs.configuration = shortest_prefix;
  inputs.max_drop = options_.max_drop;
  inputs.fully_quantized = ProbedDrop{ledger_.int8_drop(), 1};  // the second baseline step
  inputs.probe = [this](const std::vector<int>& configuration) { return probe_drop(configuration); };
  inputs.hopeless = [this](const std::vector<int>& configuration, int group) {
    return removal_hopeless(configuration, group);
  };
  inputs.float_cost = options_.group_float_cost;
  QAC_ASSIGN_OR_RETURN(UnrevertResult pruned, unrevert_pass(inputs));
  if (pruned.configuration.size() != shortest_prefix.size()) {
    QAC_ASSIGN_OR_RETURN(bool confirmed, full_within(pruned.configuration, kPhaseConfirm));
    if (!confirmed) QAC_RETURN_IF_ERROR(step_back(pruned.trajectory));
  }
  if (sorted_copy(pruned.configuration) == ledger_.best().reverted) needed_ = std::move(pruned.needed);
  return Status::Ok();
}

Status QacSearch::step_back(const std::vector<std::vector<int>>& trajectory) {
  // trajectory[0] is within budget on the full set (the caller's starting point), the last is
  // not (its confirmation failed). Each configuration is a subset of the one before, so the
  // drop grows along it: bisect for the last one within budget on the full set.
  size_t within = 0, over = trajectory.size() - 1;
  while (over - within > 1) {
    const size_t mid = within + (over - within) / 2;
    QAC_ASSIGN_OR_RETURN(bool ok, full_within(trajectory[mid], kPhaseConfirm));
    (ok ? within : over) = mid;
  }
  return Status::Ok();
}

bool QacSearch::backward_allowed() const {
  // The backward search starts with every group in float.
  return order_.size() + unranked_.size() <= static_cast<size_t>(options_.max_num_iterations);
}

Result<bool> QacSearch::groups_interact() {
  if (kind_ != MetricKind::kPerSample || !predictor_.ready() || order_.size() < 2) return false;
  if (!backward_allowed()) return false;
  double sum_alone = 0;
  for (int group : order_) sum_alone += group_scores_.at(group) - ledger_.int8().metric;
  QAC_RETURN_IF_ERROR(predicted_within(order_, kPhaseScreen).status());
  const double together = predictor_.metric_of(proxy_of_.at(sorted_copy(order_))) - ledger_.int8().metric;
  return together > 0 && sum_alone < kInteractionFraction * together;
}

std::vector<int> QacSearch::all_groups() const {
  std::vector<int> all = order_;  // most useful first, then the unranked by sensitivity
  all.insert(all.end(), unranked_.begin(), unranked_.end());
  return all;
}

SearchResult QacSearch::finish() {
  SearchResult result = ledger_.make_result(ledger_.best());
  result.group_scores = std::move(group_scores_);
  result.needed = std::move(needed_);
  return result;
}

Result<SearchResult> QacSearch::run() {
  QAC_RETURN_IF_ERROR(validate_search_options(options_));
  QAC_RETURN_IF_ERROR(validate_tuning(tuning_));
  QAC_RETURN_IF_ERROR(ledger_.run_baseline());
  if (within_budget(ledger_.int8_drop(), options_.max_drop) || oracle_.num_groups() == 0 ||
      options_.max_num_iterations == 0) {
    return finish();
  }
  choose_kind_and_subset();
  QAC_RETURN_IF_ERROR(set_up_predictor());
  QAC_RETURN_IF_ERROR(order_candidates());
  if (every_sample_moved_ && backward_allowed()) {
    // A continuous metric: single reverts from the noisy model would rank the groups by noise
    // they cannot see, so the search starts backward without ranking them.
    QAC_ASSIGN_OR_RETURN(bool done, search_backward());
    if (done) return finish();
  }
  QAC_RETURN_IF_ERROR(rank_candidates());
  QAC_ASSIGN_OR_RETURN(bool interacting, groups_interact());
  if (interacting && !every_sample_moved_) {
    QAC_ASSIGN_OR_RETURN(bool done, search_backward());
    if (done) return finish();
  }

  std::optional<size_t> shortest;
  while (true) {
    const size_t upper = allowed_length();
    if (kind_ == MetricKind::kPerSample && predictor_.ready() && can_widen(upper)) {
      // Widen before measuring anything when the ranked groups are predicted insufficient, or
      // when the shortest prefix predicted within budget uses most of them. (Not with output
      // NMSE: its first calibration is too crude to act on before any measurement.)
      QAC_ASSIGN_OR_RETURN(std::optional<size_t> screened, screen_shortest_prefix(0, upper));
      if (!screened || crowded(*screened)) {
        QAC_RETURN_IF_ERROR(widen().status());
        continue;
      }
    }
    QAC_ASSIGN_OR_RETURN(shortest, locate_shortest_prefix(upper));
    if (shortest || !can_widen(upper)) break;
    QAC_RETURN_IF_ERROR(widen().status());
  }
  if (!shortest) return finish();  // unreachable budget: best seen, budget_met = false

  if (predictor_.ready()) QAC_RETURN_IF_ERROR(unrevert(prefix(*shortest)));
  return finish();
}

}  // namespace

Result<SearchResult> search_qac(ConfigOracle& oracle, const SearchOptions& options,
                                const QacTuning& tuning) {
  QacSearch search(oracle, options, tuning);
  return search.run();
}

}  // namespace qac
