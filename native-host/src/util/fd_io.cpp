#include "util/fd_io.h"

#include <cerrno>
#include <vector>

#include "platform/platform.h"
#include "util/error.h"

namespace cloudfilm {

bool writeAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const long n = platform::writeSome(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

bool writeAll(int fd, std::initializer_list<std::string_view> parts) {
  std::vector<std::string_view> left;
  for (std::string_view part : parts)
    if (!part.empty()) left.push_back(part);
  std::size_t first = 0;
  while (first < left.size()) {
    const long n = platform::writeGathered(fd, left.data() + first, left.size() - first);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    // Skip what was written: whole parts, then the written head of the next one.
    auto done = static_cast<std::size_t>(n);
    while (first < left.size() && done >= left[first].size()) done -= left[first++].size();
    if (done > 0) left[first].remove_prefix(done);
  }
  return true;
}

void writeWholeFile(const std::filesystem::path& path, std::string_view bytes, unsigned mode) {
  const int fd = platform::openForWriting(path, platform::Creation::Truncate, mode);
  if (fd < 0) throw ioError("cannot write", platform::utf8Of(path), errno);
  const bool written = writeAll(fd, bytes);
  const int writeError = errno;
  if (platform::closeFile(fd) != 0 || !written) {
    const int error = written ? errno : writeError;
    platform::removeFile(path);  // never leave a half-written file behind
    throw ioError("cannot write", platform::utf8Of(path), error);
  }
}

void syncPath(const std::filesystem::path& path) { platform::syncPath(path); }

}  // namespace cloudfilm
