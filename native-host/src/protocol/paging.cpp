#include "protocol/paging.h"

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

}  // namespace cloudfilm::protocol
