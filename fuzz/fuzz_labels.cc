// Fuzz target: dataset labels. The first byte picks the sample count (its low 3 bits) and the
// file (bit 3: labels.npy, else labels.json); the rest is the file's content, loaded as the
// labels of a dataset with that many samples. Every input must end in a Status.
#include <cstddef>
#include <cstdint>
#include <filesystem>

#include "data/dataset_labels.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  qac::fuzz::quiet_logs();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t samples = data[0] & 0x7;
  const bool npy = (data[0] & 0x8) != 0;
  const std::filesystem::path dir = qac::fuzz::scratch_dir() / (npy ? "labels_npy" : "labels_json");
  std::filesystem::create_directories(dir);
  if (!qac::fuzz::write_file(dir / (npy ? "labels.npy" : "labels.json"), data + 1, size - 1)) return 0;
  (void)qac::load_dataset_labels(dir, samples);
  return 0;
}
