#include "report/svg_charts.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "report/html_writer.h"

namespace qac::html {
namespace {

std::string coord(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string svg_open(double width, double height, const std::string& label) {
  std::string out = "<svg viewBox=\"0 0 ";
  out += coord(width);
  out += ' ';
  out += coord(height);
  out += "\" width=\"";
  out += coord(width);
  out += "\" height=\"";
  out += coord(height);
  out += "\" role=\"img\" aria-label=\"";
  out += escape(label);
  out += "\">\n";
  return out;
}

std::string text(double x, double y, const std::string& content, const std::string& extra = "") {
  std::string out = "<text x=\"";
  out += coord(x);
  out += "\" y=\"";
  out += coord(y);
  out += '"';
  if (!extra.empty()) {
    out += ' ';
    out += extra;
  }
  out += '>';
  out += escape(content);
  out += "</text>";
  return out;
}

std::string line(double x1, double y1, double x2, double y2, const std::string& css_class) {
  std::string out = "<line x1=\"";
  out += coord(x1);
  out += "\" y1=\"";
  out += coord(y1);
  out += "\" x2=\"";
  out += coord(x2);
  out += "\" y2=\"";
  out += coord(y2);
  out += "\" class=\"";
  out += css_class;
  out += "\"/>";
  return out;
}

std::string title(const std::string& tooltip) {
  if (tooltip.empty()) return "";
  std::string out = "<title>";
  out += escape(tooltip);
  out += "</title>";
  return out;
}

// "Nice" tick values covering [lo, hi].
std::vector<double> ticks(double lo, double hi, int wanted) {
  std::vector<double> out;
  const double span = hi - lo;
  if (!(span > 0) || !std::isfinite(span)) return {lo};
  const double raw = span / wanted;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  double step = magnitude;
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (m * magnitude >= raw) {
      step = m * magnitude;
      break;
    }
  }
  for (double t = std::ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) {
    out.push_back(std::abs(t) < step * 1e-9 ? 0.0 : t);
  }
  return out;
}

constexpr const char* kBarColor = "#6e8fb5";
constexpr const char* kHighlightColor = "#e07b00";

struct KindStyle {
  const char* color;
  const char* label;
};

const std::map<std::string, KindStyle>& kind_styles() {
  static const std::map<std::string, KindStyle> styles = {
      {"fp32", {"#2e7d32", "FP32"}},           {"int8", {"#c62828", "plain INT8"}},
      {"ranking", {"#8e6cc0", "ranking (subset)"}}, {"screen", {"#9aa5b1", "screen (predicted drop)"}},
      {"bracket", {"#1f6feb", "bracket (full set)"}}, {"confirm", {"#2e7d32", "confirm (full set)"}},
      {"un-revert", {"#e07b00", "un-revert"}},  {"revert", {"#1f6feb", "revert (full set)"}},
  };
  return styles;
}

KindStyle style_of(const std::string& kind) {
  const auto& styles = kind_styles();
  auto it = styles.find(kind);
  return it == styles.end() ? KindStyle{"#5b6670", "other"} : it->second;
}

// A marker of `kind` centred at (x, y): circles for measurements, a hollow circle for screens
// (predictions), a triangle for un-reverts.
std::string marker(const std::string& kind, double x, double y, bool full_set) {
  const KindStyle s = style_of(kind);
  std::string out;
  if (kind == "un-revert") {
    out = "<path d=\"M";
    out += coord(x) + "," + coord(y - 5.5);
    out += " L" + coord(x + 5) + "," + coord(y + 4);
    out += " L" + coord(x - 5) + "," + coord(y + 4) + " Z\" fill=\"";
    out += full_set ? s.color : "white";
    out += "\" stroke=\"";
    out += s.color;
    out += "\" stroke-width=\"1.5\"";
  } else if (kind == "confirm") {
    out = "<rect x=\"" + coord(x - 4.5) + "\" y=\"" + coord(y - 4.5) + "\" width=\"9\" height=\"9\" fill=\"";
    out += s.color;
    out += "\"";
  } else {
    out = "<circle cx=\"" + coord(x) + "\" cy=\"" + coord(y) + "\" r=\"4.5\" fill=\"";
    out += full_set ? s.color : "white";
    out += "\" stroke=\"";
    out += s.color;
    out += "\" stroke-width=\"1.5\"";
  }
  return out;
}

}  // namespace

std::string horizontal_bar_chart(const std::vector<Bar>& bars, const std::string& value_label) {
  constexpr double kWidth = 1080, kLabelWidth = 420, kAnnotationWidth = 190, kRow = 18, kTop = 22;
  constexpr double kValueText = 64;  // room for the value printed after the longest bar
  const double bar_area = kWidth - kLabelWidth - kAnnotationWidth - kValueText;
  double max_value = 0;
  for (const Bar& b : bars) {
    if (std::isfinite(b.value)) max_value = std::max(max_value, b.value);
  }
  const double height = kTop + kRow * static_cast<double>(bars.size()) + 6;
  std::string out = svg_open(kWidth, height, value_label);
  out += text(kLabelWidth, 14, value_label + " (longest bar " + number(max_value) + ")", "font-weight=\"600\"");
  out += '\n';
  for (size_t i = 0; i < bars.size(); ++i) {
    const Bar& b = bars[i];
    const double y = kTop + kRow * static_cast<double>(i);
    const double length = (max_value > 0 && std::isfinite(b.value) && b.value > 0) ? b.value / max_value * bar_area : 0;
    std::string label = b.label;
    if (label.size() > 64) label = label.substr(0, 61) + "...";
    out += "<g>";
    out += title(b.tooltip);
    out += text(kLabelWidth - 6, y + 12, label,
                std::string("text-anchor=\"end\"") + (b.highlighted ? " font-weight=\"700\"" : ""));
    out += "<rect x=\"" + coord(kLabelWidth) + "\" y=\"" + coord(y + 2) + "\" width=\"" + coord(std::max(length, 0.5)) +
           "\" height=\"" + coord(kRow - 5) + "\" fill=\"";
    out += b.highlighted ? kHighlightColor : kBarColor;
    out += '"';
    if (!b.data_key.empty()) out += data_value(b.data_key, b.value);
    out += "/>";
    out += text(kLabelWidth + length + 4, y + 12, number(b.value, 3));
    if (!b.annotation.empty()) out += text(kWidth - kAnnotationWidth + 4, y + 12, b.annotation, "fill=\"#5b6670\"");
    out += "</g>\n";
  }
  out += "</svg>\n";
  return out;
}

std::string column_chart(const std::vector<Column>& columns, const std::string& y_label) {
  constexpr double kWidth = 1080, kHeight = 240, kLeft = 56, kRight = 12, kTop = 16, kBottom = 28;
  double lo = 0, hi = 0;
  for (const Column& c : columns) {
    if (!std::isfinite(c.value)) continue;
    lo = std::min(lo, c.value);
    hi = std::max(hi, c.value);
  }
  if (hi <= lo) hi = lo + 1;
  const double plot_w = kWidth - kLeft - kRight, plot_h = kHeight - kTop - kBottom;
  auto y_of = [&](double v) { return kTop + (hi - v) / (hi - lo) * plot_h; };
  std::string out = svg_open(kWidth, kHeight, y_label);
  for (double t : ticks(lo, hi, 5)) {
    out += line(kLeft, y_of(t), kWidth - kRight, y_of(t), "grid");
    out += text(kLeft - 6, y_of(t) + 4, number(t, 3), "text-anchor=\"end\"");
  }
  out += line(kLeft, kTop, kLeft, kTop + plot_h, "axis");
  out += line(kLeft, y_of(0), kWidth - kRight, y_of(0), "axis");
  out += text(kLeft, kHeight - 8, y_label + ", left to right in graph order (" + std::to_string(columns.size()) +
                                      " ops); hover a column for its node");
  out += '\n';
  const double slot = columns.empty() ? plot_w : plot_w / static_cast<double>(columns.size());
  const double w = std::max(1.0, slot * 0.8);
  for (size_t i = 0; i < columns.size(); ++i) {
    const Column& c = columns[i];
    double v = c.value;
    const bool identical = std::isinf(v) && v > 0;
    if (identical) v = hi;
    if (!std::isfinite(v)) v = 0;
    const double x = kLeft + slot * static_cast<double>(i) + (slot - w) / 2;
    const double y0 = y_of(0), y1 = y_of(v);
    out += "<rect x=\"" + coord(x) + "\" y=\"" + coord(std::min(y0, y1)) + "\" width=\"" + coord(w) + "\" height=\"" +
           coord(std::max(std::abs(y1 - y0), 0.5)) + "\" fill=\"";
    out += identical ? "#c5d3e3" : (c.highlighted ? kHighlightColor : kBarColor);
    out += '"';
    if (!c.data_key.empty()) out += data_value(c.data_key, c.value);
    out += '>';
    out += title(c.tooltip);
    out += "</rect>\n";
  }
  out += "</svg>\n";
  return out;
}

namespace {

// The search plot's legend, as HTML below it: each step kind present, the returned ring.
std::string search_legend(const std::vector<SearchStepRecord>& steps) {
  std::string out;
  out += "<div class=\"legend\">";
  std::map<std::string, bool> seen;
  for (const SearchStepRecord& s : steps) {
    if (seen[s.kind]) continue;
    seen[s.kind] = true;
    const KindStyle st = style_of(s.kind);
    out += "<span><span class=\"swatch\" style=\"background:";
    out += st.color;
    out += "\"></span>";
    out += escape(st.label);
    out += "</span>";
  }
  out += "<span><span class=\"swatch\" style=\"border:2px solid #1d232a;border-radius:50%\"></span>returned "
         "configuration</span><span>hollow: screened on a subset (predicted drop)</span></div>\n";
  return out;
}

}  // namespace

std::string search_plot(const std::vector<SearchStepRecord>& steps, double max_drop) {
  constexpr double kWidth = 1080, kHeight = 360, kLeft = 64, kRight = 16, kTop = 16, kLane = 26, kBottom = 40;
  const double plot_w = kWidth - kLeft - kRight, plot_h = kHeight - kTop - kBottom - kLane;
  double lo = 0, hi = std::isfinite(max_drop) ? max_drop : 0;
  for (const SearchStepRecord& s : steps) {
    if (s.drop && std::isfinite(*s.drop)) {
      lo = std::min(lo, *s.drop);
      hi = std::max(hi, *s.drop);
    }
  }
  const double pad = (hi - lo) * 0.08 + 1e-12;
  lo -= lo < 0 ? pad : 0;
  hi += pad;
  const size_t n = std::max<size_t>(steps.size(), 1);
  auto x_of = [&](size_t i) { return kLeft + plot_w * (static_cast<double>(i) + 0.5) / static_cast<double>(n); };
  auto y_of = [&](double v) { return kTop + (hi - v) / (hi - lo) * plot_h; };
  std::string out = svg_open(kWidth, kHeight, "search: drop against evaluations");
  for (double t : ticks(lo, hi, 6)) {
    out += line(kLeft, y_of(t), kWidth - kRight, y_of(t), "grid");
    out += text(kLeft - 6, y_of(t) + 4, number(t, 3), "text-anchor=\"end\"");
  }
  out += line(kLeft, kTop, kLeft, kTop + plot_h, "axis");
  out += line(kLeft, kTop + plot_h, kWidth - kRight, kTop + plot_h, "axis");
  out += line(kLeft, y_of(max_drop), kWidth - kRight, y_of(max_drop), "budget");
  out += text(kLeft + 6, y_of(max_drop) - 5, "budget " + number(max_drop), "fill=\"#c62828\"");
  const double lane_y = kTop + plot_h + kLane / 2 + 2;
  out += text(kLeft - 6, lane_y + 4, "ranking", "text-anchor=\"end\" fill=\"#8e6cc0\"");
  for (double t : ticks(1, static_cast<double>(n), 10)) {
    const size_t i = static_cast<size_t>(std::llround(t)) - 1;
    if (i >= n || t != std::floor(t)) continue;
    out += text(x_of(i), kHeight - kBottom + 16, std::to_string(i + 1), "text-anchor=\"middle\"");
  }
  out += text(kLeft + plot_w / 2, kHeight - 6, "evaluation (in order)", "text-anchor=\"middle\"");
  out += text(14, kTop + plot_h / 2, "drop vs FP32",
              "text-anchor=\"middle\" transform=\"rotate(-90 14 " + coord(kTop + plot_h / 2) + ")\"");
  out += '\n';
  for (size_t i = 0; i < steps.size(); ++i) {
    const SearchStepRecord& s = steps[i];
    std::string tip = std::to_string(i + 1) + ": " + s.kind + ", " + std::to_string(s.groups_in_float.size()) +
                      " groups in float, metric " + number(s.metric, 6);
    if (s.drop) tip += ", drop " + number(*s.drop, 4) + (s.full_set ? "" : " (predicted)");
    tip += " on " + std::to_string(s.sample_count) + " samples";
    if (s.reused) tip += ", reused";
    if (s.returned) tip += " - RETURNED";
    std::string attrs = " data-step=\"" + std::to_string(i) + "\" data-kind=\"" + escape(s.kind) + "\"" +
                        " data-metric=\"" + exact(s.metric) + "\"";
    if (s.drop) attrs += " data-drop=\"" + exact(*s.drop) + "\"";
    out += "<g class=\"step\"";
    out += attrs;
    out += '>';
    out += title(tip);
    const double x = x_of(i);
    if (s.drop && std::isfinite(*s.drop)) {
      const double y = y_of(*s.drop);
      if (s.returned) {
        out += "<circle cx=\"" + coord(x) + "\" cy=\"" + coord(y) +
               "\" r=\"10\" fill=\"none\" stroke=\"#1d232a\" stroke-width=\"2.5\"/>";
      }
      out += marker(s.kind, x, y, s.full_set);
      out += "/>";
    } else {
      out += "<rect x=\"" + coord(x - 1.5) + "\" y=\"" + coord(lane_y - 7) + "\" width=\"3\" height=\"14\" fill=\"";
      out += style_of(s.kind).color;
      out += "\"/>";
    }
    out += "</g>\n";
  }
  out += "</svg>\n";
  out += search_legend(steps);
  return out;
}

}  // namespace qac::html
