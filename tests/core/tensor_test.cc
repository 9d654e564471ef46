#include "qac/tensor.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <stdexcept>

namespace qac {
namespace {

TEST(TensorTest, CheckedNumelMultipliesDims) {
  EXPECT_EQ(checked_numel({}), 1u);
  EXPECT_EQ(checked_numel({2, 3, 4}), 24u);
  EXPECT_EQ(checked_numel({0, 3}), 0u);
  EXPECT_EQ(checked_byte_size({2, 3}, DType::kFloat64), 48u);
}

TEST(TensorTest, CheckedNumelRefusesNegativeDimsAndOverflow) {
  EXPECT_FALSE(checked_numel({-1, 3}));
  // 2^62 * 4 wraps to 0 in unchecked 64-bit arithmetic.
  EXPECT_FALSE(checked_numel({int64_t{1} << 62, 4}));
  EXPECT_FALSE(checked_numel({std::numeric_limits<int64_t>::max(), 3}));
  // Fits as an element count, not as bytes.
  EXPECT_TRUE(checked_numel({int64_t{1} << 62}));
  EXPECT_FALSE(checked_byte_size({int64_t{1} << 62}, DType::kFloat32));
  // A zero dim does not excuse the other dims.
  EXPECT_FALSE(checked_numel({0, int64_t{1} << 62, 8}));
  EXPECT_FALSE(checked_byte_size({0, int64_t{1} << 62}, DType::kFloat32));
}

TEST(TensorTest, ConstructorRefusesShapesWithoutAValidSize) {
  EXPECT_THROW(Tensor(DType::kFloat32, {int64_t{1} << 62, 4}), std::length_error);
  EXPECT_THROW(Tensor(DType::kFloat32, {-1}), std::length_error);
}

TEST(TensorTest, EmptyTensorConvertsToNoFloats) {
  const Tensor empty(DType::kFloat32, {0, 5});
  EXPECT_TRUE(empty.to_float().empty());
}

}  // namespace
}  // namespace qac
