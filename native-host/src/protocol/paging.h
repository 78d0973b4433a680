#pragma once
// Splitting a long list into pages so that each reply stays under the outbound frame cap.
#include <cstddef>
#include <span>
#include <vector>

namespace cloudfilm::protocol {

struct PageRange {
  std::size_t begin = 0;  // index of the first item
  std::size_t end = 0;    // one past the last item
};

// Greedy, order-preserving split of items (given by their serialised size) into pages of at most `budget` bytes.
// An item larger than the budget gets a page of its own (the caller must make items smaller than that).
// No items give one empty page, so that "page 0 of 1" always exists.
std::vector<PageRange> paginate(std::span<const std::size_t> itemBytes, std::size_t budget);

}  // namespace cloudfilm::protocol
