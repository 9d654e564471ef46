#include "core/shell_command.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "core/interrupt_guard.h"

extern char** environ;

namespace qac {
namespace {

using Clock = std::chrono::steady_clock;

// Longest wait between two looks at a pending signal.
constexpr std::chrono::milliseconds kPollSlice{100};

// Closes a file descriptor when it goes out of scope.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

// The shell's process group; until reaped, it is killed and reaped when this goes out of scope.
class Group {
 public:
  explicit Group(pid_t leader) : leader_(leader) { InterruptGuard::kill_on_signal(leader); }
  ~Group() {
    if (leader_ > 0) {
      kill();
      reap();
    }
    InterruptGuard::kill_on_signal(0);
  }
  Group(const Group&) = delete;
  Group& operator=(const Group&) = delete;

  void kill() const { ::kill(-leader_, SIGKILL); }
  // True once the shell has exited; it stays a zombie, so its process group id cannot be reused.
  bool exited() const {
    siginfo_t info{};
    return ::waitid(P_PID, static_cast<id_t>(leader_), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid != 0;
  }
  // Waits for the shell and returns its exit status (128 + N when killed by signal N).
  int reap() {
    int status = 0;
    while (::waitpid(leader_, &status, 0) < 0 && errno == EINTR) {
    }
    leader_ = 0;
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
  }

 private:
  pid_t leader_;
};

std::string seconds_text(std::chrono::milliseconds t) {
  const double s = static_cast<double>(t.count()) / 1000.0;
  std::string text = std::to_string(s);
  text.erase(text.find_last_not_of('0') + 1);
  if (!text.empty() && text.back() == '.') text.pop_back();
  return text + " s";
}

}  // namespace

Result<ShellCommandResult> run_shell_command(const std::string& command, std::chrono::milliseconds timeout,
                                             const std::string& label) {
  if (const int sig = InterruptGuard::pending_signal()) {
    return Status::RuntimeError(label + " was not started: qac received signal " + std::to_string(sig));
  }
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    return Status::RuntimeError("cannot run " + label + ": pipe: " + std::strerror(errno));
  }
  Fd read_end(pipe_fds[0]), write_end(pipe_fds[1]);

  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attributes;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attributes);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, write_end.get(), STDOUT_FILENO);
  posix_spawnattr_setpgroup(&attributes, 0);  // a new group, led by the shell
  // The shell starts with default handling of the signals qac may be deferring.
  sigset_t defaults;
  sigemptyset(&defaults);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE}) sigaddset(&defaults, sig);
  posix_spawnattr_setsigdefault(&attributes, &defaults);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF);
  std::string shell = "/bin/sh", dash_c = "-c", text = command;
  char* argv[] = {shell.data(), dash_c.data(), text.data(), nullptr};
  pid_t pid = 0;
  const int spawned = ::posix_spawn(&pid, "/bin/sh", &actions, &attributes, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (spawned != 0) return Status::RuntimeError("cannot run " + label + ": " + std::strerror(spawned));
  Group group(pid);
  write_end.reset();  // the read end sees EOF once every process of the command closed stdout

  const Clock::time_point deadline = Clock::now() + timeout;
  auto stop = [&](const std::string& why) -> Status {
    group.kill();
    group.reap();
    return Status::RuntimeError(label + " " + why);
  };
  auto check = [&]() -> Status {
    if (const int sig = InterruptGuard::pending_signal()) {
      return stop("was killed: qac received signal " + std::to_string(sig));
    }
    if (Clock::now() >= deadline) {
      return stop("did not finish within " + seconds_text(timeout) + " and was killed");
    }
    return Status::Ok();
  };

  ShellCommandResult result;
  char buffer[4096];
  while (true) {
    QAC_RETURN_IF_ERROR(check());
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    pollfd p{read_end.get(), POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(std::min(left, kPollSlice).count()) + 1);
    if (ready < 0 && errno != EINTR) return stop("could not be read: " + std::string(std::strerror(errno)));
    if (ready <= 0) continue;
    const ssize_t n = ::read(read_end.get(), buffer, sizeof buffer);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) break;  // EOF (or a read error: the output ends there)
    result.output.append(buffer, static_cast<size_t>(n));
  }
  while (!group.exited()) {
    QAC_RETURN_IF_ERROR(check());
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  group.kill();  // whatever the command left running in the background
  result.exit_code = group.reap();
  return result;
}

}  // namespace qac
