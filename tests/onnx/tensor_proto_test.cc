#include "onnx/tensor_proto.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <cstring>
#include <fstream>

#include <unistd.h>

namespace qac {
namespace {

template <typename T>
Tensor make(DType dtype, std::vector<int64_t> shape, const std::vector<T>& values) {
  Tensor t(dtype, std::move(shape));
  std::memcpy(t.bytes.data(), values.data(), values.size() * sizeof(T));
  return t;
}

TEST(TensorProtoTest, RawDataRoundTripsEveryDType) {
  const std::vector<Tensor> tensors = {
      make<float>(DType::kFloat32, {2, 2}, {1.5f, -2.0f, 0.0f, 7.25f}),
      make<double>(DType::kFloat64, {3}, {1e-300, -2.5, 3.0}),
      make<uint16_t>(DType::kFloat16, {2}, {0x3c00, 0xc000}),
      make<int8_t>(DType::kInt8, {3}, {-128, 0, 127}),
      make<uint8_t>(DType::kUInt8, {3}, {0, 128, 255}),
      make<int16_t>(DType::kInt16, {2}, {-32768, 32767}),
      make<int32_t>(DType::kInt32, {2}, {-5, 1 << 30}),
      make<int64_t>(DType::kInt64, {2}, {-1, int64_t{1} << 40}),
      make<uint8_t>(DType::kBool, {2}, {1, 0}),
      Tensor(DType::kFloat32, {}),      // scalar
      Tensor(DType::kFloat32, {0, 3}),  // empty
  };
  for (const Tensor& t : tensors) {
    const onnx::TensorProto proto = to_proto(t, "t");
    EXPECT_EQ(proto.name(), "t");
    EXPECT_TRUE(proto.has_raw_data());
    auto back = to_tensor(proto);
    ASSERT_TRUE(back.ok()) << back.status().to_string();
    EXPECT_EQ(back->dtype, t.dtype) << dtype_name(t.dtype);
    EXPECT_EQ(back->shape, t.shape) << dtype_name(t.dtype);
    EXPECT_EQ(back->bytes, t.bytes) << dtype_name(t.dtype);
  }
}

TEST(TensorProtoTest, ReadsTypedFields) {
  onnx::TensorProto f;
  f.set_data_type(onnx::TensorProto::FLOAT);
  f.add_dims(2);
  f.add_float_data(1.0f);
  f.add_float_data(-3.5f);
  auto tf = to_tensor(f);
  ASSERT_TRUE(tf.ok());
  EXPECT_EQ(tf->to_float(), (std::vector<float>{1.0f, -3.5f}));

  onnx::TensorProto i8;
  i8.set_data_type(onnx::TensorProto::INT8);
  i8.add_dims(2);
  i8.add_int32_data(-7);
  i8.add_int32_data(100);
  auto ti8 = to_tensor(i8);
  ASSERT_TRUE(ti8.ok());
  EXPECT_EQ(ti8->dtype, DType::kInt8);
  EXPECT_EQ(ti8->data<int8_t>()[0], -7);
  EXPECT_EQ(ti8->data<int8_t>()[1], 100);

  onnx::TensorProto h;
  h.set_data_type(onnx::TensorProto::FLOAT16);
  h.add_int32_data(0x3c00);  // 1.0 as float16 bits; scalar
  auto th = to_tensor(h);
  ASSERT_TRUE(th.ok());
  EXPECT_EQ(th->to_float(), std::vector<float>{1.0f});

  onnx::TensorProto i64;
  i64.set_data_type(onnx::TensorProto::INT64);
  i64.add_dims(1);
  i64.add_int64_data(int64_t{1} << 50);
  auto ti64 = to_tensor(i64);
  ASSERT_TRUE(ti64.ok());
  EXPECT_EQ(ti64->data<int64_t>()[0], int64_t{1} << 50);

  onnx::TensorProto d;
  d.set_data_type(onnx::TensorProto::DOUBLE);
  d.add_double_data(0.125);
  auto td = to_tensor(d);
  ASSERT_TRUE(td.ok());
  EXPECT_EQ(td->data<double>()[0], 0.125);

  onnx::TensorProto b;
  b.set_data_type(onnx::TensorProto::BOOL);
  b.add_dims(2);
  b.add_int32_data(1);
  b.add_int32_data(0);
  auto tb = to_tensor(b);
  ASSERT_TRUE(tb.ok());
  EXPECT_EQ(tb->bytes, (std::vector<uint8_t>{1, 0}));
}

TEST(TensorProtoTest, WrongElementCountIsInvalidModelNamingTheTensor) {
  onnx::TensorProto p;
  p.set_name("weights");
  p.set_data_type(onnx::TensorProto::FLOAT);
  p.add_dims(3);
  p.add_float_data(1.0f);
  auto r = to_tensor(p);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidModel);
  EXPECT_NE(r.status().message().find("'weights'"), std::string::npos);

  p.clear_float_data();
  p.set_raw_data(std::string(5, '\0'));
  EXPECT_EQ(to_tensor(p).status().code(), StatusCode::kInvalidModel);
}

TEST(TensorProtoTest, UnhandledTypesAreUnsupported) {
  onnx::TensorProto s;
  s.set_name("names");
  s.set_data_type(onnx::TensorProto::STRING);
  s.add_string_data("a");
  auto r = to_tensor(s);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(r.status().message().find("STRING"), std::string::npos) << r.status().message();

  onnx::TensorProto ext;
  ext.set_data_type(onnx::TensorProto::FLOAT);
  ext.set_data_location(onnx::TensorProto::EXTERNAL);
  EXPECT_EQ(to_tensor(ext).status().code(), StatusCode::kUnsupported);
}

TEST(TensorProtoTest, ReadTensorPbFile) {
  namespace fs = std::filesystem;
  const fs::path p = fs::temp_directory_path() / ("qac_tensor_" + std::to_string(::getpid()) + ".pb");
  const Tensor t = make<float>(DType::kFloat32, {1, 2}, {4.0f, 5.0f});
  {
    std::ofstream out(p, std::ios::binary);
    out << to_proto(t, "input").SerializeAsString();
  }
  auto r = read_tensor_pb(p);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->bytes, t.bytes);
  EXPECT_EQ(r->shape, t.shape);
  fs::remove(p);

  auto missing = read_tensor_pb(p);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find(p.string()), std::string::npos);
}

// Inputs that crashed the .pb reader: dims [2^62, 4] whose element count wrapped to 0 (the
// empty tensor was accepted and rows that do not exist were read), and dims [4, 2^40] that
// were allocated before the (empty) stored data was compared with them. Both are refused
// before any allocation, naming the file and the tensor.
TEST(TensorProtoTest, HugeDimsWithoutDataAreRefusedNamingFileAndTensor) {
  namespace fs = std::filesystem;
  for (const char* name : {"tensor_dims_2e62x4_no_data.pb", "tensor_dims_4x2e40_no_data.pb"}) {
    const fs::path p = fs::path(QAC_SOURCE_DIR) / "tests/data/crash" / name;
    auto r = read_tensor_pb(p);
    ASSERT_FALSE(r.ok()) << name;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidModel) << r.status().to_string();
    EXPECT_NE(r.status().message().find(p.string()), std::string::npos) << r.status().message();
    EXPECT_NE(r.status().message().find("'input'"), std::string::npos) << r.status().message();
  }
}

TEST(TensorProtoTest, DimsWhoseByteSizeOverflowsAreRefused) {
  onnx::TensorProto p;
  p.set_name("w");
  p.set_data_type(onnx::TensorProto::DOUBLE);
  p.add_dims(int64_t{1} << 61);  // 2^61 elements fit size_t, their 2^64 bytes do not
  auto r = to_tensor(p);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidModel);
  EXPECT_NE(r.status().message().find("overflows"), std::string::npos) << r.status().message();
  // A zero dim does not make an overflowing shape valid.
  p.add_dims(0);
  EXPECT_EQ(to_tensor(p).status().code(), StatusCode::kInvalidModel);
}

TEST(TensorProtoTest, EmptyTensorsConvertBothWays) {
  onnx::TensorProto p;
  p.set_name("empty");
  p.set_data_type(onnx::TensorProto::FLOAT);
  p.add_dims(0);
  p.add_dims(3);
  auto typed = to_tensor(p);
  ASSERT_TRUE(typed.ok()) << typed.status().to_string();
  EXPECT_EQ(typed->byte_size(), 0u);
  p.set_raw_data("");
  auto raw = to_tensor(p);
  ASSERT_TRUE(raw.ok()) << raw.status().to_string();
  EXPECT_EQ(raw->shape, (std::vector<int64_t>{0, 3}));
}

}  // namespace
}  // namespace qac
