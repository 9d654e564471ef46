// The external metric command: its answer, its time limit, the processes it starts and its
// temporary folder, which must be gone on every way out.
#include "qac/metric.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "metrics/metric_output.h"

namespace qac {
namespace {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Runs each test with TMPDIR pointing at a private folder, so leftover qac-metric-* folders
// can be counted.
class MetricCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tmp_ = fs::temp_directory_path() / ("qac_metric_command_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(tmp_);
    fs::create_directories(tmp_);
    const char* old = std::getenv("TMPDIR");
    old_tmpdir_ = old ? old : "";
    ::setenv("TMPDIR", tmp_.c_str(), 1);
  }
  void TearDown() override {
    if (old_tmpdir_.empty()) {
      ::unsetenv("TMPDIR");
    } else {
      ::setenv("TMPDIR", old_tmpdir_.c_str(), 1);
    }
    fs::remove_all(tmp_);
  }

  // A metric over two samples of one [2, 3] output, computed by `command`.
  static std::unique_ptr<Metric> metric(const std::string& command, std::chrono::milliseconds timeout = 10s) {
    auto m = make_command_metric(command, timeout);
    Tensor out(DType::kFloat32, {2, 3});
    EXPECT_TRUE(m->add_batch(0, {out}, {}, nullptr).ok());
    return m;
  }
  // qac-metric-* folders left in the private TMPDIR.
  size_t leftover_folders() const {
    size_t n = 0;
    for (const auto& e : fs::directory_iterator(tmp_)) n += e.path().filename().string().rfind("qac-metric-", 0) == 0;
    return n;
  }
  // Waits up to 10 s for `file` to hold a process id, and returns it.
  static pid_t read_pid(const fs::path& file) {
    for (int i = 0; i < 1000; ++i) {
      std::ifstream in(file);
      pid_t pid = 0;
      if (in >> pid && pid > 0) return pid;
      std::this_thread::sleep_for(10ms);
    }
    return 0;
  }
  // True when `pid` no longer runs (gone, or a zombie nobody reaped yet).
  static bool dead(pid_t pid) {
    for (int i = 0; i < 200; ++i) {
      std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
      std::string skip, state;
      if (!(stat >> skip >> skip >> state) || state == "Z") return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }

  fs::path tmp_;
  std::string old_tmpdir_;
};

TEST_F(MetricCommandTest, ReadsTheAnswerAndRemovesItsFolder) {
  // qac appends the folder as the last argument: here $1 of the inner shell.
  auto m = metric(R"(sh -c 'test -f "$1/output_0.npy" && echo "{\"metric\": 0.5, \"per_sample\": [0, 1]}"' check)");
  auto v = m->finish();
  ASSERT_TRUE(v.ok()) << v.status().to_string();
  EXPECT_EQ(v->value, 0.5);
  EXPECT_EQ(v->per_sample, (std::vector<double>{0, 1}));
  EXPECT_EQ(leftover_folders(), 0u);
}

TEST_F(MetricCommandTest, FailureNamesTheCommandAndRemovesItsFolder) {
  auto m = metric("false");
  auto v = m->finish();
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.status().message().find("'false' failed (exit status 1)"), std::string::npos) << v.status().message();
  EXPECT_EQ(leftover_folders(), 0u);
}

// A command that hangs is killed with everything it started, and the error names it.
TEST_F(MetricCommandTest, TimeoutKillsTheProcessGroup) {
  const fs::path pid_file = tmp_ / "sleep.pid";
  auto m = metric("sleep 60 & echo $! > " + pid_file.string() + "; wait; :", 300ms);
  const auto start = std::chrono::steady_clock::now();
  auto v = m->finish();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), StatusCode::kRuntimeError);
  EXPECT_NE(v.status().message().find("metric command 'sleep 60"), std::string::npos) << v.status().message();
  EXPECT_NE(v.status().message().find("did not finish within 0.3 s"), std::string::npos) << v.status().message();
  const pid_t sleeper = read_pid(pid_file);
  ASSERT_GT(sleeper, 0);
  EXPECT_TRUE(dead(sleeper));
  EXPECT_EQ(leftover_folders(), 0u);
}

// The answer is read once the shell exits; what it left running in the background is killed.
TEST_F(MetricCommandTest, BackgroundProcessesDoNotOutliveTheCommand) {
  const fs::path pid_file = tmp_ / "sleep.pid";
  auto m = metric("sleep 60 >/dev/null & echo $! > " + pid_file.string() + R"(; echo '{"metric": 1}'; :)");
  auto v = m->finish();
  ASSERT_TRUE(v.ok()) << v.status().to_string();
  const pid_t sleeper = read_pid(pid_file);
  ASSERT_GT(sleeper, 0);
  EXPECT_TRUE(dead(sleeper));
}

// SIGTERM while the command runs: the command is killed, the folder removed, and the process
// still ends by SIGTERM.
TEST_F(MetricCommandTest, SignalKillsTheCommandRemovesTheFolderAndEndsTheProcess) {
  const fs::path pid_file = tmp_ / "sleep.pid";
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto m = metric("sleep 60 & echo $! > " + pid_file.string() + "; wait; :", 60s);
    auto v = m->finish();
    std::_Exit(v.ok() ? 0 : 1);  // not reached when the signal ends the process
  }
  const pid_t sleeper = read_pid(pid_file);
  ASSERT_GT(sleeper, 0);
  ASSERT_EQ(::kill(child, SIGTERM), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM) << "status " << status;
  EXPECT_TRUE(dead(sleeper));
  EXPECT_EQ(leftover_folders(), 0u);
}

TEST(MetricOutputTest, ParsesTheAnswer) {
  auto v = parse_metric_output(R"({"metric": 2, "per_sample": [1, 3]})", 2, "cmd");
  ASSERT_TRUE(v.ok()) << v.status().to_string();
  EXPECT_EQ(v->value, 2);
  EXPECT_EQ(v->per_sample, (std::vector<double>{1, 3}));
  EXPECT_TRUE(parse_metric_output(R"({"metric": -1.5})", 7, "cmd").ok());
}

TEST(MetricOutputTest, RefusesMalformedAnswersNamingTheCommand) {
  for (const char* bad : {"", "not json", "[1]", R"({"metric": "1"})", R"({"per_sample": [1, 2]})",
                          R"({"metric": 1, "per_sample": [1]})", R"({"metric": 1, "per_sample": [1, "x"]})",
                          R"({"metric": 1, "per_sample": {"a": 1}})", R"({"metric": 1e999})"}) {
    auto v = parse_metric_output(bad, 2, "metric command 'm'");
    ASSERT_FALSE(v.ok()) << bad;
    EXPECT_EQ(v.status().code(), StatusCode::kInvalidData) << bad;
    EXPECT_NE(v.status().message().find("metric command 'm'"), std::string::npos) << v.status().message();
  }
}

}  // namespace
}  // namespace qac
