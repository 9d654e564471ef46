// A progress bar on stderr for long steps. Drawn only when stderr is a terminal (or when
// forced), and never when the log level is quiet; otherwise a single line at the end.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace qac {

class Progress {
 public:
  Progress(std::string label, size_t total);
  ~Progress();  // finishes the bar
  void advance(size_t n = 1);
  void finish();

  // Progress bars are off by default in library use; the CLI turns them on.
  static void set_enabled(bool enabled);

 private:
  void draw(bool final_line);
  std::string label_;
  size_t total_;
  size_t done_ = 0;
  bool finished_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace qac
