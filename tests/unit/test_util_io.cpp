// util/fd_io and util/file_lock: writing all of it through partial writes, full disks told apart, the shared lock.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <string>
#include <thread>

#include "test_files.h"
#include "util/error.h"
#include "util/fd_io.h"
#include "util/file_lock.h"

namespace cloudfilm {
namespace {

using namespace cloudfilm::test;

// Reads everything from `fd` until the writer closes it.
std::string drain(int fd) {
  std::string all;
  char block[4096];
  for (ssize_t n; (n = ::read(fd, block, sizeof block)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    all.append(block, static_cast<std::size_t>(n));
  }
  return all;
}

TEST(FdIo, WriteAll_ThroughAPipeSmallerThanTheData_WritesEverythingInOrder) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  ::fcntl(fds[1], F_SETPIPE_SZ, 4096);  // a small pipe forces partial writes
  std::string head = "HEAD", tail(300000, '\0');
  for (std::size_t i = 0; i < tail.size(); ++i) tail[i] = static_cast<char>(i * 7);
  std::string received;
  std::thread reader([&] { received = drain(fds[0]); });
  const bool ok = writeAll(fds[1], {head, std::string_view(), tail});
  ::close(fds[1]);
  reader.join();
  ::close(fds[0]);
  EXPECT_TRUE(ok);
  EXPECT_EQ(received, head + tail);
}

TEST(FdIo, WriteAll_NothingToWrite_Succeeds) {
  const int fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  EXPECT_TRUE(writeAll(fd, std::string_view()));
  EXPECT_TRUE(writeAll(fd, {}));
  ::close(fd);
}

TEST(FdIo, WriteAll_FullDisk_FailsWithEnospc_WhichIsDiskFull) {
  const int fd = ::open("/dev/full", O_WRONLY | O_CLOEXEC);
  if (fd < 0) GTEST_SKIP() << "no /dev/full";
  errno = 0;
  EXPECT_FALSE(writeAll(fd, "bytes"));
  const int error = errno;
  ::close(fd);
  EXPECT_EQ(error, ENOSPC);
  const Error failure = ioError("cannot write", "/dev/full", error);
  EXPECT_EQ(failure.code(), ErrorCode::DiskFull);
  EXPECT_NE(std::string(failure.what()).find("cannot write /dev/full: "), std::string::npos) << failure.what();
}

TEST(FdIo, WriteAll_ClosedDescriptor_Fails) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  ::close(fds[1]);
  ::close(fds[0]);
  EXPECT_FALSE(writeAll(fds[1], "x"));
  EXPECT_EQ(errno, EBADF);
}

TEST(FdIo, WriteWholeFile_WritesAndReplaces) {
  TempDir dir;
  const fs::path file = dir / "file";
  writeWholeFile(file, "first, longer");
  writeWholeFile(file, "second");
  EXPECT_EQ(readFile(file), "second");
}

TEST(FdIo, WriteWholeFile_MissingFolder_ThrowsInternalWithThePath) {
  TempDir dir;
  const fs::path file = dir / "missing" / "file";
  try {
    writeWholeFile(file, "x");
    FAIL() << "expected an exception";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::Internal);
    EXPECT_NE(std::string(error.what()).find("cannot write " + file.string() + ": "), std::string::npos);
  }
  EXPECT_FALSE(fs::exists(file));
}

TEST(FileLock, HeldLock_ExcludesAnotherOpenOfTheFile_UntilReleased) {
  TempDir dir;
  const fs::path path = dir / "lock";
  const auto tryLock = [&] {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    const bool got = ::flock(fd, LOCK_EX | LOCK_NB) == 0;
    ::close(fd);
    return got;
  };
  {
    FileLock lock(path);
    EXPECT_TRUE(lock.locked());
    EXPECT_FALSE(tryLock());
  }
  EXPECT_TRUE(tryLock());

  const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  {
    FileLock lock(fd);
    EXPECT_FALSE(tryLock());
  }
  EXPECT_TRUE(tryLock()) << "unlocked, though the caller's descriptor stays open";
  EXPECT_EQ(::fcntl(fd, F_GETFD), FD_CLOEXEC) << "the borrowed descriptor is not closed";
  ::close(fd);
}

TEST(FileLock, UnopenablePath_HoldsNoLock) {
  TempDir dir;
  FileLock lock(dir / "missing" / "lock");
  EXPECT_FALSE(lock.locked());
}

}  // namespace
}  // namespace cloudfilm
