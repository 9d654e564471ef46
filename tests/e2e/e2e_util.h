// Helpers of the end-to-end tests: run the built `qac` binary, locate the real assets (tests
// skip when they are absent), read a batch of a dataset, run a model file in ONNX Runtime and
// compare outputs.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <onnx/onnx_pb.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "onnx/model_io.h"
#include "qac/dataset.h"
#include "qac/status.h"
#include "qac/tensor.h"
#include "runtime/session.h"
#include "support/scratch_dir.h"

namespace qac::e2e {

namespace fs = std::filesystem;

inline const fs::path kSourceDir = QAC_SOURCE_DIR;
inline const fs::path kCliPath = QAC_CLI_PATH;

// Real models and data of the repository (scripts/fetch_assets.sh).
inline const fs::path kCnnModel = kSourceDir / "models/fashion_mnist_cnn.onnx";
inline const fs::path kVitModel = kSourceDir / "models/fashion_mnist_vit.onnx";
inline const fs::path kRecModel = kSourceDir / "assets/models/ocr/rec.onnx";
inline const fs::path kDetModel = kSourceDir / "assets/models/ocr/det.onnx";
inline const fs::path kClsModel = kSourceDir / "assets/models/ocr/cls.onnx";
inline const fs::path kOcrDictionary = kSourceDir / "assets/models/ocr/ppocr_keys_v1.txt";
inline const fs::path kFmnistCalibration = kSourceDir / "assets/data/fmnist/calibration";
inline const fs::path kFmnistValidation = kSourceDir / "assets/data/fmnist/validation";
inline const fs::path kFmnistTest = kSourceDir / "assets/data/fmnist/test";
inline const fs::path kOcrCalibration = kSourceDir / "assets/data/ocr/calibration";
inline const fs::path kOcrValidation = kSourceDir / "assets/data/ocr/validation";
inline const fs::path kDetCalibration = kSourceDir / "assets/data/ocr_det/calibration";
inline const fs::path kClsCalibration = kSourceDir / "assets/data/ocr_cls/calibration";

// Calibration samples used wherever accuracy is not the point: keeps every run to seconds.
inline constexpr int kFastSubsetSize = 32;

// Skips the current test when one of `paths` does not exist.
#define QAC_E2E_REQUIRE_ASSETS(...)                                                           \
  do {                                                                                       \
    for (const ::std::filesystem::path& qac_asset_ : {__VA_ARGS__}) {                        \
      if (!::std::filesystem::exists(qac_asset_)) {                                          \
        GTEST_SKIP() << "asset " << qac_asset_ << " is absent (run scripts/fetch_assets.sh)"; \
      }                                                                                      \
    }                                                                                        \
  } while (0)

using ::qac::testing::ScratchDir;

// Names of the entries of `dir` (empty when it does not exist).
inline std::vector<std::string> list_dir(const fs::path& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) names.push_back(e.path().filename().string());
  return names;
}

inline std::string read_text(const fs::path& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Appends " 'text'" to `command`: POSIX shell quoting, embedded quotes closed and escaped.
inline void append_quoted(std::string& command, const std::string& text) {
  command.append(" '");
  for (char c : text) {
    if (c == '\'') {
      command.append("'\\''");
    } else {
      command.push_back(c);
    }
  }
  command.push_back('\'');
}

struct CliResult {
  int exit_code = -1;  // the process exit status; -1 when it did not exit normally
  std::string out, err;
};

// Runs `qac <args...>` to completion with stdout and stderr captured separately (in files of
// a private scratch folder, so the caller's output folders stay untouched).
inline CliResult run_cli(const std::vector<std::string>& args) {
  ScratchDir capture;
  std::string command = "exec";
  append_quoted(command, kCliPath.string());
  for (const auto& a : args) append_quoted(command, a);
  command.append(" >");
  append_quoted(command, (capture / "out").string());
  command.append(" 2>");
  append_quoted(command, (capture / "err").string());
  const int status = std::system(command.c_str());
  CliResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read_text(capture / "out");
  r.err = read_text(capture / "err");
  return r;
}

inline std::ostream& operator<<(std::ostream& os, const CliResult& r) {
  return os << "exit " << r.exit_code << "\n--- stdout ---\n" << r.out << "--- stderr ---\n" << r.err;
}

// Exit codes the README documents.
inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;         // bad input, runtime failure
inline constexpr int kExitUsage = 2;         // bad command line
inline constexpr int kExitBudgetNotMet = 3;  // accuracy budget not met

// The run failed with `exit_code`, printed nothing on stdout and, on stderr, one "qac: error:"
// line (or CLI11's usage message) naming every string of `names`.
inline void expect_cli_failure(const CliResult& r, int exit_code, const std::vector<std::string>& names) {
  EXPECT_EQ(r.exit_code, exit_code) << r;
  EXPECT_TRUE(r.out.empty()) << r;
  for (const auto& name : names) EXPECT_NE(r.err.find(name), std::string::npos) << "'" << name << "'\n" << r;
  if (exit_code == kExitError) {
    EXPECT_NE(r.err.find("qac: error: "), std::string::npos) << r;
  }
}

// The first `count` samples of the dataset in `dir` (all of them when it holds fewer).
inline Result<NamedTensors> first_samples(const fs::path& dir, size_t count) {
  QAC_ASSIGN_OR_RETURN(auto data, open_dataset(dir));
  return data->read(0, std::min(count, data->size()));
}

// Runs the model file at `path` once on `feeds` with ONNX Runtime at `level`; all outputs.
inline Result<std::vector<Tensor>> run_model_file(const fs::path& path, OptimizationLevel level,
                                                  const NamedTensors& feeds) {
  QAC_ASSIGN_OR_RETURN(onnx::ModelProto model, load_model(path));
  SessionOptions options;
  options.optimization = level;
  QAC_ASSIGN_OR_RETURN(auto session, Session::create(serialize(model), options, path.string()));
  return session->run(feeds);
}

// How far `test` is from `reference`, element by element (same shape, float32).
struct Agreement {
  double sqnr_db = 0;         // 10 log10(sum ref^2 / sum (ref - test)^2); +inf when equal
  double max_abs_diff = 0;
  double reference_range = 0;  // max(ref) - min(ref)
};

inline Agreement compare_outputs(const Tensor& reference, const Tensor& test) {
  const std::vector<float> ref = reference.to_float();
  const std::vector<float> got = test.to_float();
  Agreement a;
  double signal = 0, noise = 0;
  float lo = ref.empty() ? 0.f : ref[0], hi = lo;
  for (size_t i = 0; i < ref.size() && i < got.size(); ++i) {
    const double d = static_cast<double>(ref[i]) - got[i];
    signal += static_cast<double>(ref[i]) * ref[i];
    noise += d * d;
    a.max_abs_diff = std::max(a.max_abs_diff, std::abs(d));
    lo = std::min(lo, ref[i]);
    hi = std::max(hi, ref[i]);
  }
  a.sqnr_db = noise == 0 ? INFINITY : 10.0 * std::log10(signal / noise);
  a.reference_range = static_cast<double>(hi) - lo;
  return a;
}

}  // namespace qac::e2e
