// `qac inspect` (text and JSON) on the PP-OCRv4 recognizer, and `qac eval` with labels and
// against an FP32 reference, cross-checked against values computed here from ONNX Runtime runs.
#include <nlohmann/json.hpp>

#include <cstdio>
#include <map>

#include "core/npy.h"
#include "e2e_util.h"

namespace qac::e2e {
namespace {

constexpr size_t kEvalLimit = 500;

int argmax_row(const float* row, int64_t n) {
  int best = 0;
  for (int64_t i = 1; i < n; ++i) {
    if (row[i] > row[best]) best = static_cast<int>(i);
  }
  return best;
}

// Per-row argmax of a [N, C] tensor.
std::vector<int> argmax_rows(const Tensor& t) {
  const std::vector<float> v = t.to_float();
  const int64_t n = t.shape.at(0), c = t.shape.at(1);
  std::vector<int> best;
  for (int64_t i = 0; i < n; ++i) best.push_back(argmax_row(v.data() + i * c, c));
  return best;
}

TEST(E2eInspect, RecognizerTextShowsHistogramAndReasons) {
  QAC_E2E_REQUIRE_ASSETS(kRecModel);
  const CliResult r = run_cli({"inspect", kRecModel.string()});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_TRUE(r.err.empty()) << r;
  for (const char* section : {"op histogram:", "would quantize", "activation quantizers:", "left in float:"}) {
    EXPECT_NE(r.out.find(section), std::string::npos) << section << "\n" << r;
  }
  // The input and output of the recognizer with their shapes.
  EXPECT_NE(r.out.find("input  x ["), std::string::npos) << r;
  EXPECT_NE(r.out.find("output softmax_11.tmp_0 ["), std::string::npos) << r;
  // Histogram lines of the original graph: 38 Conv, 13 MatMul.
  EXPECT_NE(r.out.find("  Conv                   38\n"), std::string::npos) << r;
  EXPECT_NE(r.out.find("  MatMul                 13\n"), std::string::npos) << r;
  // Every "left in float" line carries a reason after "(OpType): ".
  const size_t floats = r.out.find("left in float:\n");
  ASSERT_NE(floats, std::string::npos);
  std::istringstream lines(r.out.substr(floats + std::string("left in float:\n").size()));
  std::string line;
  int reasons = 0;
  while (std::getline(lines, line) && line.rfind("  ", 0) == 0) {
    const size_t sep = line.find("): ");
    ASSERT_NE(sep, std::string::npos) << line;
    EXPECT_GT(line.size(), sep + 3) << "empty reason: " << line;
    ++reasons;
  }
  EXPECT_GT(reasons, 0) << r;
}

TEST(E2eInspect, RecognizerJsonHasExpectedKeys) {
  QAC_E2E_REQUIRE_ASSETS(kRecModel);
  const CliResult r = run_cli({"inspect", kRecModel.string(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r;
  const nlohmann::json j = nlohmann::json::parse(r.out, nullptr, /*allow_exceptions=*/false);
  ASSERT_FALSE(j.is_discarded()) << "not JSON:\n" << r.out;
  for (const char* key : {"model", "opset", "nodes", "op_histogram", "normalization", "quantized_ops_per_type",
                          "activation_quantizers", "weight_quantizers", "float_nodes"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_EQ(j.value("opset", 0), 9);
  EXPECT_EQ(j.value("nodes", 0), 765);
  EXPECT_EQ(j["op_histogram"].value("Conv", 0), 38);
  EXPECT_EQ(j["op_histogram"].value("MatMul", 0), 13);
  // The opset-9 recognizer is upgraded to 13 and its Constant weights become initializers.
  EXPECT_FALSE(j["normalization"].empty());
  EXPECT_GT(j["quantized_ops_per_type"].value("Conv", 0), 0);
  EXPECT_GT(j["quantized_ops_per_type"].value("MatMul", 0), 0);
  ASSERT_TRUE(j["activation_quantizers"].is_array());
  ASSERT_FALSE(j["activation_quantizers"].empty());
  for (const auto& q : j["activation_quantizers"]) {
    EXPECT_FALSE(q.value("tensor", "").empty()) << q;
    EXPECT_FALSE(q.value("reason", "").empty()) << q;
  }
  ASSERT_FALSE(j["weight_quantizers"].empty());
  for (const auto& w : j["weight_quantizers"]) {
    EXPECT_FALSE(w.value("node", "").empty()) << w;
    EXPECT_FALSE(w.value("weight", "").empty()) << w;
    EXPECT_TRUE(w.contains("axis")) << w;
  }
  ASSERT_FALSE(j["float_nodes"].empty());
  for (const auto& f : j["float_nodes"]) {
    EXPECT_FALSE(f.value("node", "").empty()) << f;
    EXPECT_FALSE(f.value("op_type", "").empty()) << f;
    EXPECT_FALSE(f.value("reason", "").empty()) << f;
  }
}

// top1 printed by `qac eval` equals the accuracy computed from an ONNX Runtime run here.
TEST(E2eEval, Top1WithLabelsMatchesDirectComputation) {
  QAC_E2E_REQUIRE_ASSETS(kCnnModel, kFmnistTest);
  const CliResult r = run_cli({"eval", kCnnModel.string(), "--data", kFmnistTest.string(), "--metric", "top1",
                               "--limit", std::to_string(kEvalLimit), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r;
  const nlohmann::json j = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << r;
  EXPECT_EQ(j.value("metric", ""), "top1");
  EXPECT_EQ(j.value("samples", 0u), kEvalLimit);

  auto feeds = first_samples(kFmnistTest, kEvalLimit);
  ASSERT_TRUE(feeds.ok()) << feeds.status().to_string();
  auto out = run_model_file(kCnnModel, OptimizationLevel::kAll, *feeds);
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  auto labels = read_npy(kFmnistTest / "labels.npy");
  ASSERT_TRUE(labels.ok()) << labels.status().to_string();
  const std::vector<int> predicted = argmax_rows(out->at(0));
  int correct = 0;
  for (size_t i = 0; i < kEvalLimit; ++i) correct += predicted[i] == labels->data<int64_t>()[i];
  const double expected = static_cast<double>(correct) / kEvalLimit;
  std::printf("[ measure  ] CNN FP32 top1 on %zu test images: %.4f\n", kEvalLimit, expected);
  EXPECT_DOUBLE_EQ(j.value("value", -1.0), expected);
}

// agreement and sqnr of an INT8 model against its FP32 reference, as `qac eval --reference`
// prints them, equal the top-1 agreement and the mean per-sample SQNR computed here.
TEST(E2eEval, AgreementAndSqnrAgainstReference) {
  QAC_E2E_REQUIRE_ASSETS(kCnnModel, kFmnistCalibration, kFmnistTest);
  ScratchDir dir;
  const fs::path int8_path = dir / "cnn.int8.onnx";
  const CliResult q = run_cli({"quantize", kCnnModel.string(), "--calibration", kFmnistCalibration.string(), "-o",
                               int8_path.string(), "--subset-size", std::to_string(kFastSubsetSize), "-q"});
  ASSERT_EQ(q.exit_code, 0) << q;

  auto feeds = first_samples(kFmnistTest, kEvalLimit);
  ASSERT_TRUE(feeds.ok()) << feeds.status().to_string();
  auto fp32 = run_model_file(kCnnModel, OptimizationLevel::kAll, *feeds);
  auto int8 = run_model_file(int8_path, OptimizationLevel::kAll, *feeds);
  ASSERT_TRUE(fp32.ok() && int8.ok());
  const std::vector<int> top_fp32 = argmax_rows(fp32->at(0)), top_int8 = argmax_rows(int8->at(0));
  int agree = 0;
  double sqnr_sum = 0;
  const int64_t classes = fp32->at(0).shape.at(1);
  for (size_t i = 0; i < kEvalLimit; ++i) {
    agree += top_fp32[i] == top_int8[i];
    const Tensor ref_row = fp32->at(0).slice_rows(static_cast<int64_t>(i), 1);
    const Tensor int8_row = int8->at(0).slice_rows(static_cast<int64_t>(i), 1);
    ASSERT_EQ(ref_row.numel(), static_cast<size_t>(classes));
    sqnr_sum += compare_outputs(ref_row, int8_row).sqnr_db;
  }
  const double expected_agreement = static_cast<double>(agree) / kEvalLimit;
  const double expected_sqnr = sqnr_sum / kEvalLimit;

  std::map<std::string, double> measured;
  for (const char* metric : {"agreement", "sqnr"}) {
    const CliResult r = run_cli({"eval", int8_path.string(), "--data", kFmnistTest.string(), "--metric", metric,
                                 "--reference", kCnnModel.string(), "--limit", std::to_string(kEvalLimit), "--json"});
    ASSERT_EQ(r.exit_code, 0) << r;
    const nlohmann::json j = nlohmann::json::parse(r.out, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << r;
    measured[metric] = j.value("value", std::nan(""));
  }
  std::printf("[ measure  ] CNN INT8 vs FP32 on %zu test images: agreement %.4f, mean SQNR %.2f dB\n", kEvalLimit,
              measured["agreement"], measured["sqnr"]);
  // Same ONNX Runtime kernels on both sides: only float summation order may differ.
  constexpr double kSqnrToleranceDb = 1e-3;
  EXPECT_DOUBLE_EQ(measured["agreement"], expected_agreement);
  EXPECT_NEAR(measured["sqnr"], expected_sqnr, kSqnrToleranceDb);
  EXPECT_GT(measured["agreement"], 0.9);
  EXPECT_GT(measured["sqnr"], 15.0);
}

}  // namespace
}  // namespace qac::e2e
