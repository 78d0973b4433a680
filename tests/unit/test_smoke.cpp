#include <gtest/gtest.h>
TEST(Smoke, TestBinaryRuns) { EXPECT_EQ(1 + 1, 2); }
