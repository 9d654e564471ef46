// Conformance of the opset upgrade on Debian's libonnx-testdata (ONNX backend node tests).
//  (a) UpgradeNodeTest: every test model whose default-domain opset is below 13 is normalized;
//      the original (when ONNX Runtime can run it) and the normalized model must both give the
//      expected outputs.
//  (b) DowngradeNodeTest: single-node tests of the ops the upgrader rewrites (mostly at opset
//      >= 13) are turned back into older-opset forms (downgrade.cc) and must, once normalized,
//      give the expected outputs.
#include <gtest/gtest.h>

#include <filesystem>
#include <iostream>
#include <map>
#include <mutex>
#include <set>

#include "downgrade.h"
#include "node_test_data.h"
#include "onnx/graph_walk.h"
#include "onnx/normalize.h"
#include "onnx_test_util.h"

// tests/CMakeLists.txt builds one source file per test; the downgrader is test-only code.
#include "downgrade.cc"  // NOLINT(bugprone-suspicious-include)

namespace qac::testing {
namespace {
namespace fs = std::filesystem;

const fs::path kTestDataRoot = "/usr/share/libonnx-testdata/data";
const char* const kSuites[] = {"node", "pytorch-converted", "pytorch-operator", "simple"};
constexpr int kTargetOpset = 13;
constexpr double kRtol = 1e-4;
constexpr double kAtol = 1e-5;
constexpr const char* kMissingData = "libonnx_testdata_missing";

// Cases that normalize() is expected to refuse, with the reason.
const std::map<std::string, std::string>& expected_unsupported() {
  static const std::map<std::string, std::string> cases = {
      {"node/test_scan_sum", "Scan-8 (batch axis, sequence_lens) has no mechanical opset-13 form"},
  };
  return cases;
}

// Counts of passing cases per op type, printed when the program ends.
struct Tally {
  std::mutex mu;
  std::map<std::string, int> upgraded, downgraded;
  static Tally& get() {
    static Tally t;
    return t;
  }
};

class TallyPrinter : public ::testing::Environment {
 public:
  void TearDown() override {
    auto print = [](const char* title, const std::map<std::string, int>& counts) {
      int total = 0;
      std::cout << title << ":";
      for (const auto& [op, n] : counts) {
        std::cout << " " << op << "=" << n;
        total += n;
      }
      std::cout << " (total " << total << ")\n";
    };
    print("[conformance] old-opset node tests passing after upgrade, per op type", Tally::get().upgraded);
    print("[conformance] downgrade->upgrade cases passing, per op type", Tally::get().downgraded);
  }
};
const auto* const kTallyPrinter = ::testing::AddGlobalTestEnvironment(new TallyPrinter);

std::string case_name(const std::string& id) {
  std::string name = id;
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

int model_opset(const fs::path& model_path) {
  onnx::ModelProto m;
  auto r = load_model(model_path);
  return r.ok() ? default_opset_version(*r) : -1;
}

// "suite/test" ids of the tests whose model is below opset 13.
std::vector<std::string> old_opset_tests() {
  std::vector<std::string> ids;
  std::error_code ec;
  if (!fs::is_directory(kTestDataRoot, ec)) return {kMissingData};
  for (const char* suite : kSuites) {
    std::set<std::string> names;
    for (const auto& e : fs::directory_iterator(kTestDataRoot / suite, ec)) names.insert(e.path().filename());
    for (const std::string& name : names) {
      const int opset = model_opset(kTestDataRoot / suite / name / "model.onnx");
      if (opset > 0 && opset < kTargetOpset) ids.push_back(std::string(suite) + "/" + name);
    }
  }
  return ids;
}

// Fails (as a gtest assertion) when outputs differ from the expected ones.
void expect_outputs(const Result<std::vector<Tensor>>& got, const NodeTestData& data, const std::string& which) {
  ASSERT_TRUE(got.ok()) << which << ": " << got.status().to_string();
  ASSERT_EQ(got->size(), data.expected.size()) << which;
  for (size_t i = 0; i < data.expected.size(); ++i) {
    EXPECT_TRUE(tensors_close(got->at(i), data.expected[i], kRtol, kAtol))
        << which << ", output '" << data.output_names[i] << "'";
  }
}

bool uses_non_default_domain(const onnx::ModelProto& model) {
  bool found = false;
  visit_graphs(model.graph(), [&](const onnx::GraphProto& g) {
    for (const auto& n : g.node()) found = found || !is_default_domain(n.domain());
  });
  return found;
}

class UpgradeNodeTest : public ::testing::TestWithParam<std::string> {};

TEST_P(UpgradeNodeTest, NormalizedModelGivesExpectedOutputs) {
  const std::string id = GetParam();
  if (id == kMissingData) GTEST_SKIP() << kTestDataRoot << " is missing (Debian package libonnx-testdata)";
  auto data = load_node_test(kTestDataRoot / id);
  if (!data.ok() && data.status().code() == StatusCode::kUnsupported) {
    GTEST_SKIP() << "test data not representable: " << data.status().message();
  }
  ASSERT_TRUE(data.ok()) << data.status().to_string();
  if (uses_non_default_domain(data->model)) GTEST_SKIP() << "uses a training/preview-domain op";

  onnx::ModelProto upgraded = data->model;
  NormalizeLog log;
  Status s = normalize(upgraded, log);
  if (auto it = expected_unsupported().find(id); it != expected_unsupported().end()) {
    ASSERT_EQ(s.code(), StatusCode::kUnsupported) << s.to_string();
    GTEST_SKIP() << it->second << " (normalize: " << s.message() << ")";
  }
  ASSERT_TRUE(s.ok()) << s.to_string();
  EXPECT_EQ(default_opset_version(upgraded), kTargetOpset);

  auto original = run_model(data->model, data->feeds, data->output_names);
  auto normalized = run_model(upgraded, data->feeds, data->output_names);
  if (!original.ok() && !normalized.ok()) {
    GTEST_SKIP() << "ONNX Runtime runs neither the original nor the normalized model: "
                 << normalized.status().message();
  }
  if (original.ok()) {
    // Where ONNX Runtime's own kernel deviates from the test's expectation on the original
    // model, the normalized model must reproduce the original's outputs instead.
    bool original_matches = original->size() == data->expected.size();
    for (size_t i = 0; original_matches && i < data->expected.size(); ++i) {
      original_matches = tensors_close(original->at(i), data->expected[i], kRtol, kAtol);
    }
    if (!original_matches) {
      std::cout << "[note] " << id << ": ONNX Runtime deviates from the expected outputs on the original "
                << "model; comparing the normalized model with the original instead\n";
      data->expected = *original;
    }
  } else {
    std::cout << "[note] " << id << ": ONNX Runtime cannot run the original model ("
              << original.status().message().substr(0, 160) << "); checking the normalized one only\n";
  }
  expect_outputs(normalized, *data, "normalized model");
  if (!HasFailure()) {
    std::set<std::string> ops;
    for (const auto& n : data->model.graph().node()) ops.insert(n.op_type());
    std::lock_guard<std::mutex> lock(Tally::get().mu);
    for (const auto& op : ops) ++Tally::get().upgraded[op];
  }
}

INSTANTIATE_TEST_SUITE_P(LibOnnxTestData, UpgradeNodeTest, ::testing::ValuesIn(old_opset_tests()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return case_name(info.param); });

// ---- (b) downgrade -> normalize ---------------------------------------------------------

struct DowngradeParam {
  std::string test;     // node test folder name
  std::string variant;  // DowngradedCase::variant
};

std::vector<DowngradeParam> downgrade_cases() {
  std::error_code ec;
  if (!fs::is_directory(kTestDataRoot, ec)) return {{kMissingData, ""}};
  std::set<std::string> names;
  for (const auto& e : fs::directory_iterator(kTestDataRoot / "node", ec)) names.insert(e.path().filename());
  std::vector<DowngradeParam> cases;
  for (const std::string& name : names) {
    if (name.find("_expanded") != std::string::npos) continue;
    const fs::path dir = kTestDataRoot / "node" / name;
    const int opset = model_opset(dir / "model.onnx");
    auto data = load_node_test(dir);
    if (!data.ok()) continue;
    auto variants = downgrade_node_test(data->model, data->feeds);
    if (!variants.ok()) continue;
    for (const auto& v : *variants) {
      if (default_opset_version(v.model) < opset) cases.push_back({name, v.variant});
    }
  }
  return cases;
}

class DowngradeNodeTest : public ::testing::TestWithParam<DowngradeParam> {};

TEST_P(DowngradeNodeTest, UpgradedOldFormGivesExpectedOutputs) {
  const DowngradeParam& param = GetParam();
  if (param.test == kMissingData) GTEST_SKIP() << kTestDataRoot << " is missing (Debian package libonnx-testdata)";
  auto data = load_node_test(kTestDataRoot / "node" / param.test);
  ASSERT_TRUE(data.ok()) << data.status().to_string();
  auto variants = downgrade_node_test(data->model, data->feeds);
  ASSERT_TRUE(variants.ok()) << variants.status().to_string();
  const DowngradedCase* found = nullptr;
  for (const auto& v : *variants) found = v.variant == param.variant ? &v : found;
  ASSERT_NE(found, nullptr);

  // The old form itself must be right, or the check below proves nothing.
  auto old_form = run_model(found->model, found->feeds, data->output_names);
  if (old_form.ok()) {
    expect_outputs(old_form, *data, "downgraded model");
  } else {
    std::cout << "[note] " << param.test << "/" << param.variant << ": ONNX Runtime cannot run the old form ("
              << old_form.status().message().substr(0, 160) << ")\n";
  }

  onnx::ModelProto upgraded = found->model;
  NormalizeLog log;
  Status s = normalize(upgraded, log);
  ASSERT_TRUE(s.ok()) << s.to_string();
  EXPECT_EQ(default_opset_version(upgraded), kTargetOpset);
  expect_outputs(run_model(upgraded, found->feeds, data->output_names), *data, "normalized model");
  if (!HasFailure()) {
    std::lock_guard<std::mutex> lock(Tally::get().mu);
    ++Tally::get().downgraded[found->op_type];
  }
}

INSTANTIATE_TEST_SUITE_P(LibOnnxTestData, DowngradeNodeTest, ::testing::ValuesIn(downgrade_cases()),
                         [](const ::testing::TestParamInfo<DowngradeParam>& info) {
                           return case_name(info.param.test + "__" + info.param.variant);
                         });

}  // namespace
}  // namespace qac::testing
