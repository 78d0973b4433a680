// XDG user dirs (~/.config/user-dirs.dirs): plain text, parsed the same everywhere, so it is unit-tested on every
// platform; only platform_posix.cpp asks for it.
#include <sstream>

#include "platform/platform.h"

namespace cloudfilm::platform {
namespace fs = std::filesystem;

namespace {

std::string trim(std::string_view text) {
  const auto begin = text.find_first_not_of(" \t\r");
  if (begin == std::string_view::npos) return {};
  const auto end = text.find_last_not_of(" \t\r");
  return std::string(text.substr(begin, end - begin + 1));
}

}  // namespace

std::optional<fs::path> parseXdgDownloadDir(std::string_view userDirsText, const fs::path& home) {
  std::istringstream lines{std::string(userDirsText)};
  std::optional<fs::path> found;
  for (std::string line; std::getline(lines, line);) {
    line = trim(line);
    if (line.empty() || line[0] == '#') continue;
    const auto equals = line.find('=');
    if (equals == std::string::npos || trim(line.substr(0, equals)) != "XDG_DOWNLOAD_DIR") continue;
    std::string value = trim(line.substr(equals + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    std::string expanded;  // shell-style: only $HOME is expanded, backslash escapes the next character
    for (std::size_t i = 0; i < value.size(); ++i) {
      if (value[i] == '\\' && i + 1 < value.size()) {
        expanded += value[++i];
      } else if (value.compare(i, 5, "$HOME") == 0) {
        expanded += platform::utf8Of(home);
        i += 4;
      } else {
        expanded += value[i];
      }
    }
    if (expanded.empty()) continue;
    fs::path path(expanded);
    if (path.is_relative()) path = home / path;
    path = path.lexically_normal();
    if (path == home.lexically_normal() || path == (home / "").lexically_normal()) {
      found.reset();  // "disabled": the user wants no such folder
      continue;
    }
    found = path;
  }
  return found;
}

}  // namespace cloudfilm::platform
