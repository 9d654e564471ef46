// A quantized model is never half-written: `qac quantize` killed with SIGKILL while it collects
// statistics leaves no file at the output path and nothing else in the output folder.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <csignal>
#include <thread>

#include "e2e_util.h"

extern char** environ;

namespace qac::e2e {
namespace {

using namespace std::chrono_literals;

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

}  // namespace
}  // namespace qac::e2e
