#pragma once
// Shared by the fuzz targets: a private temporary folder for targets whose entry point reads a file or a folder,
// removed at exit, and helpers that write one input there and delete it again (libFuzzer runs millions of inputs:
// nothing may accumulate, nothing may be written anywhere else).
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <system_error>

namespace cloudfilm::fuzz {

inline const std::filesystem::path& tempDir() {
  static const std::filesystem::path dir = [] {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base && *base ? base : "/tmp") + "/cloudfilm-fuzz-XXXXXX";
    if (!::mkdtemp(pattern.data())) std::abort();
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(tempDir(), ec);
    });
    return std::filesystem::path(pattern);
  }();
  return dir;
}

// A file in tempDir() holding the input, deleted when this goes out of scope.
class TempFile {
 public:
  TempFile(std::string_view bytes, const char* name = "input.bin") : path_(tempDir() / name) {
    std::ofstream out(path_, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  ~TempFile() {
    std::error_code ec;
    std::filesystem::remove(path_, ec);
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Empties tempDir() (for targets that let the code under test create files and folders there).
inline void clearTempDir() {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(tempDir(), ec)) std::filesystem::remove_all(entry, ec);
}

// An in-memory file descriptor holding the input, positioned at its start (for readers of an fd). Closed by the caller.
inline int memoryFd(std::string_view bytes) {
  const int fd = ::memfd_create("cloudfilm-fuzz", 0);
  if (fd < 0) std::abort();
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n <= 0) std::abort();
    done += static_cast<std::size_t>(n);
  }
  ::lseek(fd, 0, SEEK_SET);
  return fd;
}

inline std::string_view asView(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace cloudfilm::fuzz
