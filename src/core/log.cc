#include "core/log.h"

#include <atomic>
#include <cstdio>
#include <memory>
#include <mutex>

namespace qac {
namespace {
std::atomic<LogLevel> g_level{LogLevel::kWarning};
std::mutex g_mutex;                 // serializes stderr lines and guards g_sink
std::shared_ptr<const LogSink> g_sink;  // null: stderr
const char* level_tag(LogLevel l) {
  switch (l) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarning: return "warning";
    case LogLevel::kError: return "error";
    case LogLevel::kQuiet: return "";
  }
  return "";
}
}  // namespace

void set_log_level(LogLevel level) { g_level = level; }
LogLevel log_level() { return g_level; }

void set_log_sink(LogSink sink) {
  std::lock_guard<std::mutex> lock(g_mutex);
  g_sink = sink ? std::make_shared<const LogSink>(std::move(sink)) : nullptr;
}

void log_message(LogLevel level, const std::string& message) {
  if (level < g_level.load()) return;
  std::shared_ptr<const LogSink> sink;
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    sink = g_sink;
  }
  if (sink) {  // called without the lock: a sink may take its own locks (e.g. Python's GIL)
    (*sink)(level, message);
    return;
  }
  std::lock_guard<std::mutex> lock(g_mutex);
  std::fprintf(stderr, "[qac %s] %s\n", level_tag(level), message.c_str());
}

}  // namespace qac
