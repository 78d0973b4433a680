#include "host/settings.h"

#include <cstring>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "platform/platform.h"
#include "util/error.h"
#include "util/fd_io.h"

namespace cloudfilm::host {
namespace fs = std::filesystem;

Settings loadSettings(const fs::path& file, std::string* problem) {
  Settings settings;
  std::ifstream in(file, std::ios::binary);
  if (!in) return settings;
  std::stringstream text;
  text << in.rdbuf();
  const auto json = nlohmann::json::parse(text.str(), nullptr, false);
  if (json.is_discarded() || !json.is_object()) {
    if (problem) *problem = "settings file " + platform::utf8Of(file) + " is not a JSON object; ignored";
    return settings;
  }
  if (auto it = json.find("outputFolder"); it != json.end() && it->is_string()) {
    const fs::path folder = platform::pathFromUtf8(it->get<std::string>());
    if (folder.is_absolute()) settings.outputFolder = folder;
    else if (problem) *problem = "outputFolder in " + platform::utf8Of(file) + " is not absolute; ignored";
  }
  return settings;
}

void saveSettings(const fs::path& file, const Settings& settings) {
  std::error_code ec;
  fs::create_directories(file.parent_path(), ec);
  nlohmann::json json = nlohmann::json::object();
  if (settings.outputFolder) json["outputFolder"] = platform::utf8Of(*settings.outputFolder);
  const std::string text = json.dump(2) + "\n";
  // Appended piece by piece: GCC 12 warns (-Wrestrict, a false positive, its bug 105329) on "." + std::string.
  std::string suffix = ".";
  suffix += std::to_string(platform::currentProcessId());
  suffix += ".tmp";
  const fs::path temporary = fs::path(file).concat(suffix);
  writeWholeFile(temporary, text, 0666);
  fs::rename(temporary, file, ec);
  if (ec) {
    const int error = ec.value();
    fs::remove(temporary, ec);
    throw ioError("cannot write", platform::utf8Of(file), error);
  }
}

fs::path effectiveOutputFolder(const HostPaths& paths, const Settings& settings) {
  if (paths.outputOverride) return *paths.outputOverride;
  if (settings.outputFolder) return *settings.outputFolder;
  return paths.defaultOutput;
}

std::optional<std::string> prepareOutputFolder(const fs::path& folder) {
  if (folder.empty() || !folder.is_absolute()) return "the output folder must be an absolute path";
  std::error_code ec;
  fs::create_directories(folder, ec);  // "already exists" is success
  if (!fs::is_directory(folder, ec)) return "cannot create the folder " + platform::utf8Of(folder) + (ec ? ": " + ec.message() : "");
  // Prove it writable by writing: access(W_OK) is wrong on read-only mounts and for some ACLs.
  const fs::path probe = folder / (".cloudfilm-probe-" + std::to_string(platform::currentProcessId()));
  const int fd = platform::openForWriting(probe, platform::Creation::Exclusive, 0600);
  if (fd < 0) return "cannot write in " + platform::utf8Of(folder) + ": " + std::strerror(errno);
  platform::closeFile(fd);
  fs::remove(probe, ec);
  return std::nullopt;
}

}  // namespace cloudfilm::host
