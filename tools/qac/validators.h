// CLI11 validators whose messages say what is wrong with the value (CLI11's PositiveNumber and
// NonNegativeNumber print their range as "0.000000 to 1.797...e308", even for the value 0).
#pragma once

#include <CLI/CLI.hpp>

namespace qac::cli {

// An integer >= 1: "must be a positive integer, got '0'".
CLI::Validator positive_integer();
// A finite number >= 0: "must be a number >= 0, got '-1'".
CLI::Validator non_negative_number();
// A time limit in seconds, > 0 and <= kMaxTimeoutSeconds: "must be a number of seconds > 0 ...".
inline constexpr double kMaxTimeoutSeconds = 1e9;
CLI::Validator timeout_seconds();

// Which model output(s) a metric reads: "every" (each output, the worst counts), "all" (their
// concatenation), "default" (the metric's own) or an index >= 0: "must be every, all, default
// or an output index >= 0, got 'x'".
CLI::Validator output_selection();
// The metric output index (qac/metric.h) of a value output_selection() accepted.
int output_index_of(const std::string& selection);

}  // namespace qac::cli
