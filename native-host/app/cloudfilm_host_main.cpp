// cloudfilm-host: the native messaging host started by the browser for the CloudFilm extension.
// stdin/stdout carry the framed messages (docs/protocol.md); everything else goes to the log file.
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "dicom/dicom_file.h"
#include "host/caller.h"
#include "host/log.h"
#include "host/paths.h"
#include "host/session.h"
#include "platform/platform.h"

using namespace cloudfilm;

int main(int argc, char** argv) {
  platform::prepareStandardStreams();  // binary stdin/stdout; a closed port shows up as a failed write, handled there
  const host::HostPaths paths = host::resolvePaths();
  if (!host::openLog(paths.logFile)) 
    std::fprintf(stderr, "cloudfilm-host: cannot open the log %s\n", platform::utf8Of(paths.logFile).c_str());

  const std::vector<std::string> arguments = platform::argumentsUtf8(argc, argv);
  const host::Caller caller = host::identifyCaller(arguments);
  if (!caller.allowed) {
    host::logError("refusing to serve: " + caller.description);
    std::fprintf(stderr, "cloudfilm-host: refusing to serve %s\n", caller.description.c_str());
    return host::kExitRefusedCaller;
  }
  host::logInfo("started by " + caller.description);

  if (auto problem = dicom::initialize()) {
    host::logError(*problem);
    std::fprintf(stderr, "cloudfilm-host: %s\n", problem->c_str());
    return host::kExitStartup;
  }
  try {
    host::Session session(paths);
    const int status = session.serve(platform::kStandardInput, platform::kStandardOutput);
    host::logInfo("exiting with status " + std::to_string(status));
    return status;
  } catch (const std::exception& error) {
    host::logError(std::string("cannot serve: ") + error.what());
    std::fprintf(stderr, "cloudfilm-host: %s\n", error.what());
    return host::kExitStartup;
  }
}
