#pragma once
// One native messaging session: reads frames from the browser and answers each through one message switch. A handler
// checks its request, calls the operation that does the work (staging a body, ingest, saving, the path policy) and
// sends the reply host/replies.h builds. Failures are cloudfilm::Error with the code set where they happened.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "host/body_intake.h"
#include "host/capture_stats.h"
#include "host/paths.h"
#include "host/settings.h"
#include "ingest/ingestor.h"
#include "protocol/errors.h"
#include "store/store.h"

namespace cloudfilm::host {

// Exit statuses of cloudfilm-host (docs/protocol.md, "Exit status").
enum ExitStatus : int {
  kExitOk = 0,             // the input ended cleanly (the browser closed the port)
  kExitInternal = 1,       // unexpected failure, or reading the input failed
  kExitFrameTooLarge = 2,  // a length prefix over the cap: the stream cannot be resynchronised
  kExitRefusedCaller = 3,  // not started by CloudFilm's extension
  kExitStartup = 4,        // cannot start: DICOM dictionary missing, staging folder unusable...
  kExitTruncated = 5,      // the input ended inside a frame
};

class Session {
 public:
  // Opens the staging library (reconciling what earlier hosts left). Throws cloudfilm::Error when it cannot.
  Session(HostPaths paths, EnvLookup env = processEnvironment);
  ~Session();

  // Serves until the input ends; returns the exit status.
  int serve(int inFd, int outFd);

 private:
  using Json = nlohmann::json;

  void handleFrame(std::string_view frame);
  void dispatch(const std::string& type, const Json& message, std::string_view largeData);
  bool send(const Json& message);
  void sendError(const Json& id, protocol::ErrorCode code, std::string_view text, std::string_view body = {});

  void onHello(const Json& message);
  void onBodyBegin(const Json& message);
  void onBodyChunk(const Json& message, std::string_view largeData);
  void onBodyEnd(const Json& message);
  void onBodyAbort(const Json& message);
  void onList(const Json& message);
  void onSave(const Json& message);
  void onOpenFolder(const Json& message);
  void onForget(const Json& message);
  void onGetSettings(const Json& message);
  void onSetSettings(const Json& message);

  // Rebuilds what the DICOMweb pieces kept aside now complete; remembers the instances still waiting. Returns the
  // rebuilt (and rejected) ones. Does not commit.
  std::vector<ingest::ObjectResult> rebuildFromPieces();
  std::filesystem::path outputFolder() const;
  std::vector<std::string> seriesFilter(const Json& message) const;

  HostPaths paths_;
  EnvLookup env_;
  Settings settings_;
  std::unique_ptr<store::Store> staging_;
  std::unique_ptr<ingest::Ingestor> ingestor_;
  std::vector<ingest::ObjectResult> awaiting_;  // instances whose metadata or frames are not all captured yet
  CaptureStats stats_;
  std::unique_ptr<BodyIntake> bodies_;  // bodies between their begin and their end
  int outFd_ = 1;
  bool peerGone_ = false;
};

}  // namespace cloudfilm::host
