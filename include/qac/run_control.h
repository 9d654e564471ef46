// Hooks for programs that embed qac (the Python module, a service, a GUI): where log lines and
// progress go, and how the caller stops a run.
//
// Thread-safety contract:
//  - quantize(), quantize_with_accuracy_control(), Model and open_dataset() may run on several
//    threads at once for different arguments. One call uses the Dataset, Metric and
//    ModelValidator objects it is given from the calling thread only, never concurrently; it
//    does not keep them after it returns.
//  - The log level, the log sink and the progress sink are process-wide. Set them before runs
//    start; a sink is called from the thread that logs (the thread that called qac), and calls
//    may come from several such threads at once, so a sink must be thread-safe itself.
//  - A cancellation check belongs to the thread that installs it (ScopedCancelCheck) and is
//    called only on that thread, between batches of model runs.
#pragma once

#include <cstddef>
#include <functional>
#include <string>

namespace qac {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3, kQuiet = 4 };

// Lines below `level` are dropped before they are formatted (default kWarning).
void set_log_level(LogLevel level);
LogLevel log_level();

// Receives every log line at or above the log level, without a trailing newline.
using LogSink = std::function<void(LogLevel level, const std::string& message)>;
// Replaces the sink; an empty one restores the default ("[qac <level>] <message>" on stderr).
void set_log_sink(LogSink sink);

// Progress of a long step: `done` of `total` units of `label`; `finished` on its last call.
using ProgressSink = std::function<void(const std::string& label, size_t done, size_t total, bool finished)>;
// Replaces the sink; an empty one restores the default bar on stderr. Either is called only
// while progress is enabled (off by default in library use; the command-line tool turns it on).
void set_progress_sink(ProgressSink sink);
void set_progress_enabled(bool enabled);

// Returns true when the run should stop.
using CancelCheck = std::function<bool()>;

// While it lives, qac functions called on this thread call `check` before every batch they run
// through a model (calibration, evaluation, search); when it returns true they stop and return
// a Status with code kCancelled, writing no output file. Scopes nest; the innermost check is
// the one called.
class ScopedCancelCheck {
 public:
  explicit ScopedCancelCheck(CancelCheck check);
  ~ScopedCancelCheck();
  ScopedCancelCheck(const ScopedCancelCheck&) = delete;
  ScopedCancelCheck& operator=(const ScopedCancelCheck&) = delete;

 private:
  CancelCheck check_;
  const CancelCheck* previous_;
};

}  // namespace qac
