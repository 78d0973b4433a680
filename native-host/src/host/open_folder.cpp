#include "host/open_folder.h"

#include "platform/platform.h"

namespace cloudfilm::host {

std::optional<std::string> openInFileManager(const std::filesystem::path& folder, const EnvLookup& env) {
  return platform::openInFileManager(folder, env("CLOUDFILM_OPENER"));
}

}  // namespace cloudfilm::host
