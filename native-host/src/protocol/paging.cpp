#include "protocol/paging.h"

#include "protocol/messages.h"

namespace cloudfilm::protocol {

std::vector<PageRange> paginate(std::span<const std::size_t> itemBytes, std::size_t budget) {
  std::vector<PageRange> pages;
  PageRange current;
  std::size_t used = 0;
  for (std::size_t i = 0; i < itemBytes.size(); ++i) {
    if (current.end > current.begin && used + itemBytes[i] > budget) {
      pages.push_back(current);
      current = {i, i};
      used = 0;
    }
    used += itemBytes[i];
    current.end = i + 1;
  }
  pages.push_back(current);
  return pages;
}

bool BoundedArray::add(nlohmann::json entry) {
  const std::size_t size = serialize(entry).size() + 1;
  if (used_ + size > budget_) {
    ++omitted_;
    return false;
  }
  used_ += size;
  items_.push_back(std::move(entry));
  return true;
}

}  // namespace cloudfilm::protocol
