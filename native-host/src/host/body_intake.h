#pragma once
// The bodies a session is receiving, from their body-begin to their body-end or body-abort: the requests' fields
// checked, each body staged chunk by chunk (host/body_stager), at most kMaxBodiesInFlight open at once. What becomes
// of a finished body (ingest) is the session's business; this hands over the file.
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "host/body_stager.h"

namespace cloudfilm::host {

struct FinishedBody {
  std::string id;
  CapturedBodyMeta meta;
  std::filesystem::path file;  // the body's bytes, now the caller's
  std::uint64_t bytes = 0;
};

class BodyIntake {
 public:
  // New bodies are staged in `workDir` (on the staging library's file system), under names of our own.
  explicit BodyIntake(std::filesystem::path workDir);

  // Each throws cloudfilm::Error with the protocol's code. An error about an open body names it (Error::body()):
  // that body is dropped (its file deleted), as the protocol says. Returns the body id.
  std::string begin(const nlohmann::json& request);
  // Returns the sequence number written (for a chunk-ack).
  std::int64_t chunk(const nlohmann::json& request, std::string_view largeData);
  FinishedBody end(const nlohmann::json& request);
  // Returns how many bytes the body had brought.
  std::uint64_t abort(const std::string& id);

  void drop(const std::string& id);  // deletes an open body's file, if there is such a body
  std::size_t discardAll();           // every unfinished body; returns how many there were

 private:
  std::filesystem::path workDir_;
  std::map<std::string, std::unique_ptr<OpenBody>> open_;
  std::string scratch_;  // decoded chunk bytes, shared by every body
  std::uint64_t fileCounter_ = 0;
};

}  // namespace cloudfilm::host
