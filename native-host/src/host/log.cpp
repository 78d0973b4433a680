#include "host/log.h"

#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <string>

namespace cloudfilm::host {
namespace {
std::FILE* logFile = nullptr;
constexpr std::uintmax_t kRotateBytes = 4u * 1024u * 1024u;
}  // namespace

bool openLog(const std::filesystem::path& file) {
  std::error_code ec;
  std::filesystem::create_directories(file.parent_path(), ec);
  if (std::filesystem::file_size(file, ec) > kRotateBytes && !ec) {
    std::filesystem::rename(file, file.string() + ".1", ec);
  }
  if (logFile) std::fclose(logFile);
  logFile = std::fopen(file.c_str(), "ae");
  return logFile != nullptr;
}

void logLine(std::string_view level, std::string_view message) {
  if (!logFile) return;
  char stamp[32];
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  std::strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &local);
  std::fprintf(logFile, "%s [%ld] %.*s: %.*s\n", stamp, static_cast<long>(::getpid()), static_cast<int>(level.size()),
               level.data(), static_cast<int>(message.size()), message.data());
  std::fflush(logFile);
}

}  // namespace cloudfilm::host
