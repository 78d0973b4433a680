#include "host/log.h"

#include <cstdio>
#include <ctime>
#include <string>

#include "platform/platform.h"

namespace cloudfilm::host {
namespace {
std::FILE* logFile = nullptr;
constexpr std::uintmax_t kRotateBytes = 4u * 1024u * 1024u;
}  // namespace

bool openLog(const std::filesystem::path& file) {
  std::error_code ec;
  std::filesystem::create_directories(file.parent_path(), ec);
  if (std::filesystem::file_size(file, ec) > kRotateBytes && !ec) {
    std::filesystem::rename(file, std::filesystem::path(file).concat(".1"), ec);
  }
  if (logFile) std::fclose(logFile);
  logFile = platform::openLogFile(file);
  return logFile != nullptr;
}

void logLine(std::string_view level, std::string_view message) {
  if (!logFile) return;
  char stamp[32];
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  platform::localTime(now, local);
  std::strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &local);
  std::fprintf(logFile, "%s [%ld] %.*s: %.*s\n", stamp, platform::currentProcessId(), static_cast<int>(level.size()),
               level.data(), static_cast<int>(message.size()), message.data());
  std::fflush(logFile);
}

}  // namespace cloudfilm::host
