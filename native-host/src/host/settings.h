#pragma once
// The user's settings, persisted in $XDG_CONFIG_HOME/cloudfilm/settings.json.
#include <filesystem>
#include <optional>
#include <string>

#include "host/paths.h"

namespace cloudfilm::host {

struct Settings {
  std::optional<std::filesystem::path> outputFolder;
};

// A missing file gives empty settings; an unreadable or broken one too (the reason goes to `problem`).
Settings loadSettings(const std::filesystem::path& file, std::string* problem = nullptr);
// Writes atomically (temporary file + rename). Throws cloudfilm::Error on failure (DiskFull for a full disk).
void saveSettings(const std::filesystem::path& file, const Settings& settings);

// Environment override > settings > default (the Downloads folder's CloudFilm).
std::filesystem::path effectiveOutputFolder(const HostPaths& paths, const Settings& settings);

// Checks that `folder` is absolute, creates it if needed and proves it writable. Returns why not, or nullopt.
std::optional<std::string> prepareOutputFolder(const std::filesystem::path& folder);

}  // namespace cloudfilm::host
