// A folder of small files, one per key: the on-disk store behind qac's caches. Each entry is
// written all or nothing (core/atomic_file.h), so a run killed at any point leaves every entry
// either absent or complete, and another run can read what the killed one finished.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "qac/status.h"

namespace qac {

class KeyedFiles {
 public:
  // Entries live in `dir`, created (with its parents) by the first put().
  explicit KeyedFiles(std::string dir) : dir_(std::move(dir)) {}

  const std::string& dir() const { return dir_; }
  // The bytes stored under `key` (a file name: letters, digits, '-', '_', '.'), or nullopt.
  std::optional<std::string> get(std::string_view key) const;
  // Stores `bytes` under `key`, replacing an older entry. IoError naming the file on failure.
  Status put(std::string_view key, std::string_view bytes) const;

 private:
  std::string dir_;
};

}  // namespace qac
