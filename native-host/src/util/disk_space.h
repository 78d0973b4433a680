#pragma once
#include <cstdint>
#include <filesystem>

namespace cloudfilm {

// The bytes available to this user on the file system that holds `folder`, or would hold it once created (the
// nearest existing parent is asked). 0 when nothing can be asked.
std::uint64_t freeBytesNear(std::filesystem::path folder);

}  // namespace cloudfilm
