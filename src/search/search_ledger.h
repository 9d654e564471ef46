// SearchLedger: the search strategies' single gateway to a ConfigOracle. It
//   - checks every answer (finite metric, one per-sample value per requested sample),
//   - optionally memoizes every (configuration, sample set) answer so that no configuration is
//     run twice on the same samples (search_qac memoizes; search_nncf does not, as NNCF),
//   - logs every evaluation as a SearchStep (answers served from the memo are logged too,
//     with samples = 0),
//   - tracks the best full-set configuration seen (is_better_candidate),
//   - accounts the oracle cost of the search.
#pragma once

#include <cstddef>
#include <map>
#include <utility>
#include <vector>

#include "search/config_oracle.h"
#include "search/search_types.h"

namespace qac {

enum class Memoize { kNo, kYes };

class SearchLedger {
 public:
  // REQUIRES: `oracle` outlives the ledger; validate_search_options(options) is OK.
  SearchLedger(ConfigOracle& oracle, const SearchOptions& options, Memoize memoize);

  // Evaluates FP32 and the fully quantized model on all samples (two kPhaseBaseline steps).
  // REQUIRES: called once, before anything else.
  Status run_baseline();
  const Evaluation& fp32() const { return fp32_; }
  const Evaluation& int8() const { return int8_; }
  double int8_drop() const { return int8_drop_; }
  // Both baselines carry per-sample values.
  bool has_per_sample() const { return !fp32_.per_sample.empty() && !int8_.per_sample.empty(); }

  size_t num_groups() const { return oracle_.num_groups(); }
  size_t num_samples() const { return oracle_.num_samples(); }
  const SearchOptions& options() const { return options_; }

  // Full-set drop of `metric` against the FP32 metric.
  Result<double> drop_of(double full_metric) const;

  // Metric of `reverted` on `samples` (sorted; empty = all samples, which logs a full-set step
  // and updates the best candidate). `reverted` is sorted and deduplicated here.
  Result<Evaluation> evaluate(std::vector<int> reverted, const std::vector<size_t>& samples,
                              const char* phase);
  Result<Evaluation> evaluate_full(std::vector<int> reverted, const char* phase) {
    return evaluate(std::move(reverted), {}, phase);
  }
  // Like evaluate(), through ConfigOracle::screen() when `samples` is a strict subset (the
  // answer may be approximate: it only chooses what to measure); full-set requests are
  // measured by evaluate(). Screens and measurements are memoized apart.
  Result<Evaluation> screen(std::vector<int> reverted, const std::vector<size_t>& samples, const char* phase);
  // Output NMSE of `reverted` on `samples`; logged with metric = -NMSE.
  Result<double> output_nmse(std::vector<int> reverted, const std::vector<size_t>& samples,
                             const char* phase);

  // Logs a decision that evaluates nothing (e.g. NNCF's step back).
  void record(SearchStep step) { steps_.push_back(std::move(step)); }
  size_t num_steps() const { return steps_.size(); }
  // REQUIRES: at least one step logged.
  SearchStep& last_step() { return steps_.back(); }

  // The best full-set configuration seen so far (the fully quantized baseline at least).
  const SearchCandidate& best() const { return best_; }

  // Result skeleton: steps, baselines, cost, best_seen; the caller fills the returned
  // configuration and group scores. Moves the log out.
  SearchResult make_result(const SearchCandidate& returned);

 private:
  using MemoKey = std::pair<std::vector<int>, std::vector<size_t>>;

  Status canonicalize(std::vector<int>& reverted) const;
  Status check_evaluation(const Evaluation& evaluation, size_t expected_count,
                          const std::vector<int>& reverted) const;
  void log_step(const std::vector<int>& reverted, double metric, const char* phase, size_t ran,
                size_t sample_count);
  Status note_full_result(const std::vector<int>& reverted, double metric);
  // evaluate() and screen(): `screening` routes strict subsets through ConfigOracle::screen().
  Result<Evaluation> run_evaluation(std::vector<int> reverted, const std::vector<size_t>& samples,
                                    const char* phase, bool screening);

  ConfigOracle& oracle_;
  SearchOptions options_;
  Memoize memoize_;
  size_t samples_at_start_ = 0;
  size_t evaluations_ = 0;
  Evaluation fp32_;
  Evaluation int8_;
  double int8_drop_ = 0;
  SearchCandidate best_;
  bool has_best_ = false;
  std::vector<SearchStep> steps_;
  std::map<MemoKey, Evaluation> evaluation_memo_;
  std::map<MemoKey, Evaluation> screen_memo_;
  std::map<MemoKey, double> nmse_memo_;
};

}  // namespace qac
