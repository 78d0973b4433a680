// The session's message dispatch (host/session.h): the input is the stream of frames the browser would send, served
// by a Session on a data folder, settings, log and output folder all inside the fuzz temporary folder, emptied after
// every input. Replies go to /dev/null; the folder opener is /bin/true.
#include <fcntl.h>
#include <unistd.h>

#include <map>

#include "dicom/dicom_file.h"
#include "fuzz_support.h"
#include "host/session.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (auto problem = cloudfilm::dicom::initialize()) return 1;
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cloudfilm;
  const auto root = fuzz::tempDir();
  const std::map<std::string, std::string> vars = {
      {"HOME", (root / "home").string()},
      {"XDG_STATE_HOME", (root / "state").string()},
      {"XDG_CONFIG_HOME", (root / "config").string()},
      {"XDG_DATA_HOME", (root / "xdg-data").string()},
      {"CLOUDFILM_DATA_DIR", (root / "data").string()},
      {"CLOUDFILM_OUTPUT_DIR", (root / "out").string()},
      {"CLOUDFILM_OPENER", "/bin/true"},
  };
  const host::EnvLookup env = [&](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
  const int in = fuzz::memoryFd(fuzz::asView(data, size));
  const int out = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  try {
    host::Session session(host::resolvePaths(env), env);
    session.serve(in, out);
  } catch (const std::exception&) {
    // A session that cannot start is reported by the host's main; not a crash.
  }
  ::close(in);
  ::close(out);
  fuzz::clearTempDir();
  return 0;
}
