#include "util/file_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>

namespace cloudfilm {
namespace {

void lockExclusive(int fd) {
  while (::flock(fd, LOCK_EX) != 0 && errno == EINTR) {
  }
}

}  // namespace

FileLock::FileLock(int fd) : fd_(fd), ownsFd_(false) {
  if (fd_ >= 0) lockExclusive(fd_);
}

FileLock::FileLock(const std::filesystem::path& path)
    : fd_(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600)), ownsFd_(true) {
  if (fd_ >= 0) lockExclusive(fd_);
}

FileLock::~FileLock() {
  if (fd_ < 0) return;
  if (ownsFd_) ::close(fd_);  // closing releases the lock
  else ::flock(fd_, LOCK_UN);
}

}  // namespace cloudfilm
