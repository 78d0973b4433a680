// cloudfilm-host: the native messaging host started by the browser for the CloudFilm extension.
// stdin/stdout carry the framed messages (docs/protocol.md); everything else goes to the log file.
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "dicom/dicom_file.h"
#include "host/caller.h"
#include "host/log.h"
#include "host/paths.h"
#include "host/session.h"

using namespace cloudfilm;

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);  // a closed port shows up as a failed write, handled there
  const host::HostPaths paths = host::resolvePaths();
  if (!host::openLog(paths.logFile)) std::fprintf(stderr, "cloudfilm-host: cannot open the log %s\n", paths.logFile.c_str());

  const std::vector<std::string> arguments(argv + 1, argv + argc);
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
    const int status = session.serve(STDIN_FILENO, STDOUT_FILENO);
    host::logInfo("exiting with status " + std::to_string(status));
    return status;
  } catch (const std::exception& error) {
    host::logError(std::string("cannot serve: ") + error.what());
    std::fprintf(stderr, "cloudfilm-host: %s\n", error.what());
    return host::kExitStartup;
  }
}
