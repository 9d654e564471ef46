#include "search/drop.h"

#include <cmath>
#include <string>

namespace qac {

Result<DropType> parse_drop_type(std::string_view text) {
  if (text == "absolute") return DropType::kAbsolute;
  if (text == "relative") return DropType::kRelative;
  return Status::InvalidArgument("drop type '" + std::string(text) +
                                 "': expected 'absolute' or 'relative'");
}

Result<double> accuracy_drop(double initial, double quantized, DropType type) {
  if (!std::isfinite(initial) || !std::isfinite(quantized)) {
    return Status::InvalidData("accuracy drop of non-finite metrics (initial " +
                               std::to_string(initial) + ", quantized " +
                               std::to_string(quantized) + ")");
  }
  const double difference = initial - quantized;
  if (type == DropType::kAbsolute) return difference;
  if (initial == 0.0) {
    return Status::InvalidArgument(
        "relative accuracy drop is undefined when the FP32 metric is 0; use the absolute drop");
  }
  return difference / std::fabs(initial);
}

}  // namespace qac
