#include "quant/timing_cache.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/atomic_file.h"
#include "core/content_hash.h"
#include "core/cpu_identity.h"
#include "runtime/session.h"

namespace qac {
namespace {

constexpr const char* kEntryTag = "qac-kernel-timing-1";

}  // namespace

TimingCache::TimingCache(std::string dir)
    : dir_(std::move(dir)), machine_(cpu_model_name() + "|onnxruntime " + onnxruntime_version()) {}

std::string TimingCache::default_dir() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && *xdg != '\0') {
    return (std::filesystem::path(xdg) / "qac" / "kernel-timing").string();
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    return (std::filesystem::path(home) / ".cache" / "qac" / "kernel-timing").string();
  }
  return "";
}

std::string TimingCache::key(const std::vector<std::string>& models) const {
  ContentHash h;
  h.add(machine_);
  for (const std::string& m : models) h.add_field(m);
  return h.hex();
}

std::optional<std::vector<double>> TimingCache::get(const std::string& key) const {
  if (!enabled()) return std::nullopt;
  std::filesystem::path path = std::filesystem::path(dir_) / key;
  path += ".txt";
  std::ifstream in(path);
  std::string tag, machine;
  if (!in || !std::getline(in, tag) || tag != kEntryTag || !std::getline(in, machine) || machine != machine_) {
    return std::nullopt;
  }
  size_t n = 0;
  if (!(in >> n) || n > 100000) return std::nullopt;
  std::vector<double> values(n);
  for (double& v : values) {
    if (!(in >> v)) return std::nullopt;
  }
  return values;
}

void TimingCache::put(const std::string& key, const std::vector<double>& values) const {
  if (!enabled()) return;
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec) return;
  std::ostringstream out;
  out << kEntryTag << "\n" << machine_ << "\n" << values.size() << "\n";
  out.precision(17);
  for (double v : values) out << v << "\n";
  std::filesystem::path target = std::filesystem::path(dir_) / key;
  target += ".txt";
  (void)write_file_atomically(target, out.str());  // best effort: see put()'s contract
}

}  // namespace qac
