#pragma once
// Splitting a long list into pages so that each reply stays under the outbound frame cap.
#include <cstddef>
#include <span>
#include <vector>

#include <nlohmann/json.hpp>

namespace cloudfilm::protocol {

struct PageRange {
  std::size_t begin = 0;  // index of the first item
  std::size_t end = 0;    // one past the last item
};

// Greedy, order-preserving split of items (given by their serialised size) into pages of at most `budget` bytes.
// An item larger than the budget gets a page of its own (the caller must make items smaller than that).
// No items give one empty page, so that "page 0 of 1" always exists.
std::vector<PageRange> paginate(std::span<const std::size_t> itemBytes, std::size_t budget);

// A JSON array filled in order while the entries' serialised size (plus a separator each) stays within `budget`
// bytes, starting from `used`; entries that do not fit are counted, not added, and later smaller ones still may be.
class BoundedArray {
 public:
  explicit BoundedArray(std::size_t budget, std::size_t used = 0) : budget_(budget), used_(used) {}
  bool add(nlohmann::json entry);  // false when it did not fit (counted in omitted())
  std::size_t omitted() const { return omitted_; }
  nlohmann::json take() { return std::move(items_); }

 private:
  nlohmann::json items_ = nlohmann::json::array();
  std::size_t budget_, used_, omitted_ = 0;
};

}  // namespace cloudfilm::protocol
