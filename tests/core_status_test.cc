#include <gtest/gtest.h>

#include "qac/status.h"
#include "qac/tensor.h"

namespace qac {
namespace {

Result<int> half_of(int x) {
  if (x % 2) return Status::InvalidArgument("odd value " + std::to_string(x));
  return x / 2;
}

Status quarter(int x, int* out) {
  QAC_ASSIGN_OR_RETURN(int h, half_of(x));
  QAC_ASSIGN_OR_RETURN(*out, half_of(h));
  return Status::Ok();
}

TEST(Status, PropagatesFirstError) {
  int q = 0;
  EXPECT_TRUE(quarter(8, &q).ok());
  EXPECT_EQ(q, 2);
  Status s = quarter(6, &q);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "odd value 3");
  EXPECT_EQ(s.with_context("model.onnx").to_string(), "invalid argument: model.onnx: odd value 3");
}

TEST(Tensor, SliceAndConcatRows) {
  Tensor t(DType::kFloat32, {3, 2});
  for (int i = 0; i < 6; ++i) t.data<float>()[i] = static_cast<float>(i);
  Tensor mid = t.slice_rows(1, 2);
  ASSERT_EQ(mid.shape, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(mid.data<float>()[0], 2.0f);
  Tensor first = t.slice_rows(0, 1);
  Tensor joined = concat_rows({&first, &mid});
  EXPECT_EQ(joined.shape, (std::vector<int64_t>{3, 2}));
  EXPECT_EQ(joined.bytes, t.bytes);
}

TEST(Tensor, ConcatRowsByNameStacksEachNameOverTheParts) {
  Tensor t(DType::kFloat32, {3, 2});
  for (int i = 0; i < 6; ++i) t.data<float>()[i] = static_cast<float>(i);
  Tensor ids(DType::kInt64, {3});
  for (int i = 0; i < 3; ++i) ids.data<int64_t>()[i] = 10 + i;
  const std::vector<NamedTensors> parts = {{{"x", t.slice_rows(0, 1)}, {"id", ids.slice_rows(0, 1)}},
                                           {{"x", t.slice_rows(1, 2)}, {"id", ids.slice_rows(1, 2)}}};
  const NamedTensors joined = concat_rows_by_name(parts);
  ASSERT_EQ(joined.size(), 2u);
  EXPECT_EQ(joined.at("x").shape, t.shape);
  EXPECT_EQ(joined.at("x").bytes, t.bytes);
  EXPECT_EQ(joined.at("id").dtype, DType::kInt64);
  EXPECT_EQ(joined.at("id").bytes, ids.bytes);
  EXPECT_EQ(concat_rows_by_name({parts[1]}).at("x").bytes, parts[1].at("x").bytes);  // one part: as it is
}

TEST(Tensor, ToFloatConvertsIntegerAndHalf) {
  Tensor t(DType::kInt64, {2});
  t.data<int64_t>()[0] = -5;
  t.data<int64_t>()[1] = 7;
  EXPECT_EQ(t.to_float(), (std::vector<float>{-5.f, 7.f}));
  Tensor h(DType::kFloat16, {2});
  h.data<uint16_t>()[0] = 0x3C00;  // 1.0
  h.data<uint16_t>()[1] = 0xC000;  // -2.0
  EXPECT_EQ(h.to_float(), (std::vector<float>{1.f, -2.f}));
}

}  // namespace
}  // namespace qac
