// Leveled logging to stderr. Decisions the tool takes are logged at kInfo with ONNX names.
#pragma once

#include <sstream>
#include <string>

namespace qac {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3, kQuiet = 4 };

void set_log_level(LogLevel level);
LogLevel log_level();
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
