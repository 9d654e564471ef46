// A quantized model is never half-written: `qac quantize` killed with SIGKILL while it collects
// statistics leaves no file at the output path and nothing else in the output folder. And an
// accuracy-control run with --cache-dir killed during its search resumes: the same command
// started again reuses the finished evaluations and returns the model an uninterrupted run
// returns, byte for byte.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <csignal>
#include <thread>

#include <nlohmann/json.hpp>

#include "e2e_util.h"

extern char** environ;

namespace qac::e2e {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

// Starts `qac <args...>` with stdout to /dev/null and stderr to `stderr_path`; -1 on failure.
pid_t spawn_cli(const std::vector<std::string>& args, const fs::path& stderr_path) {
  std::vector<std::string> argv_strings = {kCliPath.string()};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_strings) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  return rc == 0 ? pid : -1;
}

TEST(E2eKilledRun, SigkillDuringStatisticsLeavesNoOutput) {
  QAC_E2E_REQUIRE_ASSETS(kRecModel, kOcrCalibration);
  ScratchDir logs;
  ScratchDir outputs;
  const fs::path out = outputs / "rec.int8.onnx";
  const fs::path err = logs / "stderr";
  // All 300 calibration samples: statistics take several seconds, the kill lands inside them.
  // -v logs "statistics: <n> tensors over <m> samples" when the pass starts.
  const pid_t pid = spawn_cli({"quantize", kRecModel.string(), "--calibration", kOcrCalibration.string(), "-o",
                               out.string(), "--subset-size", "300", "-v"},
                              err);
  ASSERT_GT(pid, 0);

  // Wait for the start of the statistics pass, then about one more second.
  constexpr auto kStartTimeout = 60s;
  constexpr auto kPoll = 50ms;
  constexpr auto kIntoStatistics = 1s;
  const auto start = std::chrono::steady_clock::now();
  bool in_statistics = false;
  int status = 0;
  bool exited = false;
  while (std::chrono::steady_clock::now() - start < kStartTimeout) {
    if (read_text(err).find("statistics:") != std::string::npos) {
      in_statistics = true;
      break;
    }
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      exited = true;
      break;
    }
    std::this_thread::sleep_for(kPoll);
  }
  if (in_statistics) std::this_thread::sleep_for(kIntoStatistics);
  if (!exited) {
    ::kill(pid, SIGKILL);
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  }
  ASSERT_TRUE(in_statistics) << "qac never reached the statistics pass:\n" << read_text(err);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
      << "qac finished before it was killed (exit " << (WIFEXITED(status) ? WEXITSTATUS(status) : -1) << ")";
  EXPECT_FALSE(fs::exists(out));
  EXPECT_TRUE(list_dir(outputs.path()).empty()) << "files left in the output folder";
}

// Entries the evaluation cache in `cache` holds (every run key's folder).
size_t cached_entries(const fs::path& cache) {
  size_t n = 0;
  std::error_code ec;
  for (const auto& run : fs::directory_iterator(cache / "evaluations", ec)) {
    for ([[maybe_unused]] const auto& entry : fs::directory_iterator(run.path(), ec)) ++n;
  }
  return n;
}

// Accuracy control on the ViT (agreement within 0.002: a search of several dozen evaluations).
std::vector<std::string> vit_search_args(const fs::path& out, const fs::path& report) {
  return {"quantize", kVitModel.string(), "--model-type", "transformer", "--calibration", kFmnistCalibration.string(),
          "--validation", kFmnistValidation.string(), "--metric", "agreement", "--max-drop", "0.002",
          "--subset-size", "100", "--no-kernel-timing", "-o", out.string(), "--report", report.string(), "-v"};
}

TEST(E2eKilledRun, SigkillDuringTheSearchResumesToTheSameModel) {
  QAC_E2E_REQUIRE_ASSETS(kVitModel, kFmnistCalibration, kFmnistValidation);
  ScratchDir work;
  const CliResult whole = run_cli(vit_search_args(work / "whole.onnx", work / "whole.json"));
  ASSERT_EQ(whole.exit_code, kExitOk) << whole;
  const json whole_report = json::parse(read_text(work / "whole.json"));
  ASSERT_GE(whole_report["evaluations"].get<int>(), 6) << "no search to interrupt";

  std::vector<std::string> args = vit_search_args(work / "resumed.onnx", work / "resumed.json");
  args.insert(args.end(), {"--cache-dir", (work / "cache").string()});
  const pid_t pid = spawn_cli(args, work / "killed.stderr");
  ASSERT_GT(pid, 0);
  // Kill once a few answers of the search are stored.
  constexpr size_t kAnswersBeforeKill = 4;
  int status = 0;
  bool exited = false;
  const auto start = std::chrono::steady_clock::now();
  while (cached_entries(work / "cache") < kAnswersBeforeKill && std::chrono::steady_clock::now() - start < 120s) {
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      exited = true;
      break;
    }
    std::this_thread::sleep_for(20ms);
  }
  if (!exited) {
    ::kill(pid, SIGKILL);
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  }
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
      << "qac finished before it was killed:\n" << read_text(work / "killed.stderr");
  EXPECT_FALSE(fs::exists(work / "resumed.onnx"));
  const size_t stored = cached_entries(work / "cache");
  ASSERT_GE(stored, kAnswersBeforeKill);

  const CliResult resumed = run_cli(args);
  ASSERT_EQ(resumed.exit_code, kExitOk) << resumed;
  EXPECT_NE(resumed.err.find("calibration statistics of 100 samples read from the cache"), std::string::npos)
      << resumed.err;
  EXPECT_NE(resumed.err.find("cached evaluation reused"), std::string::npos) << resumed.err;
  EXPECT_EQ(read_text(work / "resumed.onnx"), read_text(work / "whole.onnx")) << "the resumed run returned another model";
  const json resumed_report = json::parse(read_text(work / "resumed.json"));
  EXPECT_GE(resumed_report["cached_answers"].get<size_t>(), stored - 1);  // the decision entry is no answer
  EXPECT_EQ(resumed_report["evaluations"], whole_report["evaluations"]);
  EXPECT_EQ(resumed_report["reverted_groups"], whole_report["reverted_groups"]);

  // A third run finds every answer: it measures nothing the search asks for.
  const CliResult again = run_cli(args);
  ASSERT_EQ(again.exit_code, kExitOk) << again;
  EXPECT_EQ(read_text(work / "resumed.onnx"), read_text(work / "whole.onnx"));
  const json again_report = json::parse(read_text(work / "resumed.json"));
  EXPECT_GT(again_report["cached_answers"].get<size_t>(), resumed_report["cached_answers"].get<size_t>());
}

}  // namespace
}  // namespace qac::e2e
