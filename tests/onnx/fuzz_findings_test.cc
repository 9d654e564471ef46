// Inputs on which the fuzzers (fuzz/) crashed qac, kept in tests/data/fuzz/<fuzzer>/ and replayed
// through the code they crashed: each must now end in an error Status naming the problem.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "onnx/model_io.h"
#include "onnx/normalize.h"

namespace qac {
namespace {
namespace fs = std::filesystem;

std::vector<fs::path> findings(const std::string& fuzzer) {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(fs::path(QAC_SOURCE_DIR) / "tests/data/fuzz" / fuzzer)) {
    files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Model bytes through parse_model and normalize, as fuzz/fuzz_model.cc runs them.
TEST(FuzzFindingsTest, ModelsAreRefused) {
  const std::vector<fs::path> files = findings("model");
  ASSERT_FALSE(files.empty());
  for (const fs::path& file : files) {
    SCOPED_TRACE(file.filename().string());
    auto model = parse_model(read_bytes(file), file.string());
    if (!model.ok()) continue;
    NormalizeLog log;
    const Status s = normalize(*model, log);
    EXPECT_FALSE(s.ok());
    EXPECT_TRUE(s.code() == StatusCode::kInvalidModel || s.code() == StatusCode::kUnsupported) << s.to_string();
  }
}

}  // namespace
}  // namespace qac
