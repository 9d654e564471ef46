#include "core/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace qac {
namespace fs = std::filesystem;
namespace {

// Permissions of a new file that replaces nothing: rw-r--r--.
constexpr mode_t kNewFileMode = 0644;

std::string quoted(const fs::path& p) {
  std::string text = "'";  // built in steps: "'" + s + "'" trips GCC 12's -Wrestrict
  text += p.string();
  text += '\'';
  return text;
}
std::string errno_text(int err) { return std::strerror(err); }

// Writes all of `bytes` to `fd`, retrying on short writes and EINTR. False with errno set.
bool write_all(int fd, std::string_view bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    done += static_cast<size_t>(n);
  }
  return true;
}

// Flushes the folder entry so that a rename survives a crash. Best effort: some file systems
// cannot fsync folders.
void sync_directory(const fs::path& dir) {
  const int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

struct Destination {
  fs::path path;  // the file to replace, symbolic links resolved
  mode_t mode = kNewFileMode;
};

Result<Destination> resolve(const fs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    const int err = errno;
    if (err == ENOENT) return Destination{path, kNewFileMode};
    return Status::IoError("cannot write " + quoted(path) + ": " + errno_text(err));
  }
  if (!S_ISREG(st.st_mode)) {
    return Status::InvalidArgument(quoted(path) + " exists and is not a regular file (" +
                                   (S_ISDIR(st.st_mode) ? "a folder" : "a device, pipe or socket") +
                                   "); qac only replaces regular files");
  }
  std::error_code ec;
  fs::path target = fs::canonical(path, ec);
  if (ec) return Status::IoError("cannot write " + quoted(path) + ": " + ec.message());
  return Destination{std::move(target), static_cast<mode_t>(st.st_mode & 07777)};
}

}  // namespace

Result<StagedFile> StagedFile::write(const fs::path& path, std::string_view bytes) {
  QAC_ASSIGN_OR_RETURN(Destination dest, resolve(path));
  const fs::path dir = dest.path.parent_path();
  std::string temp = (dir / (dest.path.filename().string() + ".tmp.XXXXXX")).string();
  const int fd = ::mkostemp(temp.data(), O_CLOEXEC);
  if (fd < 0) {
    return Status::IoError("cannot create a temporary file next to " + quoted(path) + ": " + errno_text(errno));
  }
  auto fail = [&](const std::string& what) {
    const std::string reason = errno_text(errno);
    ::close(fd);
    ::unlink(temp.c_str());
    return Status::IoError("cannot write " + quoted(path) + ": " + what + ": " + reason);
  };
  if (!write_all(fd, bytes)) return fail("write failed");
  if (::fchmod(fd, dest.mode) != 0) return fail("chmod failed");
  if (::fsync(fd) != 0) return fail("fsync failed");
  if (::close(fd) != 0) {
    const std::string reason = errno_text(errno);
    ::unlink(temp.c_str());
    return Status::IoError("cannot write " + quoted(path) + ": close failed: " + reason);
  }
  return StagedFile(std::move(dest.path), fs::path(temp));
}

StagedFile::StagedFile(StagedFile&& other) noexcept
    : destination_(std::move(other.destination_)), temp_(std::move(other.temp_)) {
  other.temp_.clear();
}

StagedFile& StagedFile::operator=(StagedFile&& other) noexcept {
  if (this != &other) {
    discard();
    destination_ = std::move(other.destination_);
    temp_ = std::move(other.temp_);
    other.temp_.clear();
  }
  return *this;
}

StagedFile::~StagedFile() { discard(); }

void StagedFile::discard() {
  if (!temp_.empty()) ::unlink(temp_.c_str());
  temp_.clear();
}

Status StagedFile::commit() {
  if (temp_.empty()) return Status::Internal("StagedFile for " + quoted(destination_) + " committed twice");
  if (::rename(temp_.c_str(), destination_.c_str()) != 0) {
    const std::string reason = errno_text(errno);
    discard();
    return Status::IoError("cannot write " + quoted(destination_) + ": rename failed: " + reason);
  }
  temp_.clear();
  sync_directory(destination_.parent_path());
  return Status::Ok();
}

Status write_file_atomically(const fs::path& path, std::string_view bytes) {
  QAC_ASSIGN_OR_RETURN(StagedFile staged, StagedFile::write(path, bytes));
  return staged.commit();
}

}  // namespace qac
