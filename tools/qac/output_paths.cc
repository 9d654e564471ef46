#include "output_paths.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>

namespace qac::cli {
namespace fs = std::filesystem;
namespace {

std::string quoted(const fs::path& p) {
  std::string text = "'";  // built in steps: "'" + s + "'" trips GCC 12's -Wrestrict
  text += p.string();
  text += '\'';
  return text;
}

std::string named(const OutputPath& out) { return out.option + " " + quoted(out.path); }

// A file's identity: two paths name the same file exactly when these are equal.
struct FileId {
  dev_t device = 0;
  ino_t inode = 0;
  bool operator==(const FileId&) const = default;
};

// The identity of the file `path` resolves to, and its type; nullopt when it does not exist.
std::optional<std::pair<FileId, mode_t>> stat_of(const fs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  return std::make_pair(FileId{st.st_dev, st.st_ino}, st.st_mode);
}

// The regular files an input stands for: itself, or the files of a folder and of its direct
// subfolders (datasets keep their files at most one level down: test_data_set_*/input_*.pb).
std::vector<std::pair<FileId, fs::path>> input_files(const fs::path& input) {
  std::vector<std::pair<FileId, fs::path>> files;
  const auto info = stat_of(input);
  if (!info) return files;
  if (S_ISREG(info->second)) {
    files.emplace_back(info->first, input);
    return files;
  }
  if (!S_ISDIR(info->second)) return files;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(input, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it.depth() >= 1) it.disable_recursion_pending();
    if (const auto file = stat_of(it->path()); file && S_ISREG(file->second)) files.emplace_back(file->first, it->path());
  }
  return files;
}

Status check_folder(const OutputPath& out) {
  const fs::path folder = out.path.parent_path().empty() ? fs::path(".") : out.path.parent_path();
  std::error_code ec;
  if (!fs::exists(folder, ec)) {
    if (out.folder_created) return Status::Ok();
    return Status::NotFound("the folder of " + named(out) + " does not exist");
  }
  if (!fs::is_directory(folder, ec)) {
    return Status::InvalidArgument(named(out) + " is inside " + quoted(folder) + ", which is not a folder");
  }
  if (::access(folder.c_str(), W_OK) != 0) {
    return Status::IoError("cannot write " + named(out) + ": folder " + quoted(folder) + ": " + std::strerror(errno));
  }
  return Status::Ok();
}

// The same file, by identity when both exist, else by canonical path.
bool same_file(const fs::path& a, const fs::path& b) {
  const auto ia = stat_of(a), ib = stat_of(b);
  if (ia || ib) return ia && ib && ia->first == ib->first;
  std::error_code ec_a, ec_b;
  const fs::path ca = fs::weakly_canonical(fs::absolute(a), ec_a);
  const fs::path cb = fs::weakly_canonical(fs::absolute(b), ec_b);
  return !ec_a && !ec_b && ca == cb;
}

}  // namespace

Status check_output_paths(const std::vector<OutputPath>& outputs, const std::vector<fs::path>& inputs) {
  std::vector<std::pair<FileId, fs::path>> read_files;
  for (const fs::path& input : inputs) {
    if (input.empty()) continue;
    for (auto& file : input_files(input)) read_files.push_back(std::move(file));
  }
  for (size_t i = 0; i < outputs.size(); ++i) {
    const OutputPath& out = outputs[i];
    if (out.path.empty()) continue;
    if (const auto info = stat_of(out.path)) {
      if (S_ISDIR(info->second)) return Status::InvalidArgument(named(out) + " is a folder; give a file name");
      if (!S_ISREG(info->second)) {
        return Status::InvalidArgument(named(out) + " exists and is not a regular file (a device, pipe or socket); "
                                       "qac only replaces regular files");
      }
      for (const auto& [id, path] : read_files) {
        if (id == info->first) {
          return Status::InvalidArgument(named(out) + " is " + quoted(path) +
                                         ", which this run reads; writing it would destroy an input");
        }
      }
    }
    QAC_RETURN_IF_ERROR(check_folder(out));
    for (size_t j = 0; j < i; ++j) {
      if (!outputs[j].path.empty() && same_file(outputs[j].path, out.path)) {
        return Status::InvalidArgument(named(out) + " and " + named(outputs[j]) +
                                       " are the same file; give each output its own file");
      }
    }
  }
  return Status::Ok();
}

}  // namespace qac::cli
