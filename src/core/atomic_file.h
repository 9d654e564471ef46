// Files written all or nothing: the bytes go to a temporary file (mkstemp) in the destination's
// folder, are flushed to disk (fsync) and the file is renamed over the destination, whose
// folder entry is then flushed too. A reader, a crash or a kill at any point sees either the
// old destination or the complete new one, never a part.
//
// Only regular files are replaced: a destination that exists and is anything else (a folder,
// a device such as /dev/full, a FIFO, a socket) is refused. A destination that is a symbolic
// link to a regular file keeps its link: the file it points to is replaced.
#pragma once

#include <filesystem>
#include <string_view>

#include "qac/status.h"

namespace qac {

// A new version of a file, written and flushed but not yet in place.
class StagedFile {
 public:
  // Writes `bytes` to a fresh temporary file next to `path` (the file `path` resolves to) and
  // flushes it. It gets the permissions of the file it will replace, or rw-r--r--.
  // Errors (nothing is left behind): InvalidArgument when `path` exists and is not a regular
  // file; IoError naming `path` when the folder is missing or unwritable, or a write fails.
  static Result<StagedFile> write(const std::filesystem::path& path, std::string_view bytes);

  StagedFile(StagedFile&& other) noexcept;
  StagedFile& operator=(StagedFile&& other) noexcept;
  StagedFile(const StagedFile&) = delete;
  StagedFile& operator=(const StagedFile&) = delete;
  // Removes the temporary file unless commit() succeeded.
  ~StagedFile();

  // Renames the temporary file over the destination and flushes the folder. IoError naming
  // the destination on failure, which leaves the destination untouched. Call at most once.
  Status commit();

  const std::filesystem::path& destination() const { return destination_; }

 private:
  StagedFile(std::filesystem::path destination, std::filesystem::path temp)
      : destination_(std::move(destination)), temp_(std::move(temp)) {}
  void discard();

  std::filesystem::path destination_;
  std::filesystem::path temp_;  // empty once committed or discarded
};

// StagedFile::write(path, bytes) followed by commit().
Status write_file_atomically(const std::filesystem::path& path, std::string_view bytes);

}  // namespace qac
