#include <vector>

#include <gtest/gtest.h>

#include "protocol/paging.h"

using namespace cloudfilm::protocol;

TEST(ProtocolPaging, NoItemsGiveOneEmptyPage) {
  const auto pages = paginate({}, 100);
  ASSERT_EQ(pages.size(), 1u);
  EXPECT_EQ(pages[0].begin, 0u);
  EXPECT_EQ(pages[0].end, 0u);
}

TEST(ProtocolPaging, GreedyAndOrderPreserving) {
  const std::vector<std::size_t> sizes = {40, 40, 40, 10, 90, 5};
  const auto pages = paginate(sizes, 100);
  ASSERT_EQ(pages.size(), 3u);
  EXPECT_EQ(pages[0].begin, 0u);
  EXPECT_EQ(pages[0].end, 2u);
  EXPECT_EQ(pages[1].begin, 2u);
  EXPECT_EQ(pages[1].end, 4u);
  EXPECT_EQ(pages[2].begin, 4u);
  EXPECT_EQ(pages[2].end, 6u);
}

TEST(ProtocolPaging, EveryItemOnExactlyOnePageAndPagesWithinBudget) {
  std::vector<std::size_t> sizes;
  for (std::size_t i = 0; i < 1000; ++i) sizes.push_back(1 + (i * 37) % 97);
  const auto pages = paginate(sizes, 300);
  std::size_t next = 0;
  for (const auto& page : pages) {
    EXPECT_EQ(page.begin, next);
    EXPECT_GT(page.end, page.begin);
    std::size_t total = 0;
    for (std::size_t i = page.begin; i < page.end; ++i) total += sizes[i];
    EXPECT_LE(total, 300u);
    next = page.end;
  }
  EXPECT_EQ(next, sizes.size());
}

TEST(ProtocolPaging, OversizedItemGetsAPageOfItsOwn) {
  const std::vector<std::size_t> sizes = {10, 500, 10};
  const auto pages = paginate(sizes, 100);
  ASSERT_EQ(pages.size(), 3u);
  EXPECT_EQ(pages[1].begin, 1u);
  EXPECT_EQ(pages[1].end, 2u);
}

TEST(ProtocolBoundedArray, AddsWhatFitsCountsTheRestAndLaterSmallOnesStillFit) {
  // Each entry costs its serialised size plus one separator.
  BoundedArray array(10);
  EXPECT_TRUE(array.add("abc"));           // "abc" = 5 bytes + 1 -> 6
  EXPECT_FALSE(array.add("abcdefgh"));     // 10 + 1 would pass 10
  EXPECT_TRUE(array.add(7));               // 1 + 1 -> 8
  EXPECT_FALSE(array.add("xy"));           // 4 + 1 -> 13
  EXPECT_EQ(array.omitted(), 2u);
  EXPECT_EQ(array.take(), nlohmann::json::array({"abc", 7}));
}
