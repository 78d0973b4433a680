#pragma once
// Who started the host. Chromium passes the caller origin ("chrome-extension://<id>/") as the first argument (and on
// Windows a --parent-window=... after it); Firefox passes the manifest path and the add-on id.
#include <string>
#include <vector>

namespace cloudfilm::host {

enum class Browser { Chromium, Firefox };

struct Caller {
  bool allowed = false;
  Browser browser = Browser::Chromium;
  std::string description;  // for the log: what was seen
};

// `arguments` excludes argv[0].
Caller identifyCaller(const std::vector<std::string>& arguments);

}  // namespace cloudfilm::host
