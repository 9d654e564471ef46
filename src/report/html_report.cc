// The public entries of qac/html_report.h: the report's sections in reading order, framed as
// one page.
#include "qac/html_report.h"

#include "api/options_json.h"
#include "core/atomic_file.h"
#include "qac/version.h"
#include "report/html_sections.h"
#include "report/html_writer.h"

namespace qac {
namespace {

std::string heading(const std::string& what, const std::string& model_label, const std::string& subtitle) {
  std::string title = "qac " + what;
  if (!model_label.empty()) title += ": " + model_label;
  std::string out = "<header><h1>" + html::escape(title) + "</h1><p class=\"note\">" + html::escape(subtitle) +
                    "</p></header>\n";
  out += "<nav class=\"note\">";
  return out;
}

std::string title_of(const std::string& what, const std::string& model_label) {
  return model_label.empty() ? "qac " + what : "qac " + what + ": " + model_label;
}

}  // namespace

std::string render_html_report(const AccuracyControlReport& report, const std::string& model_label) {
  std::string subtitle = "qac " + std::string(version()) + ", metric " + report.metric_name + ", " + report.drop_type +
                         " drop budget " + html::number(report.max_drop, 4) + ", strategy " + report.strategy +
                         ", target " + report.quantization.target;
  if (!report.tuned_settings.empty()) subtitle += ", tuned: " + report.tuned_settings;
  std::string body = heading("accuracy-control report", model_label, subtitle);
  body += "Sections: verdict, search, per-group sensitivity, per-layer error, calibration, speed, time, "
          "options.</nav>\n";
  body += html::verdict_section(report);
  body += html::search_section(report);
  body += html::sensitivity_section(report);
  body += html::layer_error_section(report);
  body += html::calibration_section(report.quantization, "quantization.");
  body += html::time_section(report);
  body += html::options_section(options_to_json(report.options), options_to_json(report.quantization.options));
  return html::page(title_of("accuracy-control report", model_label), body);
}

std::string render_html_report(const QuantizationReport& report, const std::string& model_label) {
  const std::string subtitle = "qac " + std::string(version()) + ", target " + report.target +
                               ", no accuracy control (quantize with --validation for the search, sensitivities "
                               "and per-layer error)";
  std::string body = heading("quantization report", model_label, subtitle);
  body += "Sections: speed, calibration, options.</nav>\n";
  body += html::speed_section(report, "");
  body += html::calibration_section(report, "");
  const nlohmann::json options = options_to_json(report.options);
  body += html::options_section(options, options);
  return html::page(title_of("quantization report", model_label), body);
}

Status write_html_report(const AccuracyControlReport& report, const std::filesystem::path& path,
                         const std::string& model_label) {
  return write_file_atomically(path, render_html_report(report, model_label));
}

Status write_html_report(const QuantizationReport& report, const std::filesystem::path& path,
                         const std::string& model_label) {
  return write_file_atomically(path, render_html_report(report, model_label));
}

}  // namespace qac
