// The HTML report of a real run (the Fashion-MNIST ViT with accuracy control) opened in
// headless Chromium: it loads with no console message and no request of the page's own, its
// plots are drawn, its numbers equal the JSON report's, and a screenshot is kept under the
// build folder (build/report_pages/fashion_mnist_vit.png) for a person to look at.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <regex>

#include "e2e/e2e_util.h"
#include "support/html_values.h"

namespace qac::e2e {
namespace {

const fs::path kChromium = "/usr/bin/chromium";
const fs::path kScreenshotDir = fs::path(QAC_BINARY_DIR) / "report_pages";
constexpr const char* kWindowSize = "--window-size=1280,4000";
constexpr size_t kMinScreenshotBytes = 50'000;  // a blank 1280x4000 PNG is a few kB

struct BrowserRun {
  int exit_code = -1;
  std::string out, log;
};

// Runs headless Chromium on `page` with a fresh profile, browser background traffic turned off,
// the console mirrored to the log and every network event recorded in `net_log`.
BrowserRun run_chromium(const fs::path& page, const fs::path& profile, const fs::path& net_log,
                        const std::vector<std::string>& extra) {
  const fs::path out = profile.parent_path() / "chromium.out", log = profile.parent_path() / "chromium.log";
  std::string command = "exec";
  for (const std::string& a :
       {kChromium.string(), std::string("--headless=new"), std::string("--no-sandbox"), std::string("--disable-gpu"),
        "--user-data-dir=" + profile.string(), std::string("--no-first-run"),
        std::string("--disable-background-networking"), std::string("--disable-component-update"),
        std::string("--disable-sync"), std::string("--disable-extensions"), std::string("--hide-scrollbars"),
        std::string("--enable-logging=stderr"), std::string("--v=0"), "--log-net-log=" + net_log.string(),
        std::string(kWindowSize)}) {
    append_quoted(command, a);
  }
  for (const std::string& a : extra) append_quoted(command, a);
  append_quoted(command, "file://" + fs::absolute(page).string());
  command += " >";
  append_quoted(command, out.string());
  command += " 2>";
  append_quoted(command, log.string());
  const int status = std::system(command.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_text(out), read_text(log)};
}

// URLs of the requests a document started (the browser's own requests have no origin).
std::vector<std::string> page_requests(const fs::path& net_log) {
  const nlohmann::json log = nlohmann::json::parse(read_text(net_log), nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(log.is_discarded()) << "unreadable net log " << net_log;
  if (log.is_discarded()) return {"(unreadable net log)"};
  int start_job = -1;
  for (const auto& [name, id] : log["constants"]["logEventTypes"].items()) {
    if (name == "URL_REQUEST_START_JOB") start_job = id.get<int>();
  }
  EXPECT_GE(start_job, 0);
  std::vector<std::string> urls;
  for (const auto& e : log["events"]) {
    if (e.value("type", -1) != start_job || !e.contains("params") || !e["params"].contains("url")) continue;
    if (e["params"].value("initiator", "") != "not an origin") urls.push_back(e["params"]["url"].get<std::string>());
  }
  return urls;
}

size_t count_of(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
  return n;
}

TEST(HtmlReportE2E, VitAccuracyControlPageLoadsInChromiumWithItsPlotsAndTheJsonNumbers) {
  QAC_E2E_REQUIRE_ASSETS(kVitModel, kFmnistCalibration, kFmnistValidation);
  if (!fs::exists(kChromium)) GTEST_SKIP() << kChromium << " is absent (scripts/setup.sh installs chromium)";
  ScratchDir dir;
  const fs::path page = dir / "report.html", json_path = dir / "report.json";
  // The ViT loses ~0.015 agreement in plain INT8: a 0.005 budget needs groups in float, so the
  // page shows a real search. --no-kernel-timing keeps every unit (see the accuracy-control
  // e2e tests).
  const CliResult run = run_cli({"quantize", kVitModel.string(), "--model-type", "transformer", "--calibration",
                                 kFmnistCalibration.string(), "--validation", kFmnistValidation.string(), "--metric",
                                 "agreement", "--max-drop", "0.005", "--subset-size", "100", "-o",
                                 (dir / "vit.int8.onnx").string(), "--report", json_path.string(), "--html",
                                 page.string(), "--no-kernel-timing"});
  ASSERT_TRUE(run.exit_code == kExitOk || run.exit_code == kExitBudgetNotMet) << run;
  EXPECT_NE(run.out.find("report page written to " + page.string()), std::string::npos) << run;
  const std::string html = read_text(page);
  const nlohmann::json report = nlohmann::json::parse(read_text(json_path));

  // The page's numbers are the JSON report's.
  EXPECT_GT(qac::testing::expect_page_matches_json(html, report), 100u);
  const auto values = qac::testing::page_values(html);
  for (const char* key : {"fp32_metric", "int8_metric", "final_metric", "final_drop", "final_drop_ci95.0",
                          "latency.final_ms", "groups_in_float", "full_pass_equivalents"}) {
    EXPECT_TRUE(values.count(key)) << key << " is not on the page";
  }
  // Nothing on the page refers outside it.
  for (const char* reference : {"src=", "href=", "url(", "@import", "http:", "https:", "<script", "<link"}) {
    EXPECT_EQ(html.find(reference), std::string::npos) << reference;
  }

  // Loaded: the DOM Chromium built holds the plots, with one mark per evaluation and one bar
  // per charted group and per layer.
  const BrowserRun dom = run_chromium(page, dir / "profile-dom", dir / "net-dom.json", {"--dump-dom"});
  ASSERT_EQ(dom.exit_code, 0) << dom.log;
  EXPECT_EQ(count_of(dom.out, "<svg"), 4u) << "search, sensitivity, per-layer SQNR, time";
  EXPECT_EQ(count_of(dom.out, "<g class=\"step\""), report["search_steps"].size());
  EXPECT_GT(report["search_steps"].size(), 4u);
  EXPECT_EQ(count_of(dom.out, "<title>group "), std::min<size_t>(40, report["groups"].size()));
  EXPECT_EQ(count_of(dom.out, "dB</title></rect>"), report["layer_sqnr"]["layers"].size());
  EXPECT_GT(report["layer_sqnr"]["layers"].size(), 10u);
  EXPECT_EQ(dom.log.find("CONSOLE"), std::string::npos) << "console output:\n" << dom.log;
  const std::vector<std::string> requests = page_requests(dir / "net-dom.json");
  EXPECT_TRUE(requests.empty()) << "the page requested " << requests.front();

  // The screenshot, kept for a reader.
  fs::create_directories(kScreenshotDir);
  const fs::path png = kScreenshotDir / "fashion_mnist_vit.png";
  fs::remove(png);
  const BrowserRun shot =
      run_chromium(page, dir / "profile-shot", dir / "net-shot.json", {"--screenshot=" + png.string()});
  ASSERT_EQ(shot.exit_code, 0) << shot.log;
  EXPECT_EQ(shot.log.find("CONSOLE"), std::string::npos) << shot.log;
  EXPECT_TRUE(page_requests(dir / "net-shot.json").empty());
  ASSERT_TRUE(fs::exists(png));
  EXPECT_GT(fs::file_size(png), kMinScreenshotBytes);
  EXPECT_EQ(read_text(png).substr(1, 3), "PNG");
  fs::copy_file(page, kScreenshotDir / "fashion_mnist_vit.html", fs::copy_options::overwrite_existing);
}

TEST(HtmlReportE2E, PlainQuantizePageShowsCalibrationAndLatency) {
  QAC_E2E_REQUIRE_ASSETS(kCnnModel, kFmnistCalibration);
  ScratchDir dir;
  const fs::path page = dir / "report.html", json_path = dir / "report.json";
  const CliResult run = run_cli({"quantize", kCnnModel.string(), "--calibration", kFmnistCalibration.string(),
                                 "--subset-size", std::to_string(kFastSubsetSize), "-o", (dir / "cnn.int8.onnx").string(),
                                 "--report", json_path.string(), "--html", page.string(), "--no-kernel-timing"});
  ASSERT_EQ(run.exit_code, kExitOk) << run;
  const std::string html = read_text(page);
  const nlohmann::json report = nlohmann::json::parse(read_text(json_path));
  EXPECT_GT(qac::testing::expect_page_matches_json(html, report), 10u);
  EXPECT_NE(html.find("<section id=\"calibration\">"), std::string::npos);
  EXPECT_NE(html.find("<section id=\"speed\">"), std::string::npos);
  EXPECT_TRUE(qac::testing::page_values(html).count("latency.int8_ms"));
  EXPECT_EQ(qac::testing::page_values(html).count("activation_ranges.0.scale"), 1u);
}

TEST(HtmlReportE2E, HtmlPathMayNotBeAnInputOrAnotherOutput) {
  QAC_E2E_REQUIRE_ASSETS(kCnnModel, kFmnistCalibration);
  ScratchDir dir;
  const fs::path out = dir / "cnn.int8.onnx", json_path = dir / "report.json";
  auto args = [&](const fs::path& html) {
    return std::vector<std::string>{"quantize", kCnnModel.string(), "--calibration", kFmnistCalibration.string(),
                                    "-o", out.string(), "--report", json_path.string(), "--html", html.string()};
  };
  expect_cli_failure(run_cli(args(json_path)), kExitError, {"--html", json_path.string()});
  expect_cli_failure(run_cli(args(out)), kExitError, {"--html"});
  expect_cli_failure(run_cli(args(kCnnModel)), kExitError, {"--html"});
  expect_cli_failure(run_cli(args(kFmnistCalibration / "input.npy")), kExitError, {"--html"});
  EXPECT_FALSE(fs::exists(out));
  EXPECT_FALSE(fs::exists(json_path));
}

}  // namespace
}  // namespace qac::e2e
