// random_feeds (runtime/random_feeds.h): shapes from the model, the batch size and the user's
// shapes, and errors naming the input and the model.
#include "runtime/random_feeds.h"

#include <gtest/gtest.h>

namespace qac {
namespace {

ValueSpec spec(const std::string& name, DType dtype, std::vector<int64_t> shape) {
  ValueSpec s;
  s.name = name;
  s.dtype = dtype;
  s.shape = std::move(shape);
  return s;
}

void expect_error_naming(const Status& status, const std::vector<std::string>& names) {
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  for (const auto& name : names) EXPECT_NE(status.message().find(name), std::string::npos) << status.message();
}

TEST(RandomFeedsTest, SymbolicFirstDimensionIsTheBatch) {
  const std::vector<ValueSpec> inputs = {spec("x", DType::kFloat32, {-1, 3, 4}), spec("ids", DType::kInt64, {-1, 7}),
                                         spec("fixed", DType::kFloat64, {2, 2})};
  auto feeds = random_feeds(inputs, {}, 5, "m.onnx");
  ASSERT_TRUE(feeds.ok()) << feeds.status().to_string();
  ASSERT_EQ(feeds->size(), 3u);
  const Tensor& x = feeds->at("x");
  EXPECT_EQ(x.dtype, DType::kFloat32);
  EXPECT_EQ(x.shape, std::vector<int64_t>({5, 3, 4}));
  bool varied = false;
  for (size_t i = 0; i < x.numel(); ++i) {
    EXPECT_GE(x.data<float>()[i], -1.0f);
    EXPECT_LT(x.data<float>()[i], 1.0f);
    varied = varied || x.data<float>()[i] != x.data<float>()[0];
  }
  EXPECT_TRUE(varied);
  const Tensor& ids = feeds->at("ids");
  EXPECT_EQ(ids.shape, std::vector<int64_t>({5, 7}));
  for (size_t i = 0; i < ids.numel(); ++i) EXPECT_EQ(ids.data<int64_t>()[i], 0);
  EXPECT_EQ(feeds->at("fixed").shape, std::vector<int64_t>({2, 2}));

  auto again = random_feeds(inputs, {}, 5, "m.onnx");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->at("x").bytes, x.bytes);
}

TEST(RandomFeedsTest, GivenShapesFillSymbolicDimensions) {
  const std::vector<ValueSpec> inputs = {spec("x", DType::kFloat32, {-1, 3, -1, -1})};
  auto feeds = random_feeds(inputs, {{"x", {2, 3, 32, 64}}}, 1, "det.onnx");
  ASSERT_TRUE(feeds.ok()) << feeds.status().to_string();
  EXPECT_EQ(feeds->at("x").shape, std::vector<int64_t>({2, 3, 32, 64}));
}

TEST(RandomFeedsTest, ErrorsNameTheInputAndTheModel) {
  const std::vector<ValueSpec> inputs = {spec("x", DType::kFloat32, {-1, 3, -1, -1})};
  expect_error_naming(random_feeds(inputs, {}, 1, "det.onnx").status(), {"'x'", "det.onnx", "[?, 3, ?, ?]"});
  expect_error_naming(random_feeds(inputs, {{"x", {1, 4, 32, 32}}}, 1, "det.onnx").status(),
                      {"'x'", "det.onnx", "[1, 4, 32, 32]"});
  expect_error_naming(random_feeds(inputs, {{"x", {1, 3, 32}}}, 1, "det.onnx").status(), {"'x'", "det.onnx"});
  expect_error_naming(random_feeds(inputs, {{"x", {1, 3, 0, 32}}}, 1, "det.onnx").status(), {"'x'", "det.onnx"});
  expect_error_naming(random_feeds(inputs, {{"x", {1, 3, 32, 32}}, {"image", {1, 3, 32, 32}}}, 1, "det.onnx").status(),
                      {"'image'", "det.onnx"});
}

}  // namespace
}  // namespace qac
