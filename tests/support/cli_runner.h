#pragma once
// Runs the real `cloudfilm` binary and captures its exit status, stdout and stderr (Boost.Process).
#include <boost/process.hpp>

#include <future>
#include <string>
#include <vector>
#include <nlohmann/json.hpp>

namespace cloudfilm::test {

struct CliRun {
  int exitCode = -1;
  std::string out;
  std::string err;

  // The --json report printed on stdout (discarded JSON when it is not JSON).
  nlohmann::json json() const { return nlohmann::json::parse(out, nullptr, false); }
};

inline CliRun runCli(const std::vector<std::string>& args) {
  namespace bp = boost::process;
  CliRun run;
  std::future<std::string> out, err;
  boost::asio::io_context io;
  bp::child child(std::string(CLOUDFILM_CLI), bp::args(args), bp::std_in.close(), bp::std_out > out,
                  bp::std_err > err, io);
  io.run();
  child.wait();
  run.exitCode = child.exit_code();
  run.out = out.get();
  run.err = err.get();
  return run;
}

inline std::string describe(const CliRun& run) {
  return "exit " + std::to_string(run.exitCode) + "\n--- stdout ---\n" + run.out + "\n--- stderr ---\n" + run.err;
}

}  // namespace cloudfilm::test
