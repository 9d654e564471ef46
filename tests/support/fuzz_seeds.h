// The committed seed inputs of the fuzzers (fuzz/corpus/<fuzzer>/), read by the tests that pin
// the formats those seeds are written in.
#pragma once

#include <fstream>
#include <iterator>
#include <string>

namespace qac::testing {

// The bytes of fuzz/corpus/<fuzzer>/<name>; "" when it cannot be read.
inline std::string fuzz_seed(const std::string& fuzzer, const std::string& name) {
  std::ifstream in(std::string(QAC_SOURCE_DIR) + "/fuzz/corpus/" + fuzzer + "/" + name, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// A seed of the cache_entry fuzzer without its first byte (which picks the fuzzer's reader).
inline std::string cache_entry_seed(const std::string& name) {
  const std::string bytes = fuzz_seed("cache_entry", name);
  return bytes.empty() ? bytes : bytes.substr(1);
}

}  // namespace qac::testing
