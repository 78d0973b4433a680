#pragma once
// The host's log file. stdout is the message channel, so nothing may ever be printed there; DCMTK is silenced by
// dicom::initialize().
#include <filesystem>
#include <string_view>

namespace cloudfilm::host {

// Opens (appending) the log file, creating its folder. A log over a few MiB is rotated to host.log.1 first.
// Returns false when it cannot be opened; logging then goes nowhere.
bool openLog(const std::filesystem::path& file);
void logLine(std::string_view level, std::string_view message);
inline void logInfo(std::string_view message) { logLine("info", message); }
inline void logWarning(std::string_view message) { logLine("warn", message); }
inline void logError(std::string_view message) { logLine("error", message); }

}  // namespace cloudfilm::host
