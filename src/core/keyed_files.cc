#include "core/keyed_files.h"

#include <filesystem>
#include <fstream>
#include <iterator>

#include "core/atomic_file.h"

namespace qac {

std::optional<std::string> KeyedFiles::get(std::string_view key) const {
  std::ifstream in(std::filesystem::path(dir_) / std::string(key), std::ios::binary);
  if (!in) return std::nullopt;
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return std::nullopt;
  return bytes;
}

Status KeyedFiles::put(std::string_view key, std::string_view bytes) const {
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec) return Status::IoError("cannot create cache folder " + dir_ + ": " + ec.message());
  return write_file_atomically(std::filesystem::path(dir_) / std::string(key), bytes);
}

}  // namespace qac
