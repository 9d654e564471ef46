// Leveled logging to stderr, or to the sink set with set_log_sink() (qac/run_control.h).
// Decisions the tool takes are logged at kInfo with ONNX names.
#pragma once

#include <sstream>
#include <string>

#include "qac/run_control.h"

namespace qac {

void log_message(LogLevel level, const std::string& message);

}  // namespace qac

// Usage: QAC_LOG(kInfo) << "reverted group " << id;
#define QAC_LOG(level)                                          \
  if (::qac::LogLevel::level < ::qac::log_level()) {            \
  } else                                                        \
    ::qac::detail::LogLine(::qac::LogLevel::level).stream()

namespace qac::detail {
class LogLine {
 public:
  explicit LogLine(LogLevel level) : level_(level) {}
  ~LogLine() { log_message(level_, stream_.str()); }
  std::ostringstream& stream() { return stream_; }

 private:
  LogLevel level_;
  std::ostringstream stream_;
};
}  // namespace qac::detail
