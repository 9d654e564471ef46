// What the accuracy-control oracle measured, kept on disk (AccuracyControlOptions::cache_dir),
// so that a run stopped at any point and started again with the same command repeats no
// finished evaluation and takes the same decisions: every answer, and every measurement a
// decision depends on (the cost of a real evaluation, which model screens, the sensitivity
// probe), is stored as it is made and read back instead of measured again.
//
// Entries live in <cache_dir>/evaluations/<run key>/, one file per answer, each written all or
// nothing. The run key (made by the caller) covers everything an answer depends on besides the
// configuration and the samples: the quantized model family, the groups, the validation data,
// the metric, the session options, the versions and the CPU.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/keyed_files.h"
#include "evaluation/sensitivity_probe.h"
#include "evaluation/switchable_screen.h"
#include "search/config_oracle.h"

namespace qac {

// One answer of the oracle with the cost measured while it was computed.
struct CachedAnswer {
  Evaluation evaluation;
  double nmse = 0;                          // output_nmse() answers
  std::optional<RealEvaluationCost> cost;   // real evaluations: session creation and run time
};

// The sensitivity probe's outcome.
struct CachedProbe {
  std::vector<double> sensitivity;
  std::vector<SensitivityProbe::NodeError> node_errors;
  size_t samples = 0;
  bool on_switchable = false;  // ran on the switchable model (which screening then reuses)
};

class EvaluationCache {
 public:
  enum class Kind { kEvaluate, kScreen, kFp32, kOutputNmse };

  EvaluationCache(const std::string& cache_dir, const std::string& run_key);

  const std::string& dir() const { return files_.dir(); }
  // The stored answer of `kind` for configuration `reverted` on `samples`, if any.
  std::optional<CachedAnswer> get(Kind kind, const std::vector<int>& reverted,
                                  const std::vector<size_t>& samples) const;
  // Stores an answer; a store that fails is logged once and costs only a later run the work.
  void put(Kind kind, const std::vector<int>& reverted, const std::vector<size_t>& samples,
           const CachedAnswer& answer);
  std::optional<CachedProbe> get_probe() const;
  void put_probe(const CachedProbe& probe);
  // A decision taken once per run (e.g. whether screening runs on the switchable model).
  std::optional<std::string> get_decision(const std::string& name) const;
  void put_decision(const std::string& name, const std::string& value);

  // Answers read from the cache so far, by get() and get_probe().
  size_t hits() const { return hits_; }

 private:
  // The entry stored under `key`, parsed (an entry that does not parse counts as absent).
  template <typename Entry>
  std::optional<Entry> read(const std::string& key, std::optional<Entry> (*parse)(const std::string&)) const;
  void store(const std::string& key, const std::string& bytes);
  KeyedFiles files_;
  mutable size_t hits_ = 0;
  bool store_failed_ = false;
};

// The bytes of an answer or a probe as stored, and back (nullopt for bytes that are not one).
std::string answer_to_bytes(const CachedAnswer& answer);
std::optional<CachedAnswer> answer_from_bytes(const std::string& bytes);
std::string probe_to_bytes(const CachedProbe& probe);
std::optional<CachedProbe> probe_from_bytes(const std::string& bytes);

}  // namespace qac
