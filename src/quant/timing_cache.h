// Kernel timings kept on disk, so that the same command on the same machine makes the same
// choice: a measurement is keyed by the CPU model, the ONNX Runtime version and the exact bytes
// of the models timed, and a second run with the same key reads the first run's numbers
// instead of measuring again (timings vary by a few percent between runs, enough to flip a
// unit that sits near the threshold).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace qac {

class TimingCache {
 public:
  // No cache: get() finds nothing, put() stores nothing.
  TimingCache() = default;
  // Entries live in `dir` (created when the first entry is stored).
  explicit TimingCache(std::string dir);

  // $XDG_CACHE_HOME/qac/kernel-timing, else $HOME/.cache/qac/kernel-timing; "" when neither
  // variable is set.
  static std::string default_dir();

  bool enabled() const { return !dir_.empty(); }
  const std::string& dir() const { return dir_; }

  // The key of a measurement of `models` (serialized bytes) on this CPU and ONNX Runtime.
  std::string key(const std::vector<std::string>& models) const;

  // The values stored under `key`, or nullopt (no entry, or an entry that does not parse).
  std::optional<std::vector<double>> get(const std::string& key) const;
  // Stores `values` under `key`, atomically (temporary file + rename). Best effort: a cache that
  // cannot be written only costs the next run a measurement.
  void put(const std::string& key, const std::vector<double>& values) const;

 private:
  std::string dir_;
  std::string machine_;  // CPU model and ONNX Runtime version, part of every key
};

}  // namespace qac
