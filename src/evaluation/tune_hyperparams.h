// tune_hyperparams: before any revert, a small grid over preset x range estimator (mean of
// per-sample min-max, MSE, quantile; KL is left out: it can clip small-range tensors far too
// hard, see bench/plain_int8.md) x bias correction (fast, none), each point scored on the full validation set with every quantizer on. Statistics
// are collected once (they hold histograms, so every estimator is available); each point only
// re-derives parameters. The best point is left applied to `cm`.
#pragma once

#include <string>
#include <vector>

#include "evaluation/model_oracle.h"
#include "qac/options.h"
#include "quant/pipeline.h"

namespace qac {

struct TuneResult {
  QuantizationOptions best;
  double metric = 0;
  std::string description;        // "preset=mixed estimator=mse bias_correction=fast"
  std::vector<std::string> log;   // one line per grid point with its metric
};

Result<TuneResult> tune_hyperparams(CalibratedModel& cm, const Dataset& calibration, ModelOracle& oracle,
                                    const QuantizationOptions& base, QuantizationReport* report);

}  // namespace qac
