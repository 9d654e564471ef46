#include "search/search_ledger.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace qac {
namespace {

std::string describe(const std::vector<int>& reverted) {
  std::string text = "configuration {";
  for (size_t i = 0; i < reverted.size(); ++i) {
    if (i > 0) text += ",";
    text += std::to_string(reverted[i]);
  }
  return text + "}";
}

}  // namespace

SearchLedger::SearchLedger(ConfigOracle& oracle, const SearchOptions& options, Memoize memoize)
    : oracle_(oracle), options_(options), memoize_(memoize),
      samples_at_start_(oracle.samples_evaluated()) {}

Status SearchLedger::run_baseline() {
  if (oracle_.num_samples() == 0) return Status::InvalidData("the validation set has no samples");
  QAC_ASSIGN_OR_RETURN(fp32_, oracle_.evaluate_fp32({}));
  QAC_RETURN_IF_ERROR(check_evaluation(fp32_, oracle_.num_samples(), {}).with_context("FP32 model"));
  log_step({}, fp32_.metric, kPhaseBaseline, 0, oracle_.num_samples());
  steps_.back().drop = 0;
  QAC_ASSIGN_OR_RETURN(int8_, evaluate_full({}, kPhaseBaseline));
  QAC_ASSIGN_OR_RETURN(int8_drop_, drop_of(int8_.metric));
  return Status::Ok();
}

Result<double> SearchLedger::drop_of(double full_metric) const {
  return accuracy_drop(fp32_.metric, full_metric, options_.drop_type);
}

Status SearchLedger::canonicalize(std::vector<int>& reverted) const {
  std::sort(reverted.begin(), reverted.end());
  reverted.erase(std::unique(reverted.begin(), reverted.end()), reverted.end());
  for (int group : reverted) {
    if (group < 0 || static_cast<size_t>(group) >= oracle_.num_groups()) {
      return Status::Internal("search asked for group " + std::to_string(group) + " of " +
                              std::to_string(oracle_.num_groups()));
    }
  }
  return Status::Ok();
}

Status SearchLedger::check_evaluation(const Evaluation& evaluation, size_t expected_count,
                                      const std::vector<int>& reverted) const {
  if (!std::isfinite(evaluation.metric)) {
    return Status::InvalidData("metric of " + describe(reverted) + " is not finite");
  }
  if (!evaluation.per_sample.empty() && evaluation.per_sample.size() != expected_count) {
    return Status::InvalidData("metric of " + describe(reverted) + " has " +
                               std::to_string(evaluation.per_sample.size()) +
                               " per-sample values for " + std::to_string(expected_count) +
                               " samples");
  }
  for (double value : evaluation.per_sample) {
    if (!std::isfinite(value)) {
      return Status::InvalidData("a per-sample value of " + describe(reverted) + " is not finite");
    }
  }
  return Status::Ok();
}

void SearchLedger::log_step(const std::vector<int>& reverted, double metric, const char* phase,
                            size_t ran, size_t sample_count) {
  SearchStep step;
  step.reverted = reverted;
  step.metric = metric;
  step.phase = phase;
  step.samples = ran;
  step.sample_count = sample_count;
  step.full_set = sample_count == oracle_.num_samples();
  steps_.push_back(std::move(step));
}

Status SearchLedger::note_full_result(const std::vector<int>& reverted, double metric) {
  QAC_ASSIGN_OR_RETURN(double drop, drop_of(metric));
  steps_.back().drop = drop;
  const SearchCandidate candidate{reverted, metric, drop, within_budget(drop, options_.max_drop),
                                  float_cost_of(reverted, options_)};
  if (!has_best_ || is_better_candidate(candidate, best_)) best_ = candidate;
  has_best_ = true;
  return Status::Ok();
}

Result<Evaluation> SearchLedger::evaluate(std::vector<int> reverted,
                                          const std::vector<size_t>& samples, const char* phase) {
  return run_evaluation(std::move(reverted), samples, phase, /*screening=*/false);
}

Result<Evaluation> SearchLedger::screen(std::vector<int> reverted, const std::vector<size_t>& samples,
                                        const char* phase) {
  return run_evaluation(std::move(reverted), samples, phase, /*screening=*/true);
}

Result<Evaluation> SearchLedger::run_evaluation(std::vector<int> reverted, const std::vector<size_t>& samples,
                                                const char* phase, bool screening) {
  QAC_RETURN_IF_ERROR(canonicalize(reverted));
  const size_t count = samples.empty() ? oracle_.num_samples() : samples.size();
  const bool full_set = count == oracle_.num_samples();
  screening = screening && !full_set;
  std::map<MemoKey, Evaluation>& memo = screening ? screen_memo_ : evaluation_memo_;
  MemoKey key{reverted, samples};
  Evaluation evaluation;
  size_t ran = 0;
  auto hit = memo.find(key);
  if (memoize_ == Memoize::kYes && hit != memo.end()) {
    evaluation = hit->second;
  } else {
    if (screening) {
      QAC_ASSIGN_OR_RETURN(evaluation, oracle_.screen(reverted, samples));
    } else {
      QAC_ASSIGN_OR_RETURN(evaluation, oracle_.evaluate(reverted, samples));
      evaluation.approximate = false;
    }
    QAC_RETURN_IF_ERROR(check_evaluation(evaluation, count, reverted));
    ran = count;
    ++evaluations_;
    if (memoize_ == Memoize::kYes) memo.emplace(std::move(key), evaluation);
  }
  log_step(reverted, evaluation.metric, phase, ran, count);
  steps_.back().approximate = evaluation.approximate;
  if (full_set) QAC_RETURN_IF_ERROR(note_full_result(reverted, evaluation.metric));
  return evaluation;
}

Result<double> SearchLedger::output_nmse(std::vector<int> reverted,
                                         const std::vector<size_t>& samples, const char* phase) {
  QAC_RETURN_IF_ERROR(canonicalize(reverted));
  const size_t count = samples.empty() ? oracle_.num_samples() : samples.size();
  MemoKey key{reverted, samples};
  double nmse = 0;
  size_t ran = 0;
  auto hit = nmse_memo_.find(key);
  if (memoize_ == Memoize::kYes && hit != nmse_memo_.end()) {
    nmse = hit->second;
  } else {
    QAC_ASSIGN_OR_RETURN(nmse, oracle_.output_nmse(reverted, samples));
    if (!std::isfinite(nmse)) {
      return Status::InvalidData("output NMSE of " + describe(reverted) + " is not finite");
    }
    ran = count;
    ++evaluations_;
    if (memoize_ == Memoize::kYes) nmse_memo_.emplace(std::move(key), nmse);
  }
  log_step(reverted, -nmse, phase, ran, count);
  return nmse;
}

SearchResult SearchLedger::make_result(const SearchCandidate& returned) {
  SearchResult result;
  result.reverted = returned.reverted;
  result.metric = returned.metric;
  result.drop = returned.drop;
  result.budget_met = returned.budget_met;
  result.best_seen = best_;
  result.steps = std::move(steps_);
  result.fp32_metric = fp32_.metric;
  result.int8_metric = int8_.metric;
  result.evaluations = evaluations_;
  result.full_pass_equivalents =
      static_cast<double>(oracle_.samples_evaluated() - samples_at_start_) /
      static_cast<double>(oracle_.num_samples());
  return result;
}

}  // namespace qac
