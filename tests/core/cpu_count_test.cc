#include "core/cpu_count.h"

#include <gtest/gtest.h>
#include <sched.h>

namespace qac {
namespace {

TEST(CpuCountTest, FollowsTheAffinityMask) {
  cpu_set_t original;
  CPU_ZERO(&original);
  ASSERT_EQ(sched_getaffinity(0, sizeof(original), &original), 0);
  EXPECT_EQ(available_cpus(), static_cast<size_t>(CPU_COUNT(&original)));

  // Restricted to its first allowed CPU, the calling thread sees one.
  int first = 0;
  while (!CPU_ISSET(first, &original)) ++first;
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(first, &one);
  ASSERT_EQ(sched_setaffinity(0, sizeof(one), &one), 0);
  const size_t restricted = available_cpus();
  ASSERT_EQ(sched_setaffinity(0, sizeof(original), &original), 0);
  EXPECT_EQ(restricted, 1u);
}

}  // namespace
}  // namespace qac
