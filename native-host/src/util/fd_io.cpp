#include "util/fd_io.h"

#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "util/error.h"

namespace cloudfilm {

bool writeAll(int fd, std::string_view bytes) { return writeAll(fd, {bytes}); }

bool writeAll(int fd, std::initializer_list<std::string_view> parts) {
  std::vector<iovec> left;
  for (std::string_view part : parts)
    if (!part.empty()) left.push_back({const_cast<char*>(part.data()), part.size()});
  std::size_t first = 0;
  while (first < left.size()) {
    const ssize_t n = ::writev(fd, left.data() + first, static_cast<int>(left.size() - first));
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    // Skip what was written: whole parts, then the written head of the next one.
    auto done = static_cast<std::size_t>(n);
    while (first < left.size() && done >= left[first].iov_len) done -= left[first++].iov_len;
    if (done > 0) {
      left[first].iov_base = static_cast<char*>(left[first].iov_base) + done;
      left[first].iov_len -= done;
    }
  }
  return true;
}

void writeWholeFile(const std::filesystem::path& path, std::string_view bytes, unsigned mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, static_cast<mode_t>(mode));
  if (fd < 0) throw ioError("cannot write", path.string(), errno);
  const bool written = writeAll(fd, bytes);
  const int writeError = errno;
  if (::close(fd) != 0 || !written) {
    const int error = written ? errno : writeError;
    ::unlink(path.c_str());  // never leave a half-written file behind
    throw ioError("cannot write", path.string(), error);
  }
}

void syncPath(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

}  // namespace cloudfilm
