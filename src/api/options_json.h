// The options of a run as JSON, for the reports: every field, enum values by name.
#pragma once

#include <nlohmann/json.hpp>

#include "qac/accuracy_control.h"
#include "qac/options.h"

namespace qac {

nlohmann::json options_to_json(const QuantizationOptions& options);
// The quantization options above plus the accuracy-control ones.
nlohmann::json options_to_json(const AccuracyControlOptions& options);

}  // namespace qac
