#include "util/file_lock.h"

#include "platform/platform.h"

namespace cloudfilm {

FileLock::FileLock(int fd) : fd_(fd), ownsFd_(false) {
  if (fd_ >= 0) platform::lockFile(fd_);
}

FileLock::FileLock(const std::filesystem::path& path) : fd_(platform::openForLocking(path)), ownsFd_(true) {
  if (fd_ >= 0) platform::lockFile(fd_);
}

FileLock::~FileLock() {
  if (fd_ < 0) return;
  if (ownsFd_) platform::closeFile(fd_);  // closing releases the lock
  else platform::unlockFile(fd_);
}

}  // namespace cloudfilm
