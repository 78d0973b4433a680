#pragma once
// Where the host keeps things, per user: the platform's folders (XDG base directories on Linux, macOS's Library,
// %LOCALAPPDATA% on Windows; platform::userFolders), and the CLOUDFILM_* variables tests set.
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace cloudfilm::host {

using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
std::optional<std::string> processEnvironment(const std::string& name);

struct HostPaths {
  std::filesystem::path home;
  std::filesystem::path dataDir;        // CLOUDFILM_DATA_DIR, else ~/.local/share/cloudfilm, %LOCALAPPDATA%\CloudFilm
  std::filesystem::path stagingDir;     // <data>/staging: a store::Store of captured instances
  std::filesystem::path logFile;        // ~/.local/state/cloudfilm/host.log, %LOCALAPPDATA%\CloudFilm\logs\host.log
  std::filesystem::path settingsFile;   // ~/.config/cloudfilm/settings.json, %LOCALAPPDATA%\CloudFilm\settings.json
  std::filesystem::path defaultOutput;  // <the desktop's Downloads folder>/CloudFilm
  std::optional<std::filesystem::path> outputOverride;  // CLOUDFILM_OUTPUT_DIR (tests): wins over the settings
};

HostPaths resolvePaths(const EnvLookup& env = processEnvironment);

}  // namespace cloudfilm::host
