// The HTML report page: escaping, self-containment, folding of many groups, size, and the
// numbers it states against the JSON report of the same run.
#include "qac/html_report.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <regex>
#include <sstream>

#include <nlohmann/json.hpp>

#include "report/html_writer.h"
#include "support/html_values.h"
#include "support/scratch_dir.h"

namespace qac {
namespace {

constexpr size_t kMaxPageBytes = size_t{2} << 20;

size_t count_of(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
  return n;
}

// A report shaped like a real run on a model with `groups` quantizer groups of three nodes
// each, a search of `steps` evaluations, one layer error per node, one range per group.
AccuracyControlReport synthetic_report(int groups, int steps) {
  AccuracyControlReport r;
  r.strategy = "qac";
  r.drop_type = "absolute";
  r.metric_name = "top1";
  r.max_drop = 0.01;
  r.fp32_metric = 0.9131;
  r.int8_metric = 0.8712;
  r.final_metric = 0.9052;
  r.int8_drop = r.fp32_metric - r.int8_metric;
  r.final_drop = r.fp32_metric - r.final_metric;
  r.has_interval = true;
  r.drop_low = 0.0041;
  r.drop_high = 0.0117;
  r.budget_met = true;
  r.total_groups = groups;
  r.evaluations = static_cast<size_t>(steps);
  r.full_pass_equivalents = 3.25;
  r.seconds_per_phase = {{"prepare", 0.5}, {"statistics", 2.25}, {"search", 41.0}, {"confirm", 1.5}};
  r.latency = {true, 12.5, 7.25, 7.75};
  r.layer_error_samples = 64;
  r.quantization.target = "cpu-vnni";
  r.quantization.overflow_fix = "disable";
  r.quantization.calibration_samples = 300;
  r.quantization.quantized_ops_per_type = {{"Conv", groups}, {"MatMul", groups / 2}};
  for (int g = 0; g < groups; ++g) {
    GroupSensitivity s;
    s.id = g;
    for (int k = 0; k < 3; ++k) {
      s.nodes.push_back("/backbone/stage" + std::to_string(g / 10) + "/block" + std::to_string(g) + "/conv" +
                        std::to_string(k));
      s.op_types.push_back(k == 0 ? "Conv" : "Relu");
    }
    s.probe = 1.0 / (1.0 + g % 97) + 1e-6 * g;
    if (g % 4 == 0) s.ranking_score = 0.87 + 0.0001 * g;
    s.reverted = g % 150 == 7;
    if (s.reverted) {
      r.reverted.push_back({g, s.nodes, s.op_types, s.ranking_score.value_or(0), std::nullopt, std::nullopt, std::nullopt});
    }
    for (int k = 0; k < 3; ++k) {
      r.layer_errors.push_back({s.nodes[static_cast<size_t>(k)], s.op_types[static_cast<size_t>(k)],
                                s.nodes[static_cast<size_t>(k)] + "_output_0", g, 40.0 - 0.03 * g - k});
    }
    QuantizationReport::ActivationRange range;
    range.tensor = s.nodes[0] + "_output_0";
    range.range_min = -1.5 - 0.001 * g;
    range.range_max = 6.0 + 0.01 * g;
    range.observed_min = range.range_min * 1.25;
    range.observed_max = range.range_max * 1.5;
    range.scale = (range.range_max - range.range_min) / 255;
    range.zero_point = 60;
    range.type = "uint8";
    r.quantization.activation_ranges.push_back(range);
    r.groups.push_back(std::move(s));
  }
  for (int i = 0; i < steps; ++i) {
    SearchStepRecord s;
    s.kind = i == 0 ? "fp32" : i == 1 ? "int8" : i < steps / 2 ? "ranking" : (i % 3 == 0 ? "bracket" : "screen");
    s.phase = s.kind;
    s.metric = 0.87 + 0.0004 * i;
    s.full_set = s.kind != "ranking" && s.kind != "screen";
    if (s.kind != "ranking") s.drop = r.fp32_metric - s.metric;
    s.sample_count = s.full_set ? 1000 : 120;
    for (int g = 0; g < i % 7; ++g) s.groups_in_float.push_back(g * 3);
    r.search_steps.push_back(std::move(s));
  }
  r.search_steps.back().kind = "confirm";
  r.search_steps.back().full_set = true;
  r.search_steps.back().returned = true;
  return r;
}

TEST(HtmlWriter, EscapesEveryCharacterThatEndsTextOrAnAttribute) {
  EXPECT_EQ(html::escape(R"(<a href="x">&'</a>)"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;");
  EXPECT_EQ(html::escape("plain/node_1.weight"), "plain/node_1.weight");
}

TEST(HtmlWriter, ExactNumbersRoundTripAndSpecialValuesAreNamed) {
  const double v = 0.1 + 0.2;
  EXPECT_EQ(std::strtod(html::exact(v).c_str(), nullptr), v);
  EXPECT_EQ(html::exact(INFINITY), "inf");
  EXPECT_EQ(html::exact(-INFINITY), "-inf");
  EXPECT_EQ(html::number(NAN), "-");
}

TEST(HtmlReport, NodeNamesWithMarkupAreEscapedEverywhere) {
  AccuracyControlReport r = synthetic_report(3, 6);
  const std::string evil = "<script>alert(\"x\")</script>&'b";
  r.groups[1].nodes[0] = evil;
  r.groups[1].reverted = true;
  r.reverted.push_back({1, r.groups[1].nodes, r.groups[1].op_types, 0.9, 12.5, std::nullopt, std::nullopt});
  r.layer_errors[3].node = evil;
  r.quantization.activation_ranges[0].tensor = evil;
  r.quantization.skipped.push_back({evil, "Softmax", "no int8 kernel <here>"});
  const std::string page = render_html_report(r, "model<&>.onnx");
  EXPECT_EQ(page.find("<script"), std::string::npos);
  EXPECT_EQ(page.find(evil), std::string::npos);
  EXPECT_NE(page.find("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;b"), std::string::npos);
  EXPECT_NE(page.find("model&lt;&amp;&gt;.onnx"), std::string::npos);
  EXPECT_NE(page.find("no int8 kernel &lt;here&gt;"), std::string::npos);
}

TEST(HtmlReport, PageIsSelfContainedAndHasEverySection) {
  const std::string page = render_html_report(synthetic_report(60, 40), "rec.onnx");
  for (const char* forbidden : {"<script", "src=", "href=", "url(", "@import", "http:", "https:", "<link", "<iframe"}) {
    EXPECT_EQ(page.find(forbidden), std::string::npos) << forbidden;
  }
  for (const char* id : {"verdict", "search", "sensitivity", "layers", "calibration", "time", "options"}) {
    EXPECT_NE(page.find(std::string("<section id=\"") + id + "\">"), std::string::npos) << id;
  }
  // The search plot: one mark per evaluation, the returned one ringed, the budget line.
  EXPECT_EQ(count_of(page, "<g class=\"step\""), 40u);
  EXPECT_EQ(count_of(page, "r=\"10\" fill=\"none\""), 1u);
  EXPECT_EQ(count_of(page, "class=\"budget\""), 1u);
  // 60 groups: 40 bars, the other 20 folded.
  EXPECT_NE(page.find("the other 20 groups"), std::string::npos);
  EXPECT_EQ(count_of(page, "<title>group "), 40u);
}

TEST(HtmlReport, SixHundredGroupsStayUnderTwoMegabytesWithTheRestFolded) {
  const AccuracyControlReport r = synthetic_report(600, 200);
  const std::string page = render_html_report(r, "big.onnx");
  std::printf("page of 600 groups, 1800 layers, 200 evaluations: %zu bytes\n", page.size());
  EXPECT_LT(page.size(), kMaxPageBytes);
  EXPECT_EQ(count_of(page, "<title>group "), 40u) << "only the top groups are charted";
  EXPECT_NE(page.find("the other 560 groups"), std::string::npos);
  EXPECT_NE(page.find("the other 560 activation ranges"), std::string::npos);
  // Every group is still on the page, once in a table row.
  for (int g : {0, 299, 599}) {
    EXPECT_NE(page.find("/block" + std::to_string(g) + "/conv0, "), std::string::npos) << g;
  }
  // The groups are sorted by probe, most harmful first, in the chart's table and the folded one.
  const std::string section = page.substr(page.find("<section id=\"sensitivity\">"));
  const std::regex probe(R"re(data-key="groups\.\d+\.probe" data-value="([^"]*)")re");
  std::vector<double> probes;
  for (auto it = std::sregex_iterator(section.begin(), section.begin() + static_cast<long>(section.find("</section>")),
                                      probe);
       it != std::sregex_iterator(); ++it) {
    probes.push_back(std::strtod((*it)[1].str().c_str(), nullptr));
  }
  ASSERT_EQ(probes.size(), 600u);
  EXPECT_TRUE(std::is_sorted(probes.rbegin(), probes.rend()));
}

TEST(HtmlReport, EveryNumberOnThePageEqualsTheJsonReport) {
  const AccuracyControlReport r = synthetic_report(50, 30);
  const std::string page = render_html_report(r);
  const nlohmann::json json = nlohmann::json::parse(r.to_json());
  const auto values = qac::testing::page_values(page);
  for (const char* key : {"fp32_metric", "int8_metric", "final_metric", "int8_drop", "final_drop", "final_drop_ci95.0",
                          "final_drop_ci95.1", "max_drop", "budget_met", "groups_in_float", "total_groups",
                          "evaluations", "full_pass_equivalents", "latency.fp32_ms", "latency.int8_ms",
                          "latency.final_ms", "seconds_per_phase.search", "groups.0.probe", "groups.4.ranking_score",
                          "layer_sqnr.layers.0.sqnr_db", "search_steps.29.drop",
                          "quantization.activation_ranges.0.range.1", "quantization.calibration_samples"}) {
    EXPECT_TRUE(values.count(key)) << key << " is not on the page";
  }
  EXPECT_GT(qac::testing::expect_page_matches_json(page, json), 300u);
}

TEST(HtmlReport, PlainQuantizationPageShowsCalibrationSkippedNodesAndLatency) {
  QuantizationReport q = synthetic_report(5, 4).quantization;
  q.skipped.push_back({"/head/Softmax", "Softmax", "no int8 kernel"});
  q.speed = {true, 3.5, 2.25, 2.25 / 3.5, 0.875};
  const std::string page = render_html_report(q, "cnn.onnx");
  EXPECT_NE(page.find("<section id=\"speed\">"), std::string::npos);
  EXPECT_NE(page.find("<section id=\"calibration\">"), std::string::npos);
  EXPECT_NE(page.find("/head/Softmax"), std::string::npos);
  EXPECT_EQ(page.find("<section id=\"search\">"), std::string::npos);
  EXPECT_GT(qac::testing::expect_page_matches_json(page, nlohmann::json::parse(q.to_json())), 30u);
}

TEST(HtmlReport, WriteReplacesTheFileAtomically) {
  testing::ScratchDir dir;
  const auto path = dir.path() / "report.html";
  std::ofstream(path) << "old";
  ASSERT_TRUE(write_html_report(synthetic_report(4, 5), path).ok());
  std::stringstream text;
  text << std::ifstream(path).rdbuf();
  EXPECT_EQ(text.str().rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_FALSE(write_html_report(synthetic_report(4, 5), dir.path()).ok()) << "a folder is never replaced";
}

}  // namespace
}  // namespace qac
