// Fuzz target: .npy files. The bytes are read as an array (header, whole array, rows) and as
// the only input of an <input>.npy dataset folder. Every input must end in a Status.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>

#include "core/npy.h"
#include "fuzz_util.h"
#include "qac/dataset.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  qac::fuzz::quiet_logs();
  std::filesystem::create_directories(qac::fuzz::scratch_dir() / "npy");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::filesystem::path dir = qac::fuzz::scratch_dir() / "npy";
  const std::filesystem::path file = dir / "x.npy";
  if (!qac::fuzz::write_file(file, data, size)) return 0;
  auto reader = qac::NpyReader::open(file);
  if (reader.ok()) {
    (void)(*reader)->read_all();
    const int64_t rows = (*reader)->rows();
    (void)(*reader)->read_rows(0, std::min<int64_t>(rows, 2));
    if (rows > 0) (void)(*reader)->read_rows(rows - 1, 1);
  }
  auto dataset = qac::open_dataset(dir);
  if (dataset.ok() && (*dataset)->size() > 0) (void)(*dataset)->read(0, 1);
  return 0;
}
