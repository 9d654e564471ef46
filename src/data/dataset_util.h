// Small helpers shared by the dataset readers.
#pragma once

#include <filesystem>
#include <string>

namespace qac {

// "'<path>'" for messages.
inline std::string quoted_path(const std::filesystem::path& path) {
  std::string out = "'";
  out += path.string();
  out += "'";
  return out;
}

}  // namespace qac
