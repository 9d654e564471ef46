// The answer of a metric command (qac/metric.h: make_command_metric), parsed.
#pragma once

#include <cstddef>
#include <string>

#include "qac/metric.h"
#include "qac/status.h"

namespace qac {

// Parses what a metric command printed: one JSON object {"metric": m, "per_sample": [...]}
// where m is a finite number and per_sample, when present, holds exactly `samples` finite
// numbers. Otherwise InvalidData naming `label` (quoting the start of a malformed output).
Result<MetricValue> parse_metric_output(const std::string& output, size_t samples, const std::string& label);

}  // namespace qac
