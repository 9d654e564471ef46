#include "onnx/tensor_storage.h"

#include <gtest/gtest.h>

namespace qac {
namespace {

onnx::TensorProto tensor(int32_t type, std::vector<int64_t> dims) {
  onnx::TensorProto t;
  t.set_name(std::string("t"));
  t.set_data_type(type);
  for (int64_t d : dims) t.add_dims(d);
  return t;
}

TEST(TensorStorageTest, StoredElementsMustMatchTheDims) {
  onnx::TensorProto f = tensor(onnx::TensorProto::FLOAT, {2, 2});
  for (int i = 0; i < 4; ++i) f.add_float_data(1.0f);
  EXPECT_TRUE(check_tensor_storage(f, "f").ok());
  f.set_raw_data(std::string(12, '\0'));  // 3 floats for 4 elements
  const Status s = check_tensor_storage(f, "initializer 'f'");
  EXPECT_EQ(s.code(), StatusCode::kInvalidModel);
  EXPECT_NE(s.message().find("initializer 'f'"), std::string::npos) << s.message();
  f.set_raw_data(std::string(15, '\0'));
  EXPECT_FALSE(check_tensor_storage(f, "f").ok());

  onnx::TensorProto c = tensor(onnx::TensorProto::COMPLEX64, {2});
  for (int i = 0; i < 4; ++i) c.add_float_data(0.5f);
  EXPECT_TRUE(check_tensor_storage(c, "c").ok());
  onnx::TensorProto u = tensor(onnx::TensorProto::UINT32, {1});
  EXPECT_FALSE(check_tensor_storage(u, "u").ok());
  u.add_uint64_data(7);
  EXPECT_TRUE(check_tensor_storage(u, "u").ok());
  onnx::TensorProto s8 = tensor(onnx::TensorProto::STRING, {2});
  s8.add_string_data(std::string("a"));
  s8.add_string_data(std::string("b"));
  EXPECT_TRUE(check_tensor_storage(s8, "s").ok());
}

TEST(TensorStorageTest, HugeOrNegativeDimsAreRefused) {
  EXPECT_FALSE(check_tensor_storage(tensor(onnx::TensorProto::FLOAT, {int64_t{1} << 62, 4}), "t").ok());
  EXPECT_FALSE(check_tensor_storage(tensor(onnx::TensorProto::FLOAT, {-1}), "t").ok());
  onnx::TensorProto external = tensor(onnx::TensorProto::FLOAT, {1000});
  external.set_data_location(onnx::TensorProto::EXTERNAL);
  EXPECT_TRUE(check_tensor_storage(external, "t").ok());
}

}  // namespace
}  // namespace qac
