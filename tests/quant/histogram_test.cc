#include "quant/histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

namespace qac {
namespace {

void add_all(Histogram& h, const std::vector<float>& v) {
  const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  h.add(v.data(), v.size(), *lo, *hi);
}

// Reference: bin every value directly with the histogram's final width and first bin.
std::vector<uint64_t> direct_counts(const Histogram& h, const std::vector<float>& all) {
  std::vector<uint64_t> counts(h.num_bins(), 0);
  for (float x : all) {
    const double i = std::floor((x - h.range_lo()) / h.bin_width());
    EXPECT_GE(i, 0.0);
    EXPECT_LT(i, static_cast<double>(h.num_bins()));
    counts[static_cast<size_t>(i)] += 1;
  }
  return counts;
}

// Dyadic values (multiples of 1/256) are binned exactly, so the comparison is exact.
std::vector<float> dyadic(std::mt19937& rng, int lo256, int hi256, size_t n) {
  std::uniform_int_distribution<int> d(lo256, hi256);
  std::vector<float> v(n);
  for (float& x : v) x = static_cast<float>(d(rng)) / 256.0f;
  return v;
}

TEST(HistogramTest, GrowingRangeMergesBinsExactly) {
  std::mt19937 rng(1);
  Histogram h(64);
  std::vector<float> all;
  // Ranges that grow to the right, to the left, and both ways at once.
  const int ranges[][2] = {{0, 256}, {0, 1000}, {-3000, 500}, {-100, 100}, {-20000, 40000}};
  for (const auto& r : ranges) {
    const std::vector<float> batch = dyadic(rng, r[0], r[1], 500);
    add_all(h, batch);
    all.insert(all.end(), batch.begin(), batch.end());
    EXPECT_EQ(h.counts(), direct_counts(h, all));
  }
  EXPECT_EQ(h.total(), all.size());
  // The data occupies at least half of the bins' span.
  const auto [lo, hi] = std::minmax_element(all.begin(), all.end());
  EXPECT_GE((*hi - *lo) / h.bin_width(), h.num_bins() / 2.0 - 2.0);
  // 0 is a bin edge.
  EXPECT_EQ(std::fmod(h.range_lo(), h.bin_width()), 0.0);
}

TEST(HistogramTest, PointMassThenSpread) {
  Histogram h(16);
  const std::vector<float> zeros(100, 0.0f);
  add_all(h, zeros);
  EXPECT_FALSE(h.has_bins());
  EXPECT_EQ(h.total(), 100u);
  EXPECT_EQ(h.quantile(0.5), 0.0);
  ASSERT_EQ(h.nonempty_bins().size(), 1u);
  EXPECT_EQ(h.nonempty_bins()[0].count, 100.0);
  const std::vector<float> spread = {0.5f, 1.0f, 2.0f, 3.75f};
  add_all(h, spread);
  ASSERT_TRUE(h.has_bins());
  EXPECT_EQ(h.total(), 104u);
  std::vector<float> all = zeros;
  all.insert(all.end(), spread.begin(), spread.end());
  EXPECT_EQ(h.counts(), direct_counts(h, all));
}

TEST(HistogramTest, GrowsFromTinyToHugeRanges) {
  Histogram h(64);
  const std::vector<float> tiny = {0.0f, 1e-30f, 2e-30f};
  add_all(h, tiny);
  const std::vector<float> huge = {-3e38f, 1.0f, 3e38f};
  add_all(h, huge);
  EXPECT_EQ(h.total(), 6u);
  EXPECT_LE(h.range_lo(), -3e38);
  EXPECT_GT(h.range_hi(), 3e38);
  uint64_t sum = 0;
  for (uint64_t c : h.counts()) sum += c;
  EXPECT_EQ(sum, 6u);
}

TEST(HistogramTest, QuantilesMatchSortedData) {
  std::mt19937 rng(7);
  std::normal_distribution<float> gauss(1.0f, 2.0f);
  std::vector<float> all;
  Histogram h;
  for (int b = 0; b < 10; ++b) {
    std::vector<float> batch(5000);
    for (float& x : batch) x = gauss(rng);
    add_all(h, batch);
    all.insert(all.end(), batch.begin(), batch.end());
  }
  std::sort(all.begin(), all.end());
  for (double q : {0.001, 0.01, 0.25, 0.5, 0.9, 0.999}) {
    const double exact = all[static_cast<size_t>(q * (all.size() - 1))];
    EXPECT_NEAR(h.quantile(q), exact, 2 * h.bin_width() + 0.01) << "q=" << q;
  }
}

TEST(HistogramTest, AbsHistogramFoldsAroundZero) {
  Histogram h(32);
  const std::vector<float> v = {-4.0f, -1.5f, -0.25f, 0.0f, 0.25f, 1.0f, 3.0f, 3.5f};
  add_all(h, v);
  const Histogram::AbsHistogram a = h.abs_histogram();
  uint64_t sum = 0;
  for (uint64_t c : a.counts) sum += c;
  EXPECT_EQ(sum, v.size());
  EXPECT_LE(a.counts.size(), h.num_bins());
  for (float x : v) {
    // |x| lies in its bin [k w, (k + 1) w), except negative values exactly on an edge
    // (-a w), which belong to the bin below.
    const double ax = std::fabs(x);
    size_t k = static_cast<size_t>(std::floor(ax / a.bin_width));
    if (x < 0 && std::floor(ax / a.bin_width) == ax / a.bin_width) k -= 1;
    ASSERT_LT(k, a.counts.size());
    EXPECT_GT(a.counts[k], 0u) << "x=" << x;
  }
}

TEST(HistogramTest, AbsHistogramOfFarFromZeroDataStaysSmall) {
  Histogram h(64);
  std::vector<float> v;
  for (int i = 0; i < 100; ++i) v.push_back(1000.0f + i / 100.0f);
  add_all(h, v);
  const Histogram::AbsHistogram a = h.abs_histogram();
  EXPECT_LE(a.counts.size(), h.num_bins());
  EXPECT_GE(a.bin_width * a.counts.size(), 1000.99);
  const Histogram::AbsHistogram coarse = h.abs_histogram(16);
  EXPECT_LE(coarse.counts.size(), 16u);
  EXPECT_GE(coarse.bin_width * coarse.counts.size(), 1000.99);
  uint64_t sum = 0;
  for (uint64_t c : coarse.counts) sum += c;
  EXPECT_EQ(sum, v.size());
}

}  // namespace
}  // namespace qac
