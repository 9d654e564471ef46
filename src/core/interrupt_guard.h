// Deferred SIGINT, SIGTERM and SIGHUP around work that runs child processes and owns temporary
// files. While a guard lives, such a signal does not end the process at once: it is recorded,
// and the process group registered with kill_on_signal() is killed (SIGKILL), so that the code
// waiting on that group returns and the destructors of the objects created after the guard
// clean up. The guard's destructor then restores the previous handlers and raises a recorded
// signal again, ending the process as the signal would have.
//
// Guards may nest (only the outermost installs handlers and re-raises). They are meant for one
// thread at a time.
#pragma once

#include <sys/types.h>

namespace qac {

class InterruptGuard {
 public:
  InterruptGuard();
  ~InterruptGuard();
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;

  // The signal recorded while the outermost guard lives, or 0 (also without any guard).
  static int pending_signal();
  // Registers the process group (pgid > 0) killed when a signal arrives, or clears it (0).
  // When a signal is already pending, the group is killed at once.
  static void kill_on_signal(pid_t pgid);
};

}  // namespace qac
