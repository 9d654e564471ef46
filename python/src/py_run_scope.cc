#include "py_run_scope.h"

namespace qac::python {
namespace {

// Python logging levels.
constexpr int kPyDebug = 10, kPyInfo = 20, kPyWarning = 30, kPyError = 40;

LogLevel level_from_python(int level) {
  if (level <= kPyDebug) return LogLevel::kDebug;
  if (level <= kPyInfo) return LogLevel::kInfo;
  if (level <= kPyWarning) return LogLevel::kWarning;
  if (level <= kPyError) return LogLevel::kError;
  return LogLevel::kQuiet;
}

int level_to_python(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return kPyDebug;
    case LogLevel::kInfo: return kPyInfo;
    case LogLevel::kWarning: return kPyWarning;
    default: return kPyError;
  }
}

// Sends a line to logging.getLogger("qac"). Errors of a logging handler are Python's business:
// logging reports them itself; anything left is dropped so that a log line never stops a run.
void log_to_python(LogLevel level, const std::string& message) {
  py::gil_scoped_acquire gil;
  try {
    py::module_::import("logging").attr("getLogger")("qac").attr("log")(level_to_python(level), message);
  } catch (py::error_already_set&) {
  }
}

}  // namespace

RunScope::RunScope(CallbackErrors& errors)
    : previous_level_(log_level()), cancel_([&errors] {
        py::gil_scoped_acquire gil;
        return errors.check_signals();
      }) {
  const int level = py::module_::import("logging").attr("getLogger")("qac").attr("getEffectiveLevel")().cast<int>();
  set_log_level(level_from_python(level));
  set_log_sink(log_to_python);
  set_progress_enabled(true);
}

RunScope::~RunScope() {
  set_progress_enabled(false);
  set_log_sink({});
  set_log_level(previous_level_);
}

}  // namespace qac::python
