// The sections of the HTML report, each a self-contained HTML fragment. Numbers that the JSON
// report also holds carry data-key / data-value attributes whose keys are the JSON paths
// (dots between members and array indices), prefixed by `prefix` where the section renders a
// nested object ("quantization." for the QuantizationReport inside an AccuracyControlReport).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "qac/accuracy_control.h"
#include "qac/quantize.h"

namespace qac::html {

// Groups / layers / calibration ranges shown in full before the rest is folded into a table.
inline constexpr size_t kTopGroups = 40;
inline constexpr size_t kTopLayers = 20;
inline constexpr size_t kTopRanges = 40;

// FP32, plain INT8 and final metric, drops with the 95% interval against the budget, groups in
// float, latency.
std::string verdict_section(const AccuracyControlReport& report);
// The search plot and the table of every evaluation (folded).
std::string search_section(const AccuracyControlReport& report);
// Per-group probe and ranking score: the top groups by probe as bars, the rest in a folded table.
std::string sensitivity_section(const AccuracyControlReport& report);
// Per-layer SQNR of plain INT8 in graph order, the worst layers in a table.
std::string layer_error_section(const AccuracyControlReport& report);
// Placement summary, activation ranges, nodes left in float, latency of plain quantize().
std::string calibration_section(const QuantizationReport& report, const std::string& prefix);
// The options of the run (a flat table of the JSON report's "options" object); `applied`
// differs from `given` when hyperparameter tuning chose other quantization options.
std::string options_section(const nlohmann::json& given, const nlohmann::json& applied);
// Time per phase and evaluations in full-pass equivalents.
std::string time_section(const AccuracyControlReport& report);
// Latency of plain quantize() (FP32 vs INT8).
std::string speed_section(const QuantizationReport& report, const std::string& prefix);

}  // namespace qac::html
