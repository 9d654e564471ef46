// The run key of an EvaluationCache (evaluation_cache.h) for a ModelOracle: everything its
// answers depend on besides the configuration and the samples. Two runs with the same key ask
// the same questions of the same models on the same data and get the same answers, so the
// search options (budget, strategy, ranking subset) are not part of it: a run with another
// budget reuses the evaluations it shares with an earlier one.
#pragma once

#include <string>

#include "evaluation/model_oracle.h"

namespace qac {

// Hashes the qac and ONNX Runtime versions, the CPU model, the FP32 and the fully quantized
// model's bytes, every group's quantizer ids, the options that change a session's outputs
// (batch size, threads, restore mode), `metric_identity` and the validation data's content.
// Errors: those of reading the validation data.
Result<std::string> oracle_cache_key(const ModelOracle& oracle, const CalibratedModel& cm, const Dataset& validation,
                                     const std::string& metric_identity, const AccuracyControlOptions& options);

}  // namespace qac
