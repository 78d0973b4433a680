#pragma once
#include <filesystem>
#include <optional>
#include <string>

#include "host/paths.h"

namespace cloudfilm::host {

// Starts the desktop's file manager on `folder` (xdg-open on Linux, open on macOS, Explorer on Windows;
// CLOUDFILM_OPENER replaces it for
// tests) without waiting for it. The child never sees our stdin/stdout: they are the message channel.
// Returns why it could not be started, or nullopt.
std::optional<std::string> openInFileManager(const std::filesystem::path& folder, const EnvLookup& env);

}  // namespace cloudfilm::host
