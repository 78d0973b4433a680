#include "host/paths.h"

#include "platform/platform.h"

namespace cloudfilm::host {
namespace fs = std::filesystem;

namespace {

// Overrides count only when absolute.
std::optional<fs::path> absoluteVariable(const EnvLookup& env, const std::string& name) {
  auto value = env(name);
  if (!value || value->empty()) return std::nullopt;
  fs::path path = platform::pathFromUtf8(*value);
  if (!path.is_absolute()) return std::nullopt;
  return path;
}

}  // namespace

std::optional<std::string> processEnvironment(const std::string& name) { return platform::environmentVariable(name); }

HostPaths resolvePaths(const EnvLookup& env) {
  const platform::UserFolders folders = platform::userFolders(env);
  HostPaths paths;
  paths.home = folders.home;
  paths.dataDir = absoluteVariable(env, "CLOUDFILM_DATA_DIR").value_or(folders.data);
  paths.stagingDir = paths.dataDir / "staging";
  paths.logFile = folders.logs / "host.log";
  paths.settingsFile = folders.settings / "settings.json";
  paths.defaultOutput = folders.downloads / "CloudFilm";
  paths.outputOverride = absoluteVariable(env, "CLOUDFILM_OUTPUT_DIR");
  return paths;
}

}  // namespace cloudfilm::host
