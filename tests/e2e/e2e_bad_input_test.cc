// Bad input to the qac CLI: each case must exit non-zero with a message on stderr that names the
// file, tensor or flag at fault, and leave no output (neither the -o file nor temporary files in
// the output folder).
#include <fstream>
#include <random>

#include "core/npy.h"
#include "e2e_util.h"

namespace qac::e2e {
namespace {

// A quantize run expected to fail: inputs live in `inputs`, the output goes to `outputs`.
class E2eBadInput : public ::testing::Test {
 protected:
  // Runs `qac quantize MODEL --calibration DATA -o <outputs>/int8.onnx <extra...>`.
  CliResult quantize(const fs::path& model, const fs::path& data, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"quantize", model.string(), "--calibration", data.string(), "-o",
                                     output().string(), "--subset-size", std::to_string(kFastSubsetSize), "-q"};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_cli(args);
  }
  fs::path output() const { return outputs_ / "int8.onnx"; }

  // The run failed with `exit_code`, printed one "qac: error:" line (or CLI11's usage message)
  // naming every string of `names`, and left the output folder empty.
  void expect_clean_failure(const CliResult& r, int exit_code, const std::vector<std::string>& names) {
    expect_cli_failure(r, exit_code, names);
    EXPECT_FALSE(fs::exists(output())) << r;
    EXPECT_TRUE(list_dir(outputs_.path()).empty()) << "files left in the output folder";
  }

  // Writes `tensor` as <inputs>/<folder>/<name>.npy and returns the folder.
  fs::path write_dataset_file(const std::string& folder, const std::string& name, const Tensor& tensor) {
    const fs::path dir = inputs_ / folder;
    fs::create_directories(dir);
    const Status s = write_npy(dir / (name + ".npy"), tensor);
    EXPECT_TRUE(s.ok()) << s.to_string();
    return dir;
  }

  // The first `count` FMNIST calibration images, [count, 1, 28, 28].
  Tensor fmnist_images(size_t count) {
    auto batch = first_samples(kFmnistCalibration, count);
    EXPECT_TRUE(batch.ok()) << batch.status().to_string();
    return batch.ok() ? batch->at("input") : Tensor();
  }

  ScratchDir inputs_;
  ScratchDir outputs_;
};

TEST_F(E2eBadInput, TruncatedModel) {
  QAC_E2E_REQUIRE_ASSETS(kRecModel, kOcrCalibration);
  const std::string bytes = read_text(kRecModel);
  const fs::path truncated = inputs_ / "rec_first_half.onnx";
  std::ofstream(truncated, std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  expect_clean_failure(quantize(truncated, kOcrCalibration), kExitError, {truncated.string(), "not a valid ONNX"});
}

TEST_F(E2eBadInput, GarbageModel) {
  QAC_E2E_REQUIRE_ASSETS(kFmnistCalibration);
  constexpr size_t kGarbageBytes = 4096;
  std::mt19937 rng(7);
  std::string bytes(kGarbageBytes, '\0');
  for (char& c : bytes) c = static_cast<char>(rng());
  const fs::path garbage = inputs_ / "garbage.onnx";
  std::ofstream(garbage, std::ios::binary) << bytes;
  expect_clean_failure(quantize(garbage, kFmnistCalibration), kExitError, {garbage.string()});
}

TEST_F(E2eBadInput, MissingModel) {
  QAC_E2E_REQUIRE_ASSETS(kFmnistCalibration);
  const fs::path missing = inputs_ / "no_such_model.onnx";
  expect_clean_failure(quantize(missing, kFmnistCalibration), kExitError, {missing.string(), "does not exist"});
}

TEST_F(E2eBadInput, MissingCalibrationFolder) {
  QAC_E2E_REQUIRE_ASSETS(kCnnModel);
  const fs::path missing = inputs_ / "no_such_folder";
  expect_clean_failure(quantize(kCnnModel, missing), kExitError, {missing.string(), "does not exist"});
}

TEST_F(E2eBadInput, FashionMnistDataIntoRecognizer) {
  QAC_E2E_REQUIRE_ASSETS(kRecModel, kFmnistCalibration);
  // The recognizer takes 'x'; the FMNIST folder holds 'input'.
  expect_clean_failure(quantize(kRecModel, kFmnistCalibration), kExitError,
                       {kFmnistCalibration.string(), "'x'", "'input'"});
}

TEST_F(E2eBadInput, WrongSampleShapeForRecognizer) {
  QAC_E2E_REQUIRE_ASSETS(kRecModel, kFmnistCalibration);
  const Tensor images = fmnist_images(4);
  const fs::path data = write_dataset_file("rec_shape", "x", images);
  expect_clean_failure(quantize(kRecModel, data), kExitError, {data.string(), "'x'", "[1, 28, 28]", "[3, 48, ?]"});
}

TEST_F(E2eBadInput, WrongSampleShapeForCnn) {
  QAC_E2E_REQUIRE_ASSETS(kCnnModel);
  const fs::path data = write_dataset_file("narrow", "input", Tensor(DType::kFloat32, {8, 1, 28, 27}));
  expect_clean_failure(quantize(kCnnModel, data), kExitError, {data.string(), "'input'", "[1, 28, 27]", "[1, 28, 28]"});
}

TEST_F(E2eBadInput, WrongElementType) {
  QAC_E2E_REQUIRE_ASSETS(kCnnModel);
  const fs::path data = write_dataset_file("doubles", "input", Tensor(DType::kFloat64, {8, 1, 28, 28}));
  expect_clean_failure(quantize(kCnnModel, data), kExitError, {data.string(), "'input'", "float64", "float32"});
}

TEST_F(E2eBadInput, MismatchedSampleCounts) {
  QAC_E2E_REQUIRE_ASSETS(kCnnModel, kFmnistCalibration);
  // Two arrays with different sample counts in one folder.
  fs::path data = write_dataset_file("two_counts", "input", fmnist_images(8));
  write_dataset_file("two_counts", "extra", Tensor(DType::kFloat32, {6, 3}));
  expect_clean_failure(quantize(kCnnModel, data), kExitError, {"input.npy", "extra.npy", "8", "6"});
  // Labels that do not cover the samples.
  data = write_dataset_file("short_labels", "input", fmnist_images(8));
  write_dataset_file("short_labels", "labels", Tensor(DType::kInt64, {6}));
  expect_clean_failure(quantize(kCnnModel, data), kExitError, {"labels.npy", "8", "6"});
}

TEST_F(E2eBadInput, ExtraTensorTheModelDoesNotTake) {
  QAC_E2E_REQUIRE_ASSETS(kCnnModel, kFmnistCalibration);
  const fs::path data = write_dataset_file("extra_input", "input", fmnist_images(8));
  write_dataset_file("extra_input", "mask", Tensor(DType::kFloat32, {8, 4}));
  expect_clean_failure(quantize(kCnnModel, data), kExitError, {data.string(), "'mask'"});
}

TEST_F(E2eBadInput, EmptyDataset) {
  QAC_E2E_REQUIRE_ASSETS(kCnnModel);
  const fs::path data = write_dataset_file("empty", "input", Tensor(DType::kFloat32, {0, 1, 28, 28}));
  expect_clean_failure(quantize(kCnnModel, data), kExitError, {data.string(), "no samples"});
}

// A NaN or an infinity in the calibration inputs: an error naming the input tensor and the
// sample (quantizing around it would give a model with NaN scales or a silently wrong range).
TEST_F(E2eBadInput, NonFiniteCalibrationValues) {
  QAC_E2E_REQUIRE_ASSETS(kCnnModel, kFmnistCalibration);
  constexpr int64_t kBadSample = 5;
  constexpr int64_t kBadElement = 3 * 28 + 4;
  for (const float bad : {NAN, INFINITY}) {
    Tensor images = fmnist_images(16);
    images.data<float>()[kBadSample * 28 * 28 + kBadElement] = bad;
    const std::string folder = std::isnan(bad) ? "nan" : "inf";
    const fs::path data = write_dataset_file(folder, "input", images);
    expect_clean_failure(quantize(kCnnModel, data), kExitError,
                         {data.string(), "'input'", "sample " + std::to_string(kBadSample),
                          std::isnan(bad) ? "NaN" : "infinity"});
  }
}

// Calibration .pb files that crashed qac (SIGSEGV for dims [2^62, 4], SIGABRT for [4, 2^40],
// both without data): exit 1 naming the file.
TEST_F(E2eBadInput, PbTensorWithHugeDimsAndNoData) {
  QAC_E2E_REQUIRE_ASSETS(kCnnModel);
  for (const char* name : {"tensor_dims_2e62x4_no_data.pb", "tensor_dims_4x2e40_no_data.pb"}) {
    const fs::path set = inputs_ / name / "test_data_set_0";
    fs::create_directories(set);
    fs::copy_file(kSourceDir / "tests/data/crash" / name, set / "input_0.pb");
    expect_clean_failure(quantize(kCnnModel, inputs_ / name), kExitError, {(set / "input_0.pb").string(), "'input'"});
  }
}

// Models that crashed normalization (SIGSEGV in ONNX's Conv shape inference, SIGABRT on an
// Upsample without inputs): `inspect` and `quantize` exit 1 naming the node.
TEST_F(E2eBadInput, MalformedModelsThatCrashedNormalization) {
  struct Case {
    const char* file;
    std::vector<int64_t> data_shape;  // of the model input 'x', with 2 samples
    const char* node;
  };
  const std::vector<Case> cases = {{"conv_data_rank3_weight_rank4.onnx", {2, 1, 28}, "conv"},
                                   {"conv_data_rank4_weight_rank3.onnx", {2, 1, 28, 28}, "conv"},
                                   {"upsample7_no_inputs.onnx", {2, 1, 4, 4}, "Upsample"}};
  for (const Case& c : cases) {
    const fs::path model = kSourceDir / "tests/data/crash" / c.file;
    expect_cli_failure(run_cli({"inspect", model.string()}), kExitError, {model.string(), c.node});
    const fs::path data = write_dataset_file(c.file, "x", Tensor(DType::kFloat32, c.data_shape));
    expect_clean_failure(quantize(model, data), kExitError, {model.string(), c.node});
  }
}

// An input without any shape has an unknown rank: the message says so (it said "scalar").
TEST_F(E2eBadInput, InputOfUnknownRank) {
  onnx::ModelProto model;
  model.set_ir_version(7);
  model.add_opset_import()->set_version(13);
  onnx::GraphProto& g = *model.mutable_graph();
  g.set_name("relu");
  onnx::NodeProto& relu = *g.add_node();
  relu.set_op_type("Relu");
  relu.set_name("relu");
  relu.add_input(std::string("x"));
  relu.add_output(std::string("y"));
  onnx::ValueInfoProto& x = *g.add_input();
  x.set_name("x");
  x.mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);  // no shape
  onnx::ValueInfoProto& y = *g.add_output();
  y.set_name("y");
  y.mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
  const fs::path path = inputs_ / "unknown_rank.onnx";
  ASSERT_TRUE(save_model(model, path).ok());
  const fs::path data = write_dataset_file("x", "x", Tensor(DType::kFloat32, {4, 3}));
  const CliResult r = quantize(path, data);
  expect_clean_failure(r, kExitError, {"'x'", "unknown_rank.onnx", "rank is unknown"});
  EXPECT_EQ(r.err.find("scalar"), std::string::npos) << r;
}

// A subset larger than the data is not an error, but the log says how many samples are used.
TEST_F(E2eBadInput, SubsetSizeAboveTheDataSizeIsLogged) {
  QAC_E2E_REQUIRE_ASSETS(kCnnModel, kFmnistCalibration);
  const fs::path data = write_dataset_file("eight", "input", fmnist_images(8));
  const CliResult r = run_cli({"quantize", kCnnModel.string(), "--calibration", data.string(), "-o", output().string(),
                               "--subset-size", "32", "--no-latency"});
  EXPECT_EQ(r.exit_code, kExitOk) << r;
  EXPECT_NE(r.err.find("subset size 32"), std::string::npos) << r;
  EXPECT_NE(r.err.find("all of its 8 samples"), std::string::npos) << r;
  EXPECT_NE(r.out.find("8 calibration samples"), std::string::npos) << r;
}

TEST_F(E2eBadInput, UnknownFlag) {
  QAC_E2E_REQUIRE_ASSETS(kCnnModel, kFmnistCalibration);
  expect_clean_failure(quantize(kCnnModel, kFmnistCalibration, {"--frobnicate"}), kExitUsage, {"--frobnicate"});
}

TEST_F(E2eBadInput, UnknownFlagValues) {
  QAC_E2E_REQUIRE_ASSETS(kCnnModel, kFmnistCalibration);
  expect_clean_failure(quantize(kCnnModel, kFmnistCalibration, {"--preset", "fast"}), kExitUsage,
                       {"--preset", "fast", "performance"});
  expect_clean_failure(quantize(kCnnModel, kFmnistCalibration, {"--estimator", "foo"}), kExitUsage,
                       {"--estimator", "foo", "mean_minmax"});
  expect_clean_failure(quantize(kCnnModel, kFmnistCalibration, {"--target", "cpu-neon"}), kExitUsage,
                       {"--target", "cpu-neon"});
  expect_clean_failure(quantize(kCnnModel, kFmnistCalibration, {"--subset-size", "0"}), kExitUsage,
                       {"--subset-size", "positive integer", "'0'"});
  expect_clean_failure(quantize(kCnnModel, kFmnistCalibration, {"--max-drop", "-1"}), kExitUsage,
                       {"--max-drop", "'-1'"});
  expect_clean_failure(quantize(kCnnModel, kFmnistCalibration, {"--threads", "-2"}), kExitUsage,
                       {"--threads", "'-2'"});
  // A cache folder that is a file (here the model itself): refused before anything is read or written.
  expect_clean_failure(quantize(kCnnModel, kFmnistCalibration, {"--cache-dir", kCnnModel.string()}), kExitUsage,
                       {"--cache-dir", kCnnModel.string(), "folder"});
}

TEST_F(E2eBadInput, OutputInMissingFolder) {
  QAC_E2E_REQUIRE_ASSETS(kCnnModel, kFmnistCalibration);
  const fs::path out = outputs_ / "missing" / "int8.onnx";
  const CliResult r = run_cli({"quantize", kCnnModel.string(), "--calibration", kFmnistCalibration.string(), "-o",
                               out.string(), "-q"});
  expect_clean_failure(r, kExitError, {out.string(), "does not exist"});
  EXPECT_FALSE(fs::exists(out.parent_path()));
  // Checked before the work: no statistics pass ran.
  EXPECT_EQ(r.err.find("statistics"), std::string::npos) << r;
}

TEST_F(E2eBadInput, OutputIsAFolder) {
  QAC_E2E_REQUIRE_ASSETS(kCnnModel, kFmnistCalibration);
  const CliResult r = run_cli({"quantize", kCnnModel.string(), "--calibration", kFmnistCalibration.string(), "-o",
                               outputs_.path().string(), "-q"});
  expect_clean_failure(r, kExitError, {outputs_.path().string(), "folder"});
}

// A report that cannot be written fails the run before the work, and no model is written.
TEST_F(E2eBadInput, ReportInMissingFolder) {
  QAC_E2E_REQUIRE_ASSETS(kCnnModel, kFmnistCalibration);
  const fs::path report = outputs_ / "missing" / "report.json";
  expect_clean_failure(quantize(kCnnModel, kFmnistCalibration, {"--report", report.string()}), kExitError,
                       {report.string(), "does not exist"});
}

// Outputs that would destroy an input, each other or a device are refused before any work:
// exit 1 naming the option and the path, and every file stays as it was.
class E2eOutputPaths : public E2eBadInput {
 protected:
  void SetUp() override {
    model_ = inputs_ / "model.onnx";
    fs::copy_file(kCnnModel, model_);
    data_ = write_dataset_file("calib", "input", fmnist_images(8));
    model_bytes_ = read_text(model_);
  }
  CliResult quantize_to(const std::vector<std::string>& outputs) {
    std::vector<std::string> args = {"quantize", model_.string(), "--calibration", data_.string(), "-q"};
    args.insert(args.end(), outputs.begin(), outputs.end());
    return run_cli(args);
  }
  void expect_refused(const CliResult& r, const std::vector<std::string>& names) {
    expect_clean_failure(r, kExitError, names);
    EXPECT_EQ(read_text(model_), model_bytes_) << "the input model changed";
    EXPECT_EQ(r.err.find("statistics"), std::string::npos) << r;  // refused before the work
  }
  fs::path model_, data_;
  std::string model_bytes_;
};

TEST_F(E2eOutputPaths, ReportOrOutputEqualToTheInputModel) {
  QAC_E2E_REQUIRE_ASSETS(kCnnModel, kFmnistCalibration);
  expect_refused(quantize_to({"-o", output().string(), "--report", model_.string()}), {"--report", model_.string()});
  // Another spelling of the same file.
  const fs::path other = inputs_ / "." / "calib" / ".." / "model.onnx";
  expect_refused(quantize_to({"-o", other.string()}), {"-o", other.string()});
  // A hard link and a symbolic link to it.
  ScratchDir links;
  fs::create_hard_link(model_, links / "hard.onnx");
  expect_refused(quantize_to({"-o", (links / "hard.onnx").string()}), {"hard.onnx", model_.string()});
  fs::create_symlink(model_, links / "link.onnx");
  expect_refused(quantize_to({"-o", (links / "link.onnx").string()}), {"link.onnx"});
}

TEST_F(E2eOutputPaths, OutputEqualToADataFile) {
  QAC_E2E_REQUIRE_ASSETS(kCnnModel, kFmnistCalibration);
  const fs::path npy = data_ / "input.npy";
  const std::string before = read_text(npy);
  expect_refused(quantize_to({"-o", npy.string()}), {"-o", npy.string()});
  expect_refused(quantize_to({"-o", output().string(), "--report", npy.string()}), {"--report", npy.string()});
  EXPECT_EQ(read_text(npy), before);
}

TEST_F(E2eOutputPaths, ReportEqualToOutput) {
  QAC_E2E_REQUIRE_ASSETS(kCnnModel, kFmnistCalibration);
  expect_refused(quantize_to({"-o", output().string(), "--report", output().string()}), {"--report", "-o"});
  const fs::path same = outputs_ / "." / "int8.onnx";
  expect_refused(quantize_to({"-o", output().string(), "--report", same.string()}), {"--report", "-o"});
}

TEST_F(E2eOutputPaths, OutputThatIsNotARegularFile) {
  QAC_E2E_REQUIRE_ASSETS(kCnnModel, kFmnistCalibration);
  for (const char* device : {"/dev/null", "/dev/full"}) {
    if (!fs::exists(device)) continue;
    expect_refused(quantize_to({"-o", device}), {"-o", device, "not a regular file"});
    expect_refused(quantize_to({"-o", output().string(), "--report", device}), {"--report", device});
    EXPECT_TRUE(fs::is_character_file(device));
  }
}

TEST_F(E2eOutputPaths, BenchJsonEqualToTheModel) {
  QAC_E2E_REQUIRE_ASSETS(kCnnModel, kFmnistCalibration);
  const CliResult r = run_cli({"bench", model_.string(), "--runs", "1", "--warmup", "0", "--json", model_.string()});
  expect_cli_failure(r, kExitError, {"--json", model_.string()});
  EXPECT_EQ(read_text(model_), model_bytes_);
}

TEST_F(E2eBadInput, IgnoredScopeMatchingNothing) {
  QAC_E2E_REQUIRE_ASSETS(kCnnModel, kFmnistCalibration);
  expect_clean_failure(quantize(kCnnModel, kFmnistCalibration, {"--ignore-names", "no_such_node"}), kExitError,
                       {"no_such_node", "match no node"});
  expect_clean_failure(quantize(kCnnModel, kFmnistCalibration, {"--ignore-types", "NoSuchOp"}), kExitError,
                       {"NoSuchOp"});
  expect_clean_failure(quantize(kCnnModel, kFmnistCalibration, {"--ignore-patterns", "(["}), kExitError,
                       {"(["});
}

// With --validation (accuracy control) both data sets are checked before any work.
TEST_F(E2eBadInput, AccuracyControlChecksBothDataSets) {
  QAC_E2E_REQUIRE_ASSETS(kCnnModel, kFmnistCalibration, kFmnistValidation);
  Tensor images = fmnist_images(16);
  images.data<float>()[0] = NAN;
  const fs::path nan_data = write_dataset_file("nan", "input", images);
  expect_clean_failure(quantize(kCnnModel, nan_data, {"--validation", kFmnistValidation.string()}), kExitError,
                       {nan_data.string(), "'input'", "sample 0", "NaN"});
  const fs::path narrow = write_dataset_file("narrow", "input", Tensor(DType::kFloat32, {8, 1, 28, 27}));
  write_dataset_file("narrow", "labels", Tensor(DType::kInt64, {8}));
  expect_clean_failure(quantize(kCnnModel, kFmnistCalibration, {"--validation", narrow.string()}), kExitError,
                       {narrow.string(), "'input'", "[1, 28, 27]"});
}

// `qac eval` writes nothing, so only the exit code and the message matter.
void expect_eval_failure(const CliResult& r, int exit_code, const std::vector<std::string>& names) {
  EXPECT_EQ(r.exit_code, exit_code) << r;
  EXPECT_TRUE(r.out.empty()) << r;
  for (const auto& name : names) EXPECT_NE(r.err.find(name), std::string::npos) << "'" << name << "'\n" << r;
}

TEST_F(E2eBadInput, EvalMetricNeedsLabels) {
  QAC_E2E_REQUIRE_ASSETS(kCnnModel, kFmnistCalibration);
  const fs::path data = write_dataset_file("no_labels", "input", fmnist_images(4));
  expect_eval_failure(run_cli({"eval", kCnnModel.string(), "--data", data.string(), "--metric", "top1"}), kExitError,
                      {"top1", "labels", data.string()});
}

TEST_F(E2eBadInput, EvalMetricNeedsReference) {
  QAC_E2E_REQUIRE_ASSETS(kCnnModel, kFmnistCalibration);
  expect_eval_failure(
      run_cli({"eval", kCnnModel.string(), "--data", kFmnistCalibration.string(), "--metric", "sqnr"}), kExitError,
      {"sqnr", "--reference"});
}

TEST_F(E2eBadInput, EvalUnknownMetric) {
  QAC_E2E_REQUIRE_ASSETS(kCnnModel, kFmnistCalibration);
  // The message lists the built-in metrics.
  expect_eval_failure(
      run_cli({"eval", kCnnModel.string(), "--data", kFmnistCalibration.string(), "--metric", "top7"}), kExitError,
      {"top7", "top1", "ctc-exact"});
}

TEST_F(E2eBadInput, EvalWrongShapeAndGarbageModel) {
  QAC_E2E_REQUIRE_ASSETS(kCnnModel);
  const fs::path data = write_dataset_file("narrow", "input", Tensor(DType::kFloat32, {8, 1, 28, 27}));
  expect_eval_failure(run_cli({"eval", kCnnModel.string(), "--data", data.string()}), kExitError,
                      {data.string(), "'input'", "[1, 28, 27]"});
  const fs::path garbage = inputs_ / "garbage.onnx";
  std::ofstream(garbage, std::ios::binary) << std::string(64, '\xff');
  expect_eval_failure(run_cli({"eval", garbage.string(), "--data", data.string()}), kExitError, {garbage.string()});
}

}  // namespace
}  // namespace qac::e2e
