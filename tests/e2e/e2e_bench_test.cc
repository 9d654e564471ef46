// `qac bench`: the table and JSON for the Fashion-MNIST CNN against itself, inputs from a dataset
// or drawn at random, --profile, and bad input (exit 1 with a message naming the file or input;
// exit 2 for a bad command line). No assertion on absolute times.
#include <nlohmann/json.hpp>

#include <fstream>

#include "e2e_util.h"
#include "support/model_builder.h"

namespace qac::e2e {
namespace {

// x -> Relu -> y, with the input shape given (-1 = symbolic), written to `path`.
fs::path write_relu_model(const fs::path& path, const std::string& input, const std::vector<int64_t>& shape) {
  qac::testing::ModelBuilder b;
  b.input(input, shape).output("y");
  b.node("Relu", {input}, {"y"}, "relu");
  std::ofstream(path, std::ios::binary) << b.serialize();
  return path;
}

nlohmann::json parse_json_file(const fs::path& path) {
  return nlohmann::json::parse(read_text(path), nullptr, /*allow_exceptions=*/false);
}

TEST(E2eBench, CnnAgainstItself) {
  ScratchDir dir;
  const fs::path json = dir / "bench.json";
  const CliResult r = run_cli({"bench", kCnnModel.string(), kCnnModel.string(), "--runs", "5", "--warmup", "1",
                               "--json", json.string()});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(r.out.find("inputs: input float32 [1, 1, 28, 28] (random values)"), std::string::npos) << r;
  EXPECT_NE(r.out.find("ratio"), std::string::npos) << r;
  EXPECT_NE(r.out.find("int8 MACs"), std::string::npos) << r;
  EXPECT_NE(r.out.find("  1.000  "), std::string::npos) << "the first model's ratio\n" << r;

  const nlohmann::json j = parse_json_file(json);
  ASSERT_FALSE(j.is_discarded()) << read_text(json);
  EXPECT_EQ(j["timed_runs"], 5);
  EXPECT_EQ(j["threads"], 1);
  EXPECT_EQ(j["inputs"]["input"]["shape"], nlohmann::json({1, 1, 28, 28}));
  ASSERT_EQ(j["models"].size(), 2u);
  for (const auto& m : j["models"]) {
    EXPECT_EQ(m["model"], kCnnModel.string());
    EXPECT_EQ(m["run_ms"].size(), 5u);
    EXPECT_GT(m["median_ms"].get<double>(), 0);
    EXPECT_EQ(m["int8_coverage"], 0.0);  // an FP32 model
    EXPECT_GT(m["macs"]["float"].get<double>(), 0);
    EXPECT_FALSE(m.contains("op_type_times"));
  }
  EXPECT_EQ(j["models"][0]["ratio_to_first"], 1.0);
  EXPECT_TRUE(list_dir(dir.path()) == std::vector<std::string>{"bench.json"}) << "temporary files left";
}

TEST(E2eBench, DatasetBatchAndProfile) {
  QAC_E2E_REQUIRE_ASSETS(kFmnistTest);
  const CliResult r = run_cli({"bench", kCnnModel.string(), "--data", kFmnistTest.string(), "--batch", "4", "--runs",
                               "3", "--warmup", "1", "--profile"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(r.out.find("input float32 [4, 1, 28, 28] (from " + kFmnistTest.string() + ")"), std::string::npos) << r;
  EXPECT_NE(r.out.find("time per op type in " + kCnnModel.string()), std::string::npos) << r;
  EXPECT_NE(r.out.find("  Conv "), std::string::npos) << r;
}

TEST(E2eBench, SymbolicDimensionsNeedAShape) {
  ScratchDir dir;
  const fs::path model = write_relu_model(dir / "relu.onnx", "x", {-1, 3, -1});
  expect_cli_failure(run_cli({"bench", model.string()}), kExitError, {model.string(), "'x'", "--shape"});
  const CliResult r = run_cli({"bench", model.string(), "--shape", "x=2x3x5", "--runs", "2"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(r.out.find("x float32 [2, 3, 5]"), std::string::npos) << r;
  // No convolution or matrix product: no coverage to show.
  EXPECT_NE(r.out.find("        -"), std::string::npos) << r;
}

TEST(E2eBench, ModelsMustTakeTheSameInputs) {
  ScratchDir dir;
  const fs::path x = write_relu_model(dir / "x.onnx", "x", {1, 4});
  const fs::path y = write_relu_model(dir / "y.onnx", "y", {1, 4});
  const fs::path wider = write_relu_model(dir / "wider.onnx", "x", {1, 5});
  expect_cli_failure(run_cli({"bench", x.string(), y.string()}), kExitError, {y.string(), x.string(), "'y'"});
  expect_cli_failure(run_cli({"bench", x.string(), wider.string()}), kExitError, {wider.string(), "'x'", "[1, 5]"});
  expect_cli_failure(run_cli({"bench", x.string(), "--batch", "2"}), kExitError, {x.string(), "'x'", "--batch"});
}

TEST(E2eBench, BadModelFiles) {
  ScratchDir dir;
  const fs::path missing = dir / "no_such_model.onnx";
  expect_cli_failure(run_cli({"bench", kCnnModel.string(), missing.string()}), kExitError,
                 {missing.string(), "does not exist"});
  const fs::path garbage = dir / "garbage.onnx";
  std::ofstream(garbage, std::ios::binary) << "this is not a protobuf";
  expect_cli_failure(run_cli({"bench", garbage.string()}), kExitError, {garbage.string()});
  const fs::path json_in_missing_folder = dir / "no_such_folder" / "bench.json";
  expect_cli_failure(run_cli({"bench", kCnnModel.string(), "--json", json_in_missing_folder.string()}), kExitError,
                 {json_in_missing_folder.string()});
}

TEST(E2eBench, BadCommandLines) {
  expect_cli_failure(run_cli({"bench"}), kExitUsage, {"models"});
  expect_cli_failure(run_cli({"bench", kCnnModel.string(), "--runs", "0"}), kExitUsage, {"--runs"});
  expect_cli_failure(run_cli({"bench", kCnnModel.string(), "--shape", "input=1x1x28"}), kExitError, {"'input'"});
  expect_cli_failure(run_cli({"bench", kCnnModel.string(), "--shape", "input"}), kExitUsage, {"NAME=DIMS"});
  expect_cli_failure(run_cli({"bench", kCnnModel.string(), "--shape", "input=1x0x28x28"}), kExitUsage, {"NAME=DIMS"});
  expect_cli_failure(run_cli({"bench", kCnnModel.string(), "--shape", "input=1x1x28x28", "--data", "somewhere"}),
                 kExitUsage, {"--data"});
}

}  // namespace
}  // namespace qac::e2e
