#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include <onnx/onnx_pb.h>

#include "qac/dataset.h"
#include "data/dataset_npy.h"
#include "data/dataset_pb.h"
#include "core/npy.h"
#include "qac/dataset.h"

namespace qac {
namespace {

namespace fs = std::filesystem;

class DatasetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("qac_dataset_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A [rows, cols] float32 array holding 0, 1, 2, ... in row-major order.
  static Tensor iota(int64_t rows, int64_t cols, float start = 0) {
    Tensor t(DType::kFloat32, {rows, cols});
    for (size_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = start + static_cast<float>(i);
    return t;
  }
  void write(const std::string& name, const Tensor& t) { ASSERT_TRUE(write_npy(dir_ / name, t).ok()); }
  void write_text(const std::string& name, const std::string& text) { std::ofstream(dir_ / name) << text; }

  fs::path dir_;
};

void expect_message_has(const Status& s, const std::vector<std::string>& parts) {
  for (const std::string& p : parts) {
    EXPECT_NE(s.message().find(p), std::string::npos) << "'" << p << "' not in: " << s.message();
  }
}

TEST_F(DatasetTest, NpyLayoutStreamsRowsOfEveryInput) {
  write("image.npy", iota(5, 4));
  Tensor mask(DType::kInt64, {5});
  for (int i = 0; i < 5; ++i) mask.data<int64_t>()[i] = 10 * i;
  write("mask.npy", mask);
  Tensor labels(DType::kInt32, {5});
  for (int i = 0; i < 5; ++i) labels.data<int32_t>()[i] = 4 - i;
  write("labels.npy", labels);

  auto ds = open_dataset(dir_);
  ASSERT_TRUE(ds.ok()) << ds.status().to_string();
  EXPECT_EQ((*ds)->size(), 5u);
  EXPECT_EQ((*ds)->input_names(), (std::vector<std::string>{"image", "mask"}));
  auto spec = (*ds)->input_spec("image");
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(spec->first, DType::kFloat32);
  EXPECT_EQ(spec->second, (std::vector<int64_t>{4}));
  EXPECT_EQ((*ds)->input_spec("nope").status().code(), StatusCode::kNotFound);

  auto batch = (*ds)->read(3, 2);
  ASSERT_TRUE(batch.ok()) << batch.status().to_string();
  EXPECT_EQ(batch->at("image").shape, (std::vector<int64_t>{2, 4}));
  EXPECT_EQ(batch->at("image").data<float>()[0], 12.0f);
  EXPECT_EQ(batch->at("mask").data<int64_t>()[1], 40);
  EXPECT_EQ((*ds)->read(4, 2).status().code(), StatusCode::kInvalidArgument);

  ASSERT_TRUE((*ds)->labels().has_value());
  EXPECT_EQ((*ds)->labels()->classes, (std::vector<int64_t>{4, 3, 2, 1, 0}));
  EXPECT_TRUE((*ds)->labels()->texts.empty());
}

TEST_F(DatasetTest, NpyInputsWithDifferentSampleCountsAreRejected) {
  write("a.npy", iota(5, 2));
  write("b.npy", iota(4, 2));
  auto ds = open_dataset(dir_);
  ASSERT_FALSE(ds.ok());
  EXPECT_EQ(ds.status().code(), StatusCode::kInvalidData);
  expect_message_has(ds.status(), {"a.npy", "b.npy", "holds 5 samples", "holds 4"});
}

TEST_F(DatasetTest, JsonLabelsHoldStrings) {
  write("x.npy", iota(3, 2));
  write_text("labels.json", R"(["hello", "wörld", ""])");
  auto ds = open_dataset(dir_);
  ASSERT_TRUE(ds.ok()) << ds.status().to_string();
  ASSERT_TRUE((*ds)->labels().has_value());
  EXPECT_EQ((*ds)->labels()->texts, (std::vector<std::string>{"hello", "wörld", ""}));
  EXPECT_EQ((*ds)->labels()->size(), 3u);
}

TEST_F(DatasetTest, LabelErrorsNameTheFile) {
  write("x.npy", iota(3, 2));
  write_text("labels.json", R"(["a", "b"])");
  auto short_json = open_dataset(dir_);
  EXPECT_EQ(short_json.status().code(), StatusCode::kInvalidData);
  expect_message_has(short_json.status(), {"labels.json", "2 labels", "3 samples"});

  write_text("labels.json", R"(["a", 2, "c"])");
  expect_message_has(open_dataset(dir_).status(), {"labels.json", "element 1"});
  write_text("labels.json", R"({"a": 1})");
  expect_message_has(open_dataset(dir_).status(), {"labels.json", "list"});
  write_text("labels.json", "[\"a\", ");
  expect_message_has(open_dataset(dir_).status(), {"labels.json", "invalid JSON"});

  fs::remove(dir_ / "labels.json");
  write("labels.npy", iota(3, 1));
  expect_message_has(open_dataset(dir_).status(), {"labels.npy", "float32", "integers"});
  write("labels.npy", Tensor(DType::kInt64, {4}));
  expect_message_has(open_dataset(dir_).status(), {"labels.npy", "4 labels", "3 samples"});

  write("labels.npy", Tensor(DType::kInt64, {3}));
  write_text("labels.json", R"(["a", "b", "c"])");
  expect_message_has(open_dataset(dir_).status(), {"labels.npy", "labels.json", "both"});
}

TEST_F(DatasetTest, OpenReportsMissingAndUnrecognizedDirectories) {
  auto missing = open_dataset(dir_ / "nowhere");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  expect_message_has(missing.status(), {"nowhere"});

  write_text("readme.txt", "nothing here");
  auto empty = open_dataset(dir_);
  EXPECT_EQ(empty.status().code(), StatusCode::kInvalidData);
  expect_message_has(empty.status(), {dir_.string(), "neither"});

  write("labels.npy", Tensor(DType::kInt64, {0}));  // labels alone are not an input
  EXPECT_EQ(open_dataset(dir_).status().code(), StatusCode::kInvalidData);

  auto file = open_dataset(dir_ / "readme.txt");
  EXPECT_EQ(file.status().code(), StatusCode::kInvalidArgument);
}

TEST_F(DatasetTest, ZeroDimensionalInputIsRejected) {
  write("x.npy", Tensor(DType::kFloat32, {}));
  expect_message_has(open_dataset(dir_).status(), {"x.npy", "0-d"});
}

// Writes a TensorProto with typed float_data to `file`.
void write_float_proto(const fs::path& file, const std::string& name, const Tensor& t) {
  onnx::TensorProto proto;
  proto.set_name(name);
  proto.set_data_type(onnx::TensorProto::FLOAT);
  for (int64_t d : t.shape) proto.add_dims(d);
  for (size_t i = 0; i < t.numel(); ++i) proto.add_float_data(t.data<float>()[i]);
  fs::create_directories(file.parent_path());
  std::ofstream out(file, std::ios::binary);
  ASSERT_TRUE(proto.SerializeToOstream(&out));
}

TEST_F(DatasetTest, PbLayoutConcatenatesSetsAndNamesUnnamedInputsFromTheModel) {
  // Sets 0, 1 and 10 (numeric order, not lexical) with 2, 1 and 2 rows.
  write_float_proto(dir_ / "test_data_set_0" / "input_0.pb", "", iota(2, 3, 0));
  write_float_proto(dir_ / "test_data_set_0" / "input_1.pb", "", iota(2, 1, 100));
  write_float_proto(dir_ / "test_data_set_1" / "input_0.pb", "", iota(1, 3, 6));
  write_float_proto(dir_ / "test_data_set_1" / "input_1.pb", "", iota(1, 1, 102));
  write_float_proto(dir_ / "test_data_set_10" / "input_0.pb", "", iota(2, 3, 9));
  write_float_proto(dir_ / "test_data_set_10" / "input_1.pb", "", iota(2, 1, 103));
  write_text("labels.json", R"(["a", "b", "c", "d", "e"])");

  auto ds = open_dataset(dir_, {"pixels", "scale"});
  ASSERT_TRUE(ds.ok()) << ds.status().to_string();
  EXPECT_EQ((*ds)->size(), 5u);
  EXPECT_EQ((*ds)->input_names(), (std::vector<std::string>{"pixels", "scale"}));
  auto spec = (*ds)->input_spec("pixels");
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(spec->second, (std::vector<int64_t>{3}));
  ASSERT_TRUE((*ds)->labels().has_value());
  EXPECT_EQ((*ds)->labels()->texts.size(), 5u);

  auto batch = (*ds)->read(1, 3);  // row 1 of set 0, set 1, row 0 of set 10
  ASSERT_TRUE(batch.ok()) << batch.status().to_string();
  const Tensor& pixels = batch->at("pixels");
  EXPECT_EQ(pixels.shape, (std::vector<int64_t>{3, 3}));
  EXPECT_EQ(pixels.to_float(), (std::vector<float>{3, 4, 5, 6, 7, 8, 9, 10, 11}));
  EXPECT_EQ(batch->at("scale").to_float(), (std::vector<float>{101, 102, 103}));

  auto unnamed = open_dataset(dir_);
  ASSERT_TRUE(unnamed.ok());
  EXPECT_EQ((*unnamed)->input_names(), (std::vector<std::string>{"input_0", "input_1"}));
}

TEST_F(DatasetTest, PbSetsWithDifferentSampleShapesAreRejected) {
  write_float_proto(dir_ / "test_data_set_0" / "input_0.pb", "x", iota(2, 3));
  write_float_proto(dir_ / "test_data_set_1" / "input_0.pb", "x", iota(2, 4));
  auto ds = open_dataset(dir_);
  EXPECT_EQ(ds.status().code(), StatusCode::kInvalidData);
  expect_message_has(ds.status(), {"test_data_set_1", "test_data_set_0", "[4]", "[3]"});

  onnx::TensorProto short_proto;
  short_proto.set_data_type(onnx::TensorProto::FLOAT);
  short_proto.add_dims(2);
  short_proto.add_dims(3);
  for (int i = 0; i < 5; ++i) short_proto.add_float_data(1.0f);
  {
    std::ofstream out(dir_ / "test_data_set_1" / "input_0.pb", std::ios::binary);
    ASSERT_TRUE(short_proto.SerializeToOstream(&out));
  }
  auto short_data = open_dataset(dir_);
  EXPECT_EQ(short_data.status().code(), StatusCode::kInvalidData);
  expect_message_has(short_data.status(), {"test_data_set_1", "input_0.pb"});

  std::ofstream(dir_ / "test_data_set_1" / "input_0.pb") << "not a protobuf at all \xff\xff";
  auto garbage = open_dataset(dir_);
  EXPECT_EQ(garbage.status().code(), StatusCode::kInvalidData);
  expect_message_has(garbage.status(), {"test_data_set_1"});
}

// The .pb inputs that crashed the reader (dims [2^62, 4] and [4, 2^40], no data): the
// dataset is refused when it is opened, naming the file and the tensor.
TEST_F(DatasetTest, PbWithHugeDimsAndNoDataIsRefused) {
  for (const char* name : {"tensor_dims_2e62x4_no_data.pb", "tensor_dims_4x2e40_no_data.pb"}) {
    const fs::path set = dir_ / name / "test_data_set_0";
    fs::create_directories(set);
    fs::copy_file(fs::path(QAC_SOURCE_DIR) / "tests/data/crash" / name, set / "input_0.pb");
    auto ds = open_dataset(dir_ / name);
    ASSERT_FALSE(ds.ok()) << name;
    EXPECT_EQ(ds.status().code(), StatusCode::kInvalidData);
    expect_message_has(ds.status(), {(set / "input_0.pb").string(), "'input'"});
  }
}

// Samples with the model input's full rank are fed whole: a scalar per sample, or a state whose
// batch axis is not first ([2, B, 128] stored as [2, 1, 128] per sample).
TEST_F(DatasetTest, SamplesOfTheModelsRankAreFedWhole) {
  fs::create_directories(dir_ / "v");
  ASSERT_TRUE(write_npy(dir_ / "v" / "sr.npy", Tensor(DType::kInt64, {5})).ok());
  ASSERT_TRUE(write_npy(dir_ / "v" / "state.npy", Tensor(DType::kFloat32, {5, 2, 1, 128})).ok());
  auto ds = open_dataset(dir_ / "v");
  ASSERT_TRUE(ds.ok()) << ds.status().to_string();
  std::vector<ValueSpec> model = {{"sr", DType::kInt64, {}}, {"state", DType::kFloat32, {2, -1, 128}}};
  EXPECT_TRUE(check_dataset_matches(**ds, model, "vad.onnx").ok());
  EXPECT_TRUE(sample_fed_whole(0, 0));
  EXPECT_TRUE(sample_fed_whole(3, 3));
  EXPECT_FALSE(sample_fed_whole(2, 3));

  model = {{"sr", DType::kInt64, {}}, {"state", DType::kFloat32, {2, -1, 64}}};
  expect_message_has(check_dataset_matches(**ds, model, "vad.onnx"),
                     {"input 'state'", "[2, 1, 128]", "expects [2, ?, 64] for a sample fed whole"});
  model = {{"sr", DType::kInt64, {-1, 1}}, {"state", DType::kFloat32, {2, -1, 128}}};
  expect_message_has(check_dataset_matches(**ds, model, "vad.onnx"), {"input 'sr'", "expects [1]"});
}

TEST(PbDataset, ReadsOnnxNodeTestData) {
  const fs::path dir = "/usr/share/libonnx-testdata/data/node/test_abs";
  if (!fs::exists(dir / "test_data_set_0")) GTEST_SKIP() << dir << " not installed";
  auto ds = open_dataset(dir);
  ASSERT_TRUE(ds.ok()) << ds.status().to_string();
  EXPECT_EQ((*ds)->input_names(), (std::vector<std::string>{"x"}));
  EXPECT_EQ((*ds)->size(), 3u);
  auto spec = (*ds)->input_spec("x");
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(spec->first, DType::kFloat32);
  EXPECT_EQ(spec->second, (std::vector<int64_t>{4, 5}));
  auto all = (*ds)->read(0, 3);
  auto tail = (*ds)->read(1, 2);
  ASSERT_TRUE(all.ok() && tail.ok());
  const std::vector<float> whole = all->at("x").to_float();
  EXPECT_EQ(tail->at("x").to_float(), std::vector<float>(whole.begin() + 20, whole.end()));
}

TEST_F(DatasetTest, CheckAgainstModelInputsNamesTensorAndShapes) {
  fs::create_directories(dir_ / "x");
  ASSERT_TRUE(write_npy(dir_ / "x" / "x.npy", Tensor(DType::kFloat32, {2, 3, 32, 32})).ok());
  auto ds = open_dataset(dir_ / "x");
  ASSERT_TRUE(ds.ok());
  const std::string where = "dataset " + (dir_ / "x").string() + ": ";

  std::vector<ValueSpec> model = {{"x", DType::kFloat32, {-1, 3, 48, -1}}};
  Status s = check_dataset_matches(**ds, model, "rec.onnx");
  EXPECT_EQ(s.code(), StatusCode::kInvalidData);
  EXPECT_EQ(s.message(), where + "input 'x' has per-sample shape [3, 32, 32] but model rec.onnx "
                                 "expects [3, 48, ?] (samples stacked on its batch axis) or [?, 3, 48, ?] "
                                 "(one whole input per sample)");

  model = {{"x", DType::kFloat32, {1, 3, -1, 32}}};
  EXPECT_TRUE(check_dataset_matches(**ds, model, "m.onnx").ok());

  model = {{"x", DType::kFloat32, {1, 3, 32}}};
  expect_message_has(check_dataset_matches(**ds, model, "m.onnx"),
                     {"[3, 32, 32]", "expects [1, 3, 32] for a sample fed whole"});

  model = {{"x", DType::kFloat16, {-1, 3, 32, 32}}};
  EXPECT_EQ(check_dataset_matches(**ds, model, "m.onnx").message(),
            where + "input 'x' has dtype float32 but model m.onnx expects float16");

  model = {{"x", DType::kFloat32, {-1, 3, 32, 32}}, {"y", DType::kInt64, {-1}}};
  EXPECT_EQ(check_dataset_matches(**ds, model, "m.onnx").message(),
            where + "no input 'y' required by model m.onnx (the dataset holds 'x')");

  model = {{"image", DType::kFloat32, {-1, 3, 32, 32}}};
  expect_message_has(check_dataset_matches(**ds, model, "m.onnx"), {"no input 'image'"});
  model = {};
  EXPECT_EQ(check_dataset_matches(**ds, model, "m.onnx").message(),
            where + "input 'x' is not an input of model m.onnx (the model takes none)");
}

}  // namespace
}  // namespace qac
