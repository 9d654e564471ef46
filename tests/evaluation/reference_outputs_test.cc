// ReferenceOutputs: keeps the FP32 outputs of a whole validation set and hands back any
// samples' rows, or gives up cleanly (budget, no sample axis, changing shapes, gaps).
#include "evaluation/reference_outputs.h"

#include <gtest/gtest.h>

#include <vector>

namespace qac {
namespace {

// Rows [first, first + count) of a [N, 2] float output whose row i holds (i, -i).
Tensor numbered_rows(size_t first, size_t count) {
  Tensor t(DType::kFloat32, {static_cast<int64_t>(count), 2});
  for (size_t i = 0; i < count; ++i) {
    t.data<float>()[2 * i] = static_cast<float>(first + i);
    t.data<float>()[2 * i + 1] = -static_cast<float>(first + i);
  }
  return t;
}

// A second output, int64 [N], holding 10 * i.
Tensor scaled_ids(size_t first, size_t count) {
  Tensor t(DType::kInt64, {static_cast<int64_t>(count)});
  for (size_t i = 0; i < count; ++i) t.data<int64_t>()[i] = static_cast<int64_t>(10 * (first + i));
  return t;
}

TEST(ReferenceOutputs, ReturnsTheRowsOfAnySamplesInTheRequestedOrder) {
  ReferenceOutputs cache(7, kDefaultReferenceBudgetBytes);
  EXPECT_FALSE(cache.complete());
  ASSERT_TRUE(cache.add_batch(0, 4, {numbered_rows(0, 4), scaled_ids(0, 4)}));
  EXPECT_FALSE(cache.complete());
  ASSERT_TRUE(cache.add_batch(4, 3, {numbered_rows(4, 3), scaled_ids(4, 3)}));
  ASSERT_TRUE(cache.complete());
  EXPECT_EQ(cache.bytes(), 7 * (2 * sizeof(float) + sizeof(int64_t)));

  auto rows = cache.rows({6, 1, 3});
  ASSERT_TRUE(rows.ok()) << rows.status().to_string();
  ASSERT_EQ(rows->size(), 2u);
  const Tensor& values = (*rows)[0];
  EXPECT_EQ(values.dtype, DType::kFloat32);
  EXPECT_EQ(values.shape, (std::vector<int64_t>{3, 2}));
  EXPECT_EQ(std::vector<float>(values.data<float>(), values.data<float>() + 6),
            (std::vector<float>{6, -6, 1, -1, 3, -3}));
  const Tensor& ids = (*rows)[1];
  EXPECT_EQ(ids.dtype, DType::kInt64);
  EXPECT_EQ(ids.shape, (std::vector<int64_t>{3}));
  EXPECT_EQ(std::vector<int64_t>(ids.data<int64_t>(), ids.data<int64_t>() + 3),
            (std::vector<int64_t>{60, 10, 30}));

  EXPECT_FALSE(cache.rows({7}).ok());  // past the cached samples
}

TEST(ReferenceOutputs, GivesUpWhenTheWholeSetWouldExceedTheBudget) {
  // 100 samples x 8 bytes = 800 bytes: a 799-byte budget refuses at the first batch.
  ReferenceOutputs over(100, 799);
  EXPECT_FALSE(over.add_batch(0, 10, {numbered_rows(0, 10)}));
  EXPECT_FALSE(over.add_batch(10, 10, {numbered_rows(10, 10)}));
  EXPECT_FALSE(over.complete());
  EXPECT_EQ(over.bytes(), 0u);
  EXPECT_FALSE(over.rows({0}).ok());

  ReferenceOutputs exact(100, 800);
  for (size_t first = 0; first < 100; first += 10) {
    ASSERT_TRUE(exact.add_batch(first, 10, {numbered_rows(first, 10)}));
  }
  EXPECT_TRUE(exact.complete());
}

TEST(ReferenceOutputs, GivesUpOnOutputsThatCannotBeSplitPerSample) {
  ReferenceOutputs scalar(4, kDefaultReferenceBudgetBytes);
  EXPECT_FALSE(scalar.add_batch(0, 2, {Tensor(DType::kFloat32, {})}));  // no sample axis

  ReferenceOutputs wrong_rows(4, kDefaultReferenceBudgetBytes);
  EXPECT_FALSE(wrong_rows.add_batch(0, 2, {numbered_rows(0, 3)}));  // 3 rows for 2 samples

  ReferenceOutputs changing(4, kDefaultReferenceBudgetBytes);
  ASSERT_TRUE(changing.add_batch(0, 2, {Tensor(DType::kFloat32, {2, 5})}));
  EXPECT_FALSE(changing.add_batch(2, 2, {Tensor(DType::kFloat32, {2, 6})}));  // padded differently
  EXPECT_FALSE(changing.complete());
  EXPECT_EQ(changing.bytes(), 0u);
}

TEST(ReferenceOutputs, GivesUpOnBatchesOutOfOrder) {
  ReferenceOutputs gap(6, kDefaultReferenceBudgetBytes);
  ASSERT_TRUE(gap.add_batch(0, 2, {numbered_rows(0, 2)}));
  EXPECT_FALSE(gap.add_batch(3, 2, {numbered_rows(3, 2)}));
  EXPECT_FALSE(gap.add_batch(2, 4, {numbered_rows(2, 4)}));  // ignored after giving up
  EXPECT_FALSE(gap.complete());

  ReferenceOutputs late_start(6, kDefaultReferenceBudgetBytes);
  EXPECT_FALSE(late_start.add_batch(2, 4, {numbered_rows(2, 4)}));
}

}  // namespace
}  // namespace qac
