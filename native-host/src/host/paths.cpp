#include "host/paths.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace cloudfilm::host {
namespace fs = std::filesystem;

namespace {

// XDG variables count only when absolute (the spec says relative ones are invalid and ignored).
std::optional<fs::path> absoluteVariable(const EnvLookup& env, const std::string& name) {
  auto value = env(name);
  if (!value || value->empty()) return std::nullopt;
  fs::path path(*value);
  if (!path.is_absolute()) return std::nullopt;
  return path;
}

fs::path homeDirectory(const EnvLookup& env) {
  if (auto home = absoluteVariable(env, "HOME")) return *home;
  if (const passwd* entry = ::getpwuid(::getuid()); entry && entry->pw_dir) return entry->pw_dir;
  return fs::temp_directory_path();
}

std::string trim(std::string_view text) {
  const auto begin = text.find_first_not_of(" \t\r");
  if (begin == std::string_view::npos) return {};
  const auto end = text.find_last_not_of(" \t\r");
  return std::string(text.substr(begin, end - begin + 1));
}

}  // namespace

std::optional<std::string> processEnvironment(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (!value) return std::nullopt;
  return std::string(value);
}

std::optional<fs::path> parseDownloadDir(std::string_view userDirsText, const fs::path& home) {
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
        expanded += home.string();
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

HostPaths resolvePaths(const EnvLookup& env) {
  HostPaths paths;
  paths.home = homeDirectory(env);
#ifdef __APPLE__
  const fs::path support = paths.home / "Library" / "Application Support" / "CloudFilm";
  const fs::path dataHome = support, stateHome = paths.home / "Library" / "Logs", configHome = support;
#else
  const fs::path dataHome = absoluteVariable(env, "XDG_DATA_HOME").value_or(paths.home / ".local" / "share");
  const fs::path stateHome = absoluteVariable(env, "XDG_STATE_HOME").value_or(paths.home / ".local" / "state");
  const fs::path configHome = absoluteVariable(env, "XDG_CONFIG_HOME").value_or(paths.home / ".config");
#endif
  paths.dataDir = absoluteVariable(env, "CLOUDFILM_DATA_DIR").value_or(dataHome / "cloudfilm");
  paths.stagingDir = paths.dataDir / "staging";
#ifdef __APPLE__
  paths.logFile = stateHome / "CloudFilm" / "host.log";
  paths.settingsFile = configHome / "settings.json";
  const fs::path downloads = paths.home / "Downloads";
#else
  paths.logFile = stateHome / "cloudfilm" / "host.log";
  paths.settingsFile = configHome / "cloudfilm" / "settings.json";
  fs::path downloads = paths.home / "Downloads";
  std::ifstream userDirs(configHome / "user-dirs.dirs");
  if (userDirs) {
    std::stringstream text;
    text << userDirs.rdbuf();
    if (auto configured = parseDownloadDir(text.str(), paths.home)) downloads = *configured;
  }
#endif
  paths.defaultOutput = downloads / "CloudFilm";
  paths.outputOverride = absoluteVariable(env, "CLOUDFILM_OUTPUT_DIR");
  return paths;
}

}  // namespace cloudfilm::host
