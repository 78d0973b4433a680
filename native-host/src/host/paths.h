#pragma once
// Where the host keeps things, per user, following the XDG base directory spec (and macOS's folders).
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
  std::filesystem::path dataDir;        // CLOUDFILM_DATA_DIR, else $XDG_DATA_HOME/cloudfilm (~/.local/share/cloudfilm)
  std::filesystem::path stagingDir;     // <data>/staging: a store::Store of captured instances
  std::filesystem::path logFile;        // $XDG_STATE_HOME/cloudfilm/host.log (~/.local/state/cloudfilm/host.log)
  std::filesystem::path settingsFile;   // $XDG_CONFIG_HOME/cloudfilm/settings.json (~/.config/cloudfilm/...)
  std::filesystem::path defaultOutput;  // <the desktop's Downloads folder>/CloudFilm
  std::optional<std::filesystem::path> outputOverride;  // CLOUDFILM_OUTPUT_DIR (tests): wins over the settings
};

HostPaths resolvePaths(const EnvLookup& env = processEnvironment);

// XDG_DOWNLOAD_DIR from the text of ~/.config/user-dirs.dirs ("$HOME/下载" -> /home/me/下载). Relative values are
// relative to home, as xdg-user-dirs says; a value equal to $HOME itself means "disabled" and is ignored.
std::optional<std::filesystem::path> parseDownloadDir(std::string_view userDirsText,
                                                      const std::filesystem::path& home);

}  // namespace cloudfilm::host
