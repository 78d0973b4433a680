#include "host/open_folder.h"

#include <vector>

#include <boost/process.hpp>

namespace cloudfilm::host {
namespace bp = boost::process;

namespace {
// Started openers, reaped when the next one starts so none lingers as a zombie for the host's lifetime.
std::vector<bp::child>& children() {
  static std::vector<bp::child> started;
  return started;
}
}  // namespace

std::optional<std::string> openInFileManager(const std::filesystem::path& folder, const EnvLookup& env) {
  auto& started = children();
  std::erase_if(started, [](bp::child& child) {
    std::error_code ec;
    return !child.running(ec);
  });
#ifdef __APPLE__
  std::string opener = "open";
#else
  std::string opener = "xdg-open";
#endif
  if (auto custom = env("CLOUDFILM_OPENER"); custom && !custom->empty()) opener = *custom;
  boost::filesystem::path program = opener;
  if (!program.is_absolute()) program = bp::search_path(opener);
  if (program.empty()) return "cannot find " + opener + " to open the folder";
  std::error_code ec;
  bp::child child(program, folder.string(), bp::std_in<bp::null, bp::std_out> bp::null, bp::std_err > bp::null, ec);
  if (ec) return "cannot start " + program.string() + ": " + ec.message();
  started.push_back(std::move(child));
  return std::nullopt;
}

}  // namespace cloudfilm::host
