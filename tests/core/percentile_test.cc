#include "core/percentile.h"

#include <gtest/gtest.h>

#include <cmath>

namespace qac {
namespace {

TEST(PercentileTest, InterpolatesBetweenOrderStatistics) {
  const std::vector<double> values = {5, 1, 4, 2, 3};
  EXPECT_EQ(median(values), 3);
  EXPECT_EQ(percentile(values, 0), 1);
  EXPECT_EQ(percentile(values, 1), 5);
  EXPECT_DOUBLE_EQ(percentile(values, 0.1), 1.4);
  EXPECT_DOUBLE_EQ(percentile(values, 0.9), 4.6);
  EXPECT_EQ(median({4, 1, 2, 3}), 2.5);
  EXPECT_EQ(median({7}), 7);
  EXPECT_TRUE(std::isnan(median({})));
}

}  // namespace
}  // namespace qac
