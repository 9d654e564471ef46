#include "metrics/metric_output.h"

#include <cmath>

#include <nlohmann/json.hpp>

namespace qac {
namespace {

// Bytes of a malformed output quoted in the error message.
constexpr size_t kShownBytes = 200;

}  // namespace

Result<MetricValue> parse_metric_output(const std::string& output, size_t samples, const std::string& label) {
  const nlohmann::json j = nlohmann::json::parse(output, nullptr, /*allow_exceptions=*/false);
  const auto metric = j.is_object() ? j.find("metric") : j.end();
  if (j.is_discarded() || !j.is_object() || metric == j.end() || !metric->is_number()) {
    const std::string shown = output.size() > kShownBytes ? output.substr(0, kShownBytes) + "..." : output;
    return Status::InvalidData(label + " must print {\"metric\": number, \"per_sample\": [...]}, got: " + shown);
  }
  MetricValue v;
  v.value = metric->get<double>();
  if (!std::isfinite(v.value)) return Status::InvalidData(label + " returned a non-finite metric");
  const auto per_sample = j.find("per_sample");
  if (per_sample == j.end()) return v;
  if (!per_sample->is_array() || per_sample->size() != samples) {
    return Status::InvalidData(label + " returned per_sample with " +
                               std::to_string(per_sample->is_array() ? per_sample->size() : 0) + " values for " +
                               std::to_string(samples) + " samples");
  }
  v.per_sample.reserve(samples);
  for (const auto& x : *per_sample) {
    if (!x.is_number() || !std::isfinite(x.get<double>())) {
      return Status::InvalidData(label + " returned a non-numeric or non-finite per-sample value");
    }
    v.per_sample.push_back(x.get<double>());
  }
  return v;
}

}  // namespace qac
