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

}  // namespace qac::cli
