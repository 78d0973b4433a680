#pragma once
// An exclusive lock (flock; LockFileEx on Windows) held for the lifetime of the object, so two processes (two hosts, or a host and
// the command line) take turns on files they share.
#include <filesystem>

namespace cloudfilm {

class FileLock {
 public:
  // Locks `fd`, which stays the caller's to keep open and close; unlocks it on destruction.
  explicit FileLock(int fd);
  // Opens (creating it, mode 0600) and locks the file at `path`; closing it on destruction releases the lock.
  // Best effort: when the file cannot be opened, no lock is held (locked() is false).
  explicit FileLock(const std::filesystem::path& path);
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

  bool locked() const { return fd_ >= 0; }

 private:
  int fd_;
  bool ownsFd_;
};

}  // namespace cloudfilm
