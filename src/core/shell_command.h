// Running a user's shell command with a time limit, as a process group that nothing of it
// outlives.
#pragma once

#include <chrono>
#include <string>

#include "qac/status.h"

namespace qac {

struct ShellCommandResult {
  std::string output;  // everything the command wrote to its standard output
  int exit_code = 0;   // its exit status; 128 + N when the shell was killed by signal N
};

// Runs `/bin/sh -c command` in a new process group, with standard input from /dev/null, its
// standard output captured and its standard error shared with qac. Returns when the shell has
// exited and its output is closed; any process of the group still running is then killed.
// Errors (RuntimeError, the message names `label`):
//  - the command cannot be started;
//  - it runs longer than `timeout`: the whole group is killed (SIGKILL) and reaped;
//  - a signal is pending in an InterruptGuard (core/interrupt_guard.h): the group is killed.
Result<ShellCommandResult> run_shell_command(const std::string& command, std::chrono::milliseconds timeout,
                                             const std::string& label);

}  // namespace qac
