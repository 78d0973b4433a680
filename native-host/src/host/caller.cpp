#include "host/caller.h"

#include "host/caller_ids.h"

namespace cloudfilm::host {

Caller identifyCaller(const std::vector<std::string>& arguments) {
  Caller caller;
  if (arguments.empty()) {
    caller.description = "no arguments (not started by a browser)";
    return caller;
  }
  const std::string& first = arguments[0];
  static const std::string kChromiumPrefix = "chrome-extension://";
  if (first.rfind(kChromiumPrefix, 0) == 0) {
    caller.browser = Browser::Chromium;
    caller.description = "Chromium origin " + first;
    caller.allowed = first == kChromiumPrefix + kChromiumExtensionId + "/";
    return caller;
  }
  if (arguments.size() >= 2) {
    caller.browser = Browser::Firefox;
    caller.description = "Firefox add-on " + arguments[1] + " (manifest " + first + ")";
    caller.allowed = arguments[1] == kGeckoExtensionId;
    return caller;
  }
  caller.description = "unrecognised arguments: " + first;
  return caller;
}

}  // namespace cloudfilm::host
