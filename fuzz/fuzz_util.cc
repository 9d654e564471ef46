#include "fuzz_util.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "core/log.h"

namespace qac::fuzz {
namespace fs = std::filesystem;
namespace {

fs::path make_scratch_dir() {
  std::error_code ec;
  std::string tmpl = (fs::temp_directory_path(ec) / "qac_fuzz_XXXXXX").string();
  if (ec || ::mkdtemp(tmpl.data()) == nullptr) std::abort();
  return tmpl;
}

}  // namespace

const fs::path& scratch_dir() {
  static const fs::path dir = [] {
    fs::path made = make_scratch_dir();
    std::atexit([] {
      std::error_code ec;
      fs::remove_all(scratch_dir(), ec);
    });
    return made;
  }();
  return dir;
}

bool write_file(const fs::path& path, const uint8_t* data, size_t size) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  return static_cast<bool>(out);
}

void quiet_logs() { set_log_level(LogLevel::kQuiet); }

}  // namespace qac::fuzz
