// The report of a run as one self-contained HTML page: inline CSS and SVG, no script, nothing
// fetched, readable from disk and on paper. With accuracy control it shows the verdict (FP32,
// plain INT8 and final metric, the drop and its 95% interval against the budget, latency), the
// search (every evaluation against the budget), per-group sensitivity, per-layer SQNR of plain
// INT8, the calibration ranges, the options and the time per phase; without accuracy control,
// what quantize() reports (calibration, nodes left in float, latency).
//
// Every number the page shows that the JSON report also holds is written with full precision
// in a data-key / data-value attribute pair of the element showing it (keys as in to_json()).
#pragma once

#include <filesystem>
#include <string>

#include "qac/accuracy_control.h"
#include "qac/quantize.h"
#include "qac/status.h"

namespace qac {

// `model_label` names the model in the title (e.g. its path); may be empty.
std::string render_html_report(const AccuracyControlReport& report, const std::string& model_label = "");
std::string render_html_report(const QuantizationReport& report, const std::string& model_label = "");

// Renders and writes the page atomically (core of every qac output: a temporary file in the
// same folder, flushed, renamed). IoError / InvalidArgument name `path`.
Status write_html_report(const AccuracyControlReport& report, const std::filesystem::path& path,
                         const std::string& model_label = "");
Status write_html_report(const QuantizationReport& report, const std::filesystem::path& path,
                         const std::string& model_label = "");

}  // namespace qac
