// Accuracy drop between a reference (FP32) metric and a candidate (quantized) metric.
// Metrics are "higher is better".
//
//   absolute: drop = initial - quantized
//   relative: drop = (initial - quantized) / |initial|
//
// A candidate better than the reference has a negative drop. For quantized < initial the
// relative formula equals NNCF's |1 - quantized / initial| for positive and negative initial
// metrics alike; NNCF stops as soon as quantized >= initial, which a negative drop also
// satisfies for any max_drop >= 0.
#pragma once

#include <string_view>

#include "qac/accuracy_control.h"
#include "qac/status.h"

namespace qac {

// Parses "absolute" / "relative"; InvalidArgument naming the value otherwise.
Result<DropType> parse_drop_type(std::string_view text);

// The drop of `quantized` against `initial`.
// Errors: InvalidData when a metric is not finite; InvalidArgument when `type` is relative
// and `initial` is 0 (the relative drop is undefined).
Result<double> accuracy_drop(double initial, double quantized, DropType type);

}  // namespace qac
