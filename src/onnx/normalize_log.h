// NormalizeLog: the human-readable record of every decision a normalization pass takes.
// Each entry names the node (or tensor) it concerns; entries are also logged at kInfo.
#pragma once

#include <string>
#include <vector>

namespace qac {

struct NormalizeLog {
  std::vector<std::string> entries;

  // Appends `message` and logs it at kInfo.
  void add(const std::string& message);
  // Appends `message` and logs it at kWarning (something the user should look at).
  void warn(const std::string& message);
};

}  // namespace qac
