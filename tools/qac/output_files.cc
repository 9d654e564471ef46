#include "output_files.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace qac::cli {
namespace fs = std::filesystem;
namespace {

std::string quoted(const fs::path& p) {
  std::string text = p.string();
  text.insert(text.begin(), '\'');
  text.push_back('\'');
  return text;
}

}  // namespace

Status write_text_atomically(const fs::path& path, const std::string& text) {
  const fs::path tmp = path.string() + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary);
    if (!f || !(f << text) || !f.flush()) {
      std::error_code ec;
      fs::remove(tmp, ec);
      return Status::IoError("cannot write " + quoted(path));
    }
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    return Status::IoError("cannot write " + quoted(path) + ": " + ec.message());
  }
  return Status::Ok();
}

Status check_writable_file(const fs::path& path, const std::string& what) {
  if (path.empty()) return Status::Ok();
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    return Status::InvalidArgument(what + " " + quoted(path) + " is a folder; give a file name");
  }
  const fs::path folder = path.parent_path().empty() ? fs::path(".") : path.parent_path();
  if (!fs::exists(folder, ec)) {
    return Status::NotFound("the folder of the " + what + " " + quoted(path) + " does not exist");
  }
  if (!fs::is_directory(folder, ec)) {
    return Status::InvalidArgument("the " + what + " " + quoted(path) + " is inside " + quoted(folder) +
                                   ", which is not a folder");
  }
  if (::access(folder.c_str(), W_OK) != 0) {
    return Status::IoError("cannot write the " + what + " " + quoted(path) + ": folder " + quoted(folder) + ": " +
                           std::strerror(errno));
  }
  return Status::Ok();
}

Status write_outputs(const Model& model, const fs::path& model_path, const fs::path& report_path,
                     const std::string& report_text) {
  // The report goes first: a failure then leaves the model path untouched.
  if (!report_path.empty()) QAC_RETURN_IF_ERROR(write_text_atomically(report_path, report_text));
  Status s = model.save(model_path);
  if (!s.ok() && !report_path.empty()) {
    std::error_code ec;
    fs::remove(report_path, ec);
  }
  return s;
}

}  // namespace qac::cli
