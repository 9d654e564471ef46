// Shared pieces of the fuzz targets: a private scratch folder for parsers that read files, and
// quiet logging (a fuzzer runs millions of inputs).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

namespace qac::fuzz {

// A folder of its own under TMPDIR, created on first use and removed at exit.
const std::filesystem::path& scratch_dir();

// Writes `size` bytes at `data` to `path` (replacing it). False when the file cannot be written.
bool write_file(const std::filesystem::path& path, const uint8_t* data, size_t size);

// Sets qac's log level to quiet; call from LLVMFuzzerInitialize.
void quiet_logs();

}  // namespace qac::fuzz
