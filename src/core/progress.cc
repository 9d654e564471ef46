#include "core/progress.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <memory>
#include <mutex>

#include "core/log.h"

namespace qac {
namespace {
std::atomic<bool> g_enabled{false};
std::mutex g_sink_mutex;
std::shared_ptr<const ProgressSink> g_sink;  // null: the bar on stderr

std::shared_ptr<const ProgressSink> current_sink() {
  std::lock_guard<std::mutex> lock(g_sink_mutex);
  return g_sink;
}
}  // namespace

void Progress::set_enabled(bool enabled) { g_enabled = enabled; }
void set_progress_enabled(bool enabled) { Progress::set_enabled(enabled); }

void set_progress_sink(ProgressSink sink) {
  std::lock_guard<std::mutex> lock(g_sink_mutex);
  g_sink = sink ? std::make_shared<const ProgressSink>(std::move(sink)) : nullptr;
}

Progress::Progress(std::string label, size_t total)
    : label_(std::move(label)), total_(total), start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

Progress::~Progress() { finish(); }

void Progress::advance(size_t n) {
  done_ += n;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ > std::chrono::milliseconds(200)) {
    last_draw_ = now;
    draw(false);
  }
}

void Progress::finish() {
  if (finished_) return;
  finished_ = true;
  draw(true);
}

void Progress::draw(bool final_line) {
  if (!g_enabled || log_level() == LogLevel::kQuiet) return;
  if (const auto sink = current_sink()) {
    (*sink)(label_, done_, total_, final_line);
    return;
  }
  const bool tty = isatty(STDERR_FILENO) != 0;
  if (!tty && !final_line) return;
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const size_t width = 30;
  const size_t filled = total_ ? std::min(width, done_ * width / total_) : width;
  std::string bar(filled, '#');
  bar.resize(width, '.');
  std::fprintf(stderr, "%s%-28s [%s] %zu/%zu %.1fs%s", tty ? "\r" : "", label_.c_str(), bar.c_str(),
               done_, total_, secs, final_line ? "\n" : "");
  std::fflush(stderr);
}

}  // namespace qac
