#include "report/html_sections.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>

#include "api/options_json.h"
#include "report/html_writer.h"
#include "report/svg_charts.h"

namespace qac::html {
namespace {

std::string num_cell(std::string_view key, double value, const std::string& shown) {
  std::string out = "<td class=\"num\"";
  if (!key.empty()) out += data_value(key, value);
  out += '>';
  out += escape(shown);
  out += "</td>";
  return out;
}

std::string card(const std::string& label, const std::string& big, const std::string& detail,
                 const std::string& key = "", double value = 0, const std::string& css = "") {
  std::string out = "<div class=\"card";
  if (!css.empty()) out += " " + css;
  out += "\"><div class=\"label\">" + escape(label) + "</div><div class=\"big\"";
  if (!key.empty()) out += data_value(key, value);
  out += ">" + escape(big) + "</div>";
  if (!detail.empty()) out += "<div class=\"note\">" + escape(detail) + "</div>";
  out += "</div>";
  return out;
}

std::string joined(const std::vector<std::string>& items, const std::string& separator) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += separator;
    out += items[i];
  }
  return out;
}

std::string unique_op_types(const std::vector<std::string>& op_types) {
  std::vector<std::string> unique;
  for (const auto& t : op_types) {
    if (std::find(unique.begin(), unique.end(), t) == unique.end()) unique.push_back(t);
  }
  return joined(unique, "+");
}

std::string group_key(int id, const char* field) { return "groups." + std::to_string(id) + "." + field; }

std::string group_row(const GroupSensitivity& g) {
  std::string row = g.reverted ? "<tr class=\"reverted\">" : "<tr>";
  row += cell(std::to_string(g.id), "num");
  row += num_cell(g.probe ? group_key(g.id, "probe") : "", g.probe.value_or(NAN), g.probe ? number(*g.probe, 3) : "-");
  row += num_cell(g.ranking_score ? group_key(g.id, "ranking_score") : "", g.ranking_score.value_or(NAN),
                  g.ranking_score ? number(*g.ranking_score, 5) : "-");
  row += cell(g.reverted ? "float" : "int8");
  row += cell(unique_op_types(g.op_types));
  row += cell(joined(g.nodes, ", "), "names");
  row += "</tr>";
  return row;
}

const std::vector<std::string> kGroupHeader = {"group", "probe", "ranking score", "returned as", "op types",
                                               "ONNX nodes"};

}  // namespace

std::string verdict_section(const AccuracyControlReport& r) {
  std::string body = "<div class=\"verdict\">";
  body += card(r.budget_met ? "budget met" : "budget NOT met",
               r.budget_met ? "yes" : "no",
               r.drop_type + " drop " + number(r.final_drop, 4) + " vs budget " + number(r.max_drop, 4), "budget_met",
               r.budget_met ? 1 : 0, r.budget_met ? "met" : "missed");
  body += card("FP32 " + r.metric_name, fixed(r.fp32_metric, 4), "", "fp32_metric", r.fp32_metric);
  body += card("plain INT8", fixed(r.int8_metric, 4), "drop " + number(r.int8_drop, 4), "int8_metric", r.int8_metric);
  std::string final_detail = "drop " + number(r.final_drop, 4);
  if (r.has_interval) final_detail += ", 95% CI [" + number(r.drop_low, 4) + ", " + number(r.drop_high, 4) + "]";
  body += card("final model", fixed(r.final_metric, 4), final_detail, "final_metric", r.final_metric);
  body += card("groups in float", std::to_string(r.reverted.size()) + " of " + std::to_string(r.total_groups),
               "strategy " + r.strategy, "groups_in_float", static_cast<double>(r.reverted.size()));
  if (r.latency.measured) {
    body += card("latency final / FP32", fixed(r.latency.final_ms / r.latency.fp32_ms, 3) + "x",
                 "FP32 " + fixed(r.latency.fp32_ms, 3) + " ms, plain INT8 " + fixed(r.latency.int8_ms, 3) +
                     " ms, final " + fixed(r.latency.final_ms, 3) + " ms");
  }
  body += "</div>\n";
  std::vector<std::string> rows;
  auto row = [&](const std::string& what, const std::string& key, double value, const std::string& shown) {
    rows.push_back("<tr>" + cell(what) + num_cell(key, value, shown) + "</tr>");
  };
  row("FP32 metric", "fp32_metric", r.fp32_metric, fixed(r.fp32_metric, 6));
  row("plain INT8 metric", "int8_metric", r.int8_metric, fixed(r.int8_metric, 6));
  row("final metric", "final_metric", r.final_metric, fixed(r.final_metric, 6));
  row("plain INT8 drop", "int8_drop", r.int8_drop, number(r.int8_drop, 6));
  row("final drop", "final_drop", r.final_drop, number(r.final_drop, 6));
  if (r.has_interval) {
    row("final drop, 95% CI low", "final_drop_ci95.0", r.drop_low, number(r.drop_low, 6));
    row("final drop, 95% CI high", "final_drop_ci95.1", r.drop_high, number(r.drop_high, 6));
  }
  for (size_t k = 0; k < r.per_output.size(); ++k) {
    const auto& o = r.per_output[k];
    const std::string key = "per_output." + std::to_string(k);
    row("output '" + o.output + "': plain INT8", key + ".int8", o.int8, fixed(o.int8, 6));
    row("output '" + o.output + "': final", key + ".final", o.final_value, fixed(o.final_value, 6));
  }
  row("budget (max drop, " + r.drop_type + ")", "max_drop", r.max_drop, number(r.max_drop, 6));
  row("quantizer groups", "total_groups", r.total_groups, std::to_string(r.total_groups));
  if (r.latency.measured) {
    row("latency FP32 (ms)", "latency.fp32_ms", r.latency.fp32_ms, fixed(r.latency.fp32_ms, 3));
    row("latency plain INT8 (ms)", "latency.int8_ms", r.latency.int8_ms, fixed(r.latency.int8_ms, 3));
    row("latency final (ms)", "latency.final_ms", r.latency.final_ms, fixed(r.latency.final_ms, 3));
  }
  body += table({"", "value"}, rows, "verdict-table");
  body += "<p class=\"note\">The final metric is measured by a fresh ONNX Runtime session on the bytes written; "
          "latency: ONNX Runtime, 1 thread, batch 1, runs interleaved.</p>\n";
  if (!r.reverted.empty()) {
    std::vector<std::string> reverted_rows;
    for (const RevertedGroup& g : r.reverted) {
      std::string row_html = "<tr>" + cell(std::to_string(g.id), "num") + cell(unique_op_types(g.op_types)) +
                             cell(joined(g.nodes, ", "), "names");
      row_html += g.float_cost_us ? num_cell("", *g.float_cost_us, number(*g.float_cost_us, 3)) : cell("-");
      reverted_rows.push_back(row_html + "</tr>");
    }
    body += "<p>Groups returned to float:</p>" +
            table({"group", "op types", "ONNX nodes", "float minus int8 time (us)"}, reverted_rows);
  }
  return section("verdict", "Verdict", body);
}

std::string search_section(const AccuracyControlReport& r) {
  std::string body;
  body += "<p class=\"note\">Each mark is one step of the search's log: its drop against FP32 (filled: " +
          std::string("measured on all validation samples; hollow: predicted from a subset), the dashed line the "
                      "budget; a step the search answered from a configuration it had already measured repeats "
                      "that evaluation. Ranking evaluations (one group in float on the ranking subset) are ticks "
                      "below the axis. ") +
          std::to_string(r.search_steps.size()) + " steps, " + std::to_string(r.evaluations) + " evaluations, " +
          number(r.full_pass_equivalents, 3) + " full validation passes.</p>\n";
  body += search_plot(r.search_steps, r.max_drop);
  std::vector<std::string> rows;
  for (size_t i = 0; i < r.search_steps.size(); ++i) {
    const SearchStepRecord& s = r.search_steps[i];
    std::string groups;
    for (size_t k = 0; k < s.groups_in_float.size(); ++k) {
      if (k) groups += ',';
      groups += std::to_string(s.groups_in_float[k]);
    }
    std::string row = s.returned ? "<tr class=\"reverted\">" : "<tr>";
    row += cell(std::to_string(i + 1), "num") + cell(s.kind) + cell(groups, "names") +
           num_cell("search_steps." + std::to_string(i) + ".metric", s.metric, number(s.metric, 6)) +
           (s.drop ? num_cell("search_steps." + std::to_string(i) + ".drop", *s.drop, number(*s.drop, 4)) : cell("-")) +
           cell(std::to_string(s.sample_count) + (s.full_set ? " (all)" : "") + (s.approximate ? ", switchable" : "") +
                    (s.reused ? ", reused" : ""),
                "num") +
           cell(s.returned ? "returned" : "") + "</tr>";
    rows.push_back(row);
  }
  body += folded("every evaluation (" + std::to_string(rows.size()) + ")",
                 table({"#", "kind", "groups in float", "metric", "drop", "samples", ""}, rows));
  return section("search", "Search", body);
}

std::string sensitivity_section(const AccuracyControlReport& r) {
  std::string body;
  if (r.groups.empty()) return section("sensitivity", "Per-group sensitivity", "<p>No quantizer groups.</p>");
  std::vector<const GroupSensitivity*> order;
  for (const auto& g : r.groups) order.push_back(&g);
  // Most harmful first by the probe; unprobed groups by ranking score, then id.
  std::stable_sort(order.begin(), order.end(), [](const GroupSensitivity* a, const GroupSensitivity* b) {
    const double pa = a->probe.value_or(-1), pb = b->probe.value_or(-1);
    if (pa != pb) return pa > pb;
    return a->ranking_score.value_or(-INFINITY) > b->ranking_score.value_or(-INFINITY);
  });
  body += "<p class=\"note\">Probe: the relative output noise a group's own quantizers add in plain INT8 (FP32 vs "
          "INT8 intermediate tensors on " +
          std::to_string(r.layer_error_samples) +
          " validation samples), the cheap signal that picks the candidates. Ranking score: what the search "
          "measured with the group alone in float (" +
          std::string(r.strategy == "qac" ? "the predicted full-set metric" : "the ranking-subset metric, or -NMSE") +
          "). Orange: returned to float. " + std::to_string(r.groups.size()) + " groups.</p>\n";
  std::vector<Bar> bars;
  const size_t top = std::min(kTopGroups, order.size());
  for (size_t i = 0; i < top; ++i) {
    const GroupSensitivity& g = *order[i];
    Bar b;
    b.label = "g" + std::to_string(g.id) + " " + unique_op_types(g.op_types) + " " + (g.nodes.empty() ? "" : g.nodes[0]);
    if (g.nodes.size() > 1) b.label += " +" + std::to_string(g.nodes.size() - 1);
    b.value = g.probe.value_or(NAN);
    b.highlighted = g.reverted;
    if (g.ranking_score) b.annotation = "score " + number(*g.ranking_score, 5);
    b.tooltip = "group " + std::to_string(g.id) + ": " + joined(g.nodes, ", ");
    bars.push_back(std::move(b));
  }
  body += horizontal_bar_chart(bars, "probe (relative output noise), top " + std::to_string(top) + " groups");
  std::vector<std::string> rows;
  for (const GroupSensitivity* g : order) rows.push_back(group_row(*g));
  std::vector<std::string> head(rows.begin(), rows.begin() + static_cast<long>(top));
  body += table(kGroupHeader, head);
  if (rows.size() > top) {
    std::vector<std::string> rest(rows.begin() + static_cast<long>(top), rows.end());
    body += folded("the other " + std::to_string(rest.size()) + " groups", table(kGroupHeader, rest));
  }
  return section("sensitivity", "Per-group sensitivity", body);
}

std::string layer_error_section(const AccuracyControlReport& r) {
  if (r.layer_errors.empty()) {
    return section("layers", "Per-layer error of plain INT8", "<p>Not measured (no quantizer groups).</p>");
  }
  std::set<int> reverted;
  for (const auto& g : r.reverted) reverted.insert(g.id);
  std::string body = "<p class=\"note\">SQNR of each quantized op's output in the plain INT8 model against FP32, "
                     "10 log10(signal / error) over " +
                     std::to_string(r.layer_error_samples) +
                     " validation samples (lower = more error; error accumulates along the graph, so a drop "
                     "between neighbours shows where it enters). Orange: in a group returned to float.</p>\n";
  std::vector<Column> columns;
  for (size_t i = 0; i < r.layer_errors.size(); ++i) {
    const LayerError& e = r.layer_errors[i];
    Column c;
    c.value = e.sqnr_db;
    c.highlighted = reverted.count(e.group) > 0;
    c.tooltip = e.node + " (" + e.op_type + ", group " + std::to_string(e.group) + "): " + number(e.sqnr_db, 4) + " dB";
    columns.push_back(std::move(c));
  }
  body += column_chart(columns, "SQNR (dB)");
  std::vector<size_t> order(r.layer_errors.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return r.layer_errors[a].sqnr_db < r.layer_errors[b].sqnr_db; });
  auto row_of = [&](size_t i) {
    const LayerError& e = r.layer_errors[i];
    std::string row = reverted.count(e.group) ? "<tr class=\"reverted\">" : "<tr>";
    row += cell(std::to_string(i + 1), "num") + cell(e.node, "names") + cell(e.op_type) +
           cell(std::to_string(e.group), "num") +
           num_cell("layer_sqnr.layers." + std::to_string(i) + ".sqnr_db", e.sqnr_db, fixed(e.sqnr_db, 2)) + "</tr>";
    return row;
  };
  const std::vector<std::string> header = {"graph position", "ONNX node", "op type", "group", "SQNR (dB)"};
  std::vector<std::string> worst, all;
  for (size_t k = 0; k < order.size() && k < kTopLayers; ++k) worst.push_back(row_of(order[k]));
  body += "<p>The " + std::to_string(worst.size()) + " layers with the lowest SQNR:</p>" + table(header, worst);
  for (size_t i = 0; i < r.layer_errors.size(); ++i) all.push_back(row_of(i));
  body += folded("every layer in graph order (" + std::to_string(all.size()) + ")", table(header, all));
  return section("layers", "Per-layer error of plain INT8", body);
}

std::string calibration_section(const QuantizationReport& q, const std::string& prefix) {
  std::string body = "<p>Target <b>" + escape(q.target) + "</b>, overflow fix " + escape(q.overflow_fix) + ", " +
                     "<span" + data_value(prefix + "calibration_samples", static_cast<double>(q.calibration_samples)) +
                     ">" + std::to_string(q.calibration_samples) + "</span> calibration samples, " +
                     std::to_string(q.activation_quantizers) + " activation and " +
                     std::to_string(q.weight_quantizers) + " weight quantizers.</p>\n";
  std::vector<std::string> op_rows;
  for (const auto& [type, count] : q.quantized_ops_per_type) {
    op_rows.push_back("<tr>" + cell(type) + cell(std::to_string(count), "num") + "</tr>");
  }
  body += table({"quantized op type", "nodes"}, op_rows);
  auto range_row = [&](size_t i) {
    const auto& a = q.activation_ranges[i];
    const std::string key = prefix + "activation_ranges." + std::to_string(i) + ".";
    return "<tr>" + cell(a.tensor, "names") + num_cell(key + "observed.0", a.observed_min, number(a.observed_min, 4)) +
           num_cell(key + "observed.1", a.observed_max, number(a.observed_max, 4)) +
           num_cell(key + "range.0", a.range_min, number(a.range_min, 4)) +
           num_cell(key + "range.1", a.range_max, number(a.range_max, 4)) +
           num_cell(key + "scale", a.scale, number(a.scale, 4)) +
           num_cell(key + "zero_point", a.zero_point, std::to_string(a.zero_point)) + cell(a.type) + "</tr>";
  };
  const std::vector<std::string> header = {"tensor", "seen min", "seen max", "range min", "range max", "scale",
                                           "zero point", "type"};
  std::vector<std::string> rows;
  for (size_t i = 0; i < q.activation_ranges.size(); ++i) rows.push_back(range_row(i));
  body += "<p>Activation ranges chosen by the <b>" +
          escape(options_to_json(q.options).value("activation_estimator", std::string("?"))) +
          "</b> estimator (seen: global min and max over the calibration samples; the range is widened to "
          "include 0 before scale and zero point are derived):</p>\n";
  const size_t top = std::min(kTopRanges, rows.size());
  body += table(header, std::vector<std::string>(rows.begin(), rows.begin() + static_cast<long>(top)));
  if (rows.size() > top) {
    body += folded("the other " + std::to_string(rows.size() - top) + " activation ranges",
                   table(header, std::vector<std::string>(rows.begin() + static_cast<long>(top), rows.end())));
  }
  std::vector<std::string> skipped_rows;
  for (const auto& s : q.skipped) {
    skipped_rows.push_back("<tr>" + cell(s.node, "names") + cell(s.op_type) + cell(s.reason) + "</tr>");
  }
  if (!skipped_rows.empty()) {
    body += folded(std::to_string(skipped_rows.size()) + " nodes left in float, and why",
                   table({"ONNX node", "op type", "reason"}, skipped_rows));
  }
  if (!q.normalization.empty()) {
    std::vector<std::string> norm_rows;
    for (const auto& n : q.normalization) norm_rows.push_back("<tr>" + cell(n) + "</tr>");
    body += folded("rewrites of the input model (" + std::to_string(norm_rows.size()) + ")", table({"rewrite"}, norm_rows));
  }
  return section("calibration", "Calibration and placement", body);
}

std::string options_section(const nlohmann::json& given, const nlohmann::json& applied) {
  std::vector<std::string> rows;
  for (const auto& [key, value] : given.items()) {
    std::string row = "<tr>" + cell(key) + cell(value.is_string() ? value.get<std::string>() : value.dump(), "names");
    if (applied.is_object() && applied.contains(key) && applied[key] != value) {
      row += cell("applied: " + (applied[key].is_string() ? applied[key].get<std::string>() : applied[key].dump()));
    } else {
      row += cell("");
    }
    rows.push_back(row + "</tr>");
  }
  return section("options", "Options", table({"option", "value", ""}, rows));
}

std::string time_section(const AccuracyControlReport& r) {
  double total = 0;
  for (const auto& [phase, secs] : r.seconds_per_phase) total += secs;
  std::vector<Bar> bars;
  std::vector<std::string> rows;
  for (const auto& [phase, secs] : r.seconds_per_phase) {
    Bar b;
    b.label = phase;
    b.value = secs;
    b.annotation = total > 0 ? fixed(100 * secs / total, 1) + "%" : "";
    b.data_key = "seconds_per_phase." + phase;
    bars.push_back(std::move(b));
    rows.push_back("<tr>" + cell(phase) + num_cell("seconds_per_phase." + phase, secs, fixed(secs, 2)) + "</tr>");
  }
  std::string body = "<p><span" + data_value("evaluations", static_cast<double>(r.evaluations)) + ">" +
                     std::to_string(r.evaluations) + "</span> evaluations by the search, costing <span" +
                     data_value("full_pass_equivalents", r.full_pass_equivalents) + ">" +
                     number(r.full_pass_equivalents, 4) + "</span> full passes over the validation set; " +
                     fixed(total, 1) + " s in all.</p>\n";
  body += horizontal_bar_chart(bars, "seconds per phase");
  body += folded("time per phase", table({"phase", "seconds"}, rows));
  return section("time", "Time", body);
}

std::string speed_section(const QuantizationReport& q, const std::string& prefix) {
  if (!q.speed.measured) return section("speed", "Speed", "<p>Latency not measured (--no-latency).</p>");
  std::vector<std::string> rows;
  rows.push_back("<tr>" + cell("FP32 (ms)") + num_cell(prefix + "latency.fp32_ms", q.speed.fp32_ms, fixed(q.speed.fp32_ms, 3)) + "</tr>");
  rows.push_back("<tr>" + cell("INT8 (ms)") + num_cell(prefix + "latency.int8_ms", q.speed.int8_ms, fixed(q.speed.int8_ms, 3)) + "</tr>");
  rows.push_back("<tr>" + cell("INT8 / FP32") + num_cell(prefix + "latency.int8_over_fp32", q.speed.ratio, fixed(q.speed.ratio, 3)) + "</tr>");
  if (std::isfinite(q.speed.int8_mac_share)) {
    rows.push_back("<tr>" + cell("MACs in int8 kernels") +
                   num_cell(prefix + "latency.int8_mac_share", q.speed.int8_mac_share,
                            fixed(100 * q.speed.int8_mac_share, 1) + "%") + "</tr>");
  }
  return section("speed", "Speed", table({"", "value"}, rows) +
                 "<p class=\"note\">ONNX Runtime, 1 thread, one calibration sample, 15 interleaved rounds.</p>\n");
}

}  // namespace qac::html
