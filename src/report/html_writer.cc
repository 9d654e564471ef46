#include "report/html_writer.h"

#include <cmath>
#include <cstdio>

namespace qac::html {
namespace {

// Print-friendly and screen-readable; system fonts only (nothing is fetched).
constexpr const char* kStyle = R"(
:root { --ink:#1d232a; --muted:#5b6670; --line:#d5dbe1; --accent:#1f6feb; --bad:#c62828; --good:#2e7d32;
        --warn:#e07b00; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, "DejaVu Sans", "Liberation Sans", sans-serif; color: var(--ink);
       margin: 0 auto; padding: 24px 32px 48px; max-width: 1180px; background: #fff; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
p.note, .note { color: var(--muted); font-size: 12.5px; margin: 4px 0 8px; }
table { border-collapse: collapse; margin: 6px 0 10px; font-size: 12.5px; }
th, td { border-bottom: 1px solid var(--line); padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f3f5f7; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.names { font-family: "DejaVu Sans Mono", "Liberation Mono", monospace; font-size: 11.5px;
           word-break: break-all; max-width: 560px; }
tr.reverted td { background: #fff3e0; }
.verdict { display: flex; flex-wrap: wrap; gap: 12px; margin: 12px 0; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px; min-width: 150px; }
.card .label { color: var(--muted); font-size: 12px; }
.card .big { font-size: 22px; font-weight: 600; font-variant-numeric: tabular-nums; }
.card.met { border-color: var(--good); background: #edf7ee; }
.card.missed { border-color: var(--bad); background: #fdecea; }
svg { display: block; max-width: 100%; height: auto; margin: 6px 0; font-family: inherit; }
svg text { font-size: 11px; fill: var(--ink); }
svg .axis { stroke: #8a949e; stroke-width: 1; }
svg .grid { stroke: #e6eaee; stroke-width: 1; }
svg .budget { stroke: var(--bad); stroke-width: 1.5; stroke-dasharray: 6 4; }
details { margin: 6px 0 10px; }
details > summary { cursor: pointer; color: var(--accent); }
.legend span { display: inline-block; margin-right: 14px; font-size: 12px; }
.swatch { display: inline-block; width: 10px; height: 10px; margin-right: 4px; vertical-align: middle; }
@media print {
  body { padding: 0; max-width: none; font-size: 11px; }
  section { break-inside: avoid-page; }
  details > summary { color: var(--ink); }
}
)";

std::string special(double value) {
  if (std::isnan(value)) return "-";
  return value > 0 ? "+inf" : "-inf";
}

}  // namespace

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string number(double value, int significant) {
  if (!std::isfinite(value)) return special(value);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*g", significant, value);
  return buf;
}

std::string fixed(double value, int decimals) {
  if (!std::isfinite(value)) return special(value);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  return buf;
}

std::string exact(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", value);
  return buf;
}

std::string data_value(std::string_view key, double value) { return data_value(key, exact(value)); }

std::string data_value(std::string_view key, std::string_view value) {
  std::string out = " data-key=\"";
  out += escape(key);
  out += "\" data-value=\"";
  out += escape(value);
  out += '"';
  return out;
}

std::string cell(std::string_view text, std::string_view css_class) {
  std::string out = "<td";
  if (!css_class.empty()) {
    out += " class=\"";
    out += css_class;
    out += '"';
  }
  out += '>';
  out += escape(text);
  out += "</td>";
  return out;
}

std::string table(const std::vector<std::string>& header, const std::vector<std::string>& rows,
                  std::string_view css_class) {
  std::string out = "<table";
  if (!css_class.empty()) {
    out += " class=\"";
    out += css_class;
    out += '"';
  }
  out += "><thead><tr>";
  for (const std::string& h : header) {
    out += "<th>";
    out += escape(h);
    out += "</th>";
  }
  out += "</tr></thead><tbody>\n";
  for (const std::string& row : rows) {
    out += row;
    out += '\n';
  }
  out += "</tbody></table>\n";
  return out;
}

std::string folded(std::string_view summary_text, std::string_view content, bool open) {
  std::string out = open ? "<details open><summary>" : "<details><summary>";
  out += escape(summary_text);
  out += "</summary>\n";
  out += content;
  out += "</details>\n";
  return out;
}

std::string section(std::string_view id, std::string_view heading, std::string_view content) {
  std::string out = "<section id=\"";
  out += escape(id);
  out += "\"><h2>";
  out += escape(heading);
  out += "</h2>\n";
  out += content;
  out += "</section>\n";
  return out;
}

std::string page(std::string_view title, std::string_view body) {
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
                    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>";
  out += escape(title);
  out += "</title>\n<style>";
  out += kStyle;
  out += "</style></head>\n<body>\n";
  out += body;
  out += "</body></html>\n";
  return out;
}

}  // namespace qac::html
