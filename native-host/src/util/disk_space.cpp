#include "util/disk_space.h"

namespace cloudfilm {

std::uint64_t freeBytesNear(std::filesystem::path folder) {
  std::error_code ec;
  while (!folder.empty()) {
    const auto info = std::filesystem::space(folder, ec);
    if (!ec) return info.available;
    if (folder == folder.root_path()) break;
    folder = folder.parent_path();
  }
  return 0;
}

}  // namespace cloudfilm
