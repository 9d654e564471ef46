#include "onnx/model_io.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "onnx_test_util.h"

namespace qac {
namespace {
namespace fs = std::filesystem;
using testing::float_info;
using testing::make_model;
using testing::node;

class ModelIoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("qac_model_io_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  void write_file(const fs::path& p, const std::string& bytes) {
    std::ofstream out(p, std::ios::binary);
    out << bytes;
  }
  static onnx::ModelProto relu_model() {
    return make_model(13, {node("Relu", {"x"}, {"y"})}, {float_info("x", {2, 3})}, {float_info("y", {2, 3})});
  }
  // Files in dir_ other than `keep`.
  std::vector<std::string> files_except(const std::string& keep) {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir_)) {
      if (e.path().filename() != keep) names.push_back(e.path().filename().string());
    }
    return names;
  }
  fs::path dir_;
};

TEST_F(ModelIoTest, MissingFileIsNotFoundNamingThePath) {
  const fs::path p = dir_ / "absent.onnx";
  auto r = load_model(p);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find(p.string()), std::string::npos) << r.status().message();
}

TEST_F(ModelIoTest, GarbageFileIsInvalidModelNamingThePath) {
  const fs::path p = dir_ / "garbage.onnx";
  write_file(p, std::string("\xff\xfe this is certainly not a protobuf \x01\x02\x03", 40));
  auto r = load_model(p);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidModel);
  EXPECT_NE(r.status().message().find(p.string()), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("is not a valid ONNX model"), std::string::npos);
}

TEST_F(ModelIoTest, EmptyFileIsInvalidModel) {
  const fs::path p = dir_ / "empty.onnx";
  write_file(p, "");
  auto r = load_model(p);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidModel);
}

TEST_F(ModelIoTest, TruncatedFileIsInvalidModelNamingThePath) {
  const std::string bytes = serialize(relu_model());
  const fs::path p = dir_ / "truncated.onnx";
  write_file(p, bytes.substr(0, bytes.size() / 2));
  auto r = load_model(p);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidModel);
  EXPECT_NE(r.status().message().find(p.string()), std::string::npos) << r.status().message();
}

TEST_F(ModelIoTest, ModelWithoutNodesIsInvalidModel) {
  onnx::ModelProto m = relu_model();
  m.mutable_graph()->clear_node();
  const fs::path p = dir_ / "no_nodes.onnx";
  write_file(p, serialize(m));
  auto r = load_model(p);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidModel);
  EXPECT_NE(r.status().message().find("no nodes"), std::string::npos) << r.status().message();
}

TEST_F(ModelIoTest, SaveRoundTripsAndLeavesNoTemporaryFile) {
  const fs::path p = dir_ / "model.onnx";
  const onnx::ModelProto m = relu_model();
  ASSERT_TRUE(save_model(m, p).ok());
  auto r = load_model(p);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(serialize(*r), serialize(m));
  EXPECT_TRUE(files_except("model.onnx").empty());
}

TEST_F(ModelIoTest, SaveReplacesAnExistingFileWhole) {
  const fs::path p = dir_ / "model.onnx";
  write_file(p, std::string(100000, 'x'));  // longer than the model: a non-atomic overwrite would leave a tail
  ASSERT_TRUE(save_model(relu_model(), p).ok());
  EXPECT_EQ(fs::file_size(p), serialize(relu_model()).size());
  EXPECT_TRUE(load_model(p).ok());
}

TEST_F(ModelIoTest, SaveIntoMissingFolderIsIoErrorAndLeavesNothing) {
  const fs::path p = dir_ / "no_such_dir" / "model.onnx";
  Status s = save_model(relu_model(), p);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kIoError);
  EXPECT_NE(s.message().find(p.string()), std::string::npos) << s.message();
  EXPECT_FALSE(fs::exists(p));
}

// Only regular files are replaced: a folder or a device in the way is refused before anything
// is written (renaming over /dev/full, as root, replaced the device node).
TEST_F(ModelIoTest, DestinationThatIsNotARegularFileIsRefusedAndLeavesNothing) {
  const fs::path p = dir_ / "model.onnx";
  fs::create_directories(p / "occupied");
  Status s = save_model(relu_model(), p);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find(p.string()), std::string::npos) << s.message();
  EXPECT_TRUE(fs::is_directory(p / "occupied"));
  EXPECT_TRUE(files_except("model.onnx").empty());
  if (fs::exists("/dev/null")) {
    Status dev = save_model(relu_model(), "/dev/null");
    EXPECT_EQ(dev.code(), StatusCode::kInvalidArgument) << dev.to_string();
    EXPECT_TRUE(fs::is_character_file("/dev/null"));
  }
}

TEST_F(ModelIoTest, LoadsModelsLargerThan64MB) {
  constexpr int64_t kElements = 17 * 1024 * 1024;  // 68 MB of float weights
  onnx::TensorProto w;
  w.set_name("w");
  w.set_data_type(onnx::TensorProto::FLOAT);
  w.add_dims(kElements);
  w.set_raw_data(std::string(kElements * sizeof(float), '\0'));
  onnx::ModelProto m = make_model(13, {node("Add", {"x", "w"}, {"y"})}, {float_info("x", {kElements})},
                                  {float_info("y", {kElements})}, {w});
  const fs::path p = dir_ / "big.onnx";
  ASSERT_TRUE(save_model(m, p).ok());
  auto r = load_model(p);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->graph().initializer(0).raw_data().size(), static_cast<size_t>(kElements * sizeof(float)));
}

TEST_F(ModelIoTest, ReadsExternalInitializerData) {
  const std::vector<float> values = {1.5f, -2.0f, 3.25f};
  std::string data(16, '\0');  // 16 bytes of other data before the tensor
  data.append(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float));
  write_file(dir_ / "weights.bin", data);
  onnx::TensorProto w;
  w.set_name("w");
  w.set_data_type(onnx::TensorProto::FLOAT);
  w.add_dims(3);
  w.set_data_location(onnx::TensorProto::EXTERNAL);
  auto add_entry = [&](const std::string& k, const std::string& v) {
    auto* e = w.add_external_data();
    e->set_key(k);
    e->set_value(v);
  };
  add_entry("location", "weights.bin");
  add_entry("offset", "16");
  add_entry("length", "12");
  onnx::ModelProto m = make_model(13, {node("Add", {"x", "w"}, {"y"})}, {float_info("x", {3})},
                                  {float_info("y", {3})}, {w});
  write_file(dir_ / "ext.onnx", serialize(m));
  auto r = load_model(dir_ / "ext.onnx");
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  auto t = to_tensor(r->graph().initializer(0));
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  EXPECT_EQ(t->to_float(), values);

  // A location outside the model's folder is rejected.
  w.mutable_external_data(0)->set_value("../weights.bin");
  *m.mutable_graph()->mutable_initializer(0) = w;
  write_file(dir_ / "escape.onnx", serialize(m));
  auto bad = load_model(dir_ / "escape.onnx");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidModel);
  EXPECT_NE(bad.status().message().find("'w'"), std::string::npos) << bad.status().message();

  // A missing data file is reported with the tensor name.
  w.mutable_external_data(0)->set_value("missing.bin");
  *m.mutable_graph()->mutable_initializer(0) = w;
  write_file(dir_ / "missing.onnx", serialize(m));
  auto missing = load_model(dir_ / "missing.onnx");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("missing.bin"), std::string::npos) << missing.status().message();
}

}  // namespace
}  // namespace qac
