#include "host/session.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>
#include <stdexcept>

#include "host/list_pages.h"
#include "host/log.h"
#include "host/open_folder.h"
#include "host/replies.h"
#include "ingest/save.h"
#include "platform/platform.h"
#include "protocol/frame.h"
#include "protocol/messages.h"
#include "store/path_policy.h"
#include "util/disk_space.h"

namespace cloudfilm::host {
namespace fs = std::filesystem;
using protocol::ErrorCode;
using protocol::ProtocolError;
using Json = nlohmann::json;

namespace {

constexpr const char* kHostVersion = CLOUDFILM_VERSION;

Json requestId(const Json& message) {
  auto it = message.find("id");
  return it == message.end() ? Json(nullptr) : *it;
}

}  // namespace

Session::Session(HostPaths paths, EnvLookup env)
    : paths_(std::move(paths)), env_(std::move(env)), stats_(paths_.dataDir) {
  std::string problem;
  settings_ = loadSettings(paths_.settingsFile, &problem);
  if (!problem.empty()) logWarning(problem);
  staging_ = std::make_unique<store::Store>(paths_.stagingDir);
  ingestor_ = std::make_unique<ingest::Ingestor>(*staging_);
  bodies_ = std::make_unique<BodyIntake>(staging_->workDir());
  logInfo("staging library " + platform::utf8Of(paths_.stagingDir) + " holds " + std::to_string(staging_->size()) +
          " instances; output folder " + platform::utf8Of(outputFolder()));
  // Pieces kept aside by an earlier host: what they still lack is what the popup asks the person to scroll through.
  if (ingestor_->hasPieces()) {
    try {
      rebuildFromPieces();
      staging_->commit();
    } catch (const std::exception& error) {
      logWarning(std::string("rebuilding from the pieces kept aside failed: ") + error.what());
    }
  }
}

std::vector<ingest::ObjectResult> Session::rebuildFromPieces() {
  std::vector<ingest::ObjectResult> done;
  awaiting_.clear();
  for (auto& result : ingestor_->rebuildFromPieces())
    (result.outcome == ingest::Outcome::KeptForReconstruction ? awaiting_ : done).push_back(std::move(result));
  return done;
}

Session::~Session() = default;

fs::path Session::outputFolder() const { return effectiveOutputFolder(paths_, settings_); }

int Session::serve(int inFd, int outFd) {
  outFd_ = outFd;
  protocol::FrameReader reader(inFd);
  int status = kExitOk;
  while (!peerGone_) {
    const auto result = reader.next();
    if (result == protocol::ReadStatus::Frame) {
      handleFrame(reader.frame());
      continue;
    }
    if (result == protocol::ReadStatus::EndOfStream) {
      logInfo("the browser closed the port");
      break;
    }
    if (result == protocol::ReadStatus::TooLarge) {
      const std::string text = "a frame announced " + std::to_string(reader.announcedLength()) +
                               " bytes, over the limit of " + std::to_string(protocol::kMaxInboundFrameBytes);
      logError(text + "; exiting");
      sendError(nullptr, ErrorCode::FrameTooLarge, text);
      status = kExitFrameTooLarge;
      break;
    }
    if (result == protocol::ReadStatus::Truncated) {
      logError("the input ended inside a frame; exiting");
      sendError(nullptr, ErrorCode::TruncatedFrame, "the input ended inside a frame");
      status = kExitTruncated;
      break;
    }
    logError(std::string("reading the input failed: ") + std::strerror(reader.lastErrno()));
    status = kExitInternal;
    break;
  }
  if (const std::size_t unfinished = bodies_->discardAll())
    logInfo("discarding " + std::to_string(unfinished) + " unfinished bodies");
  return status;
}

bool Session::send(const Json& message) {
  if (peerGone_) return false;
  std::string payload = protocol::serialize(message);
  if (payload.size() > protocol::kMaxOutboundFrameBytes) {
    logError("a " + message.value("type", std::string("?")) + " reply of " + std::to_string(payload.size()) +
             " bytes is over the 1 MiB cap");
    Json id = requestId(message);
    if (protocol::serialize(id).size() > 4096) id = nullptr;  // an absurd id must not sink its own error reply
    payload = protocol::serialize(protocol::makeError(id, ErrorCode::Internal, "the reply would be over the 1 MiB cap"));
  }
  if (!protocol::writeFrame(outFd_, payload)) {
    logError(std::string("cannot write to the browser: ") + std::strerror(errno));
    peerGone_ = true;
    return false;
  }
  return true;
}

void Session::sendError(const Json& id, ErrorCode code, std::string_view text, std::string_view body) {
  logWarning(std::string(protocol::errorName(code)) + (body.empty() ? "" : " [" + std::string(body) + "]") + ": " +
             std::string(text));
  send(protocol::makeError(id, code, text, body));
}

void Session::handleFrame(std::string_view frame) {
  std::string_view largeData;
  auto message = protocol::parseObject(frame, "data", largeData);
  if (!message) {
    sendError(nullptr, ErrorCode::BadJson, "the frame is not a JSON object");
    return;
  }
  const Json id = requestId(*message);
  auto typeField = message->find("type");
  if (typeField == message->end() || !typeField->is_string()) {
    sendError(id, ErrorCode::UnknownType, "the message has no `type`");
    return;
  }
  const std::string type = typeField->get<std::string>();
  std::string bodyId;
  if (auto body = message->find("body"); body != message->end() && body->is_string())
    bodyId = body->get<std::string>().substr(0, 64);  // echoed in errors: valid ids are at most 64 characters
  try {
    dispatch(type, *message, largeData);
  } catch (const ProtocolError& error) {
    const std::string& body = error.body().empty() ? bodyId : error.body();
    if (!error.body().empty()) bodies_->drop(error.body());  // a bad chunk or end drops its body
    sendError(id, error.code(), error.what(), body);
  } catch (const std::exception& error) {
    if (!bodyId.empty()) bodies_->drop(bodyId);
    sendError(id, errorCodeOf(error), error.what(), bodyId);
  }
}

void Session::dispatch(const std::string& type, const Json& message, std::string_view largeData) {
  if (type == "body-chunk") return onBodyChunk(message, largeData);
  if (type == "body-begin") return onBodyBegin(message);
  if (type == "body-end") return onBodyEnd(message);
  if (type == "body-abort") return onBodyAbort(message);
  if (type == "hello") return onHello(message);
  if (type == "list") return onList(message);
  if (type == "save") return onSave(message);
  if (type == "open-folder") return onOpenFolder(message);
  if (type == "forget") return onForget(message);
  if (type == "get-settings") return onGetSettings(message);
  if (type == "set-settings") return onSetSettings(message);
  throw ProtocolError(ErrorCode::UnknownType, "unknown message type `" + type.substr(0, 64) + "`");
}

// ---- hello ------------------------------------------------------------------------------------------------------

void Session::onHello(const Json& message) {
  const auto protocolVersion = protocol::optionalInteger(message, "protocol").value_or(protocol::kProtocolVersion);
  if (protocolVersion > protocol::kProtocolVersion)
    throw ProtocolError(ErrorCode::HostTooOld, "the extension speaks protocol " + std::to_string(protocolVersion) +
                                                   "; this host (" + kHostVersion + ") speaks " +
                                                   std::to_string(protocol::kProtocolVersion));
  if (auto extension = protocol::optionalString(message, "extension"))
    logInfo("hello from extension " + extension->substr(0, 64));
  const fs::path output = outputFolder();
  send(helloReply(requestId(message), {output, freeBytesNear(output), staging_->size()}));
}

// ---- bodies -----------------------------------------------------------------------------------------------------

void Session::onBodyBegin(const Json& message) {
  const std::string id = bodies_->begin(message);
  send(bodyReply("body-begin", requestId(message), id));
}

void Session::onBodyChunk(const Json& message, std::string_view largeData) {
  const std::int64_t written = bodies_->chunk(message, largeData);
  const Json requestedAck = requestId(message);
  if (!requestedAck.is_null())  // capability chunk-ack: a chunk with an id is acknowledged once written
    send(chunkReply(requestedAck, protocol::requireString(message, "body"), static_cast<std::uint64_t>(written)));
}

void Session::onBodyAbort(const Json& message) {
  const std::string id = protocol::requireString(message, "body");
  const std::uint64_t bytes = bodies_->abort(id);
  logInfo("body " + id + " aborted by the extension after " + std::to_string(bytes) + " bytes");
  send(bodyReply("body-abort", requestId(message), id));
}

void Session::onBodyEnd(const Json& message) {
  const FinishedBody body = bodies_->end(message);
  const std::string& id = body.id;
  const fs::path& file = body.file;
  const CapturedBodyMeta& meta = body.meta;
  if (meta.totalBytes && *meta.totalBytes != body.bytes)
    logInfo("body " + id + " announced " + std::to_string(*meta.totalBytes) + " bytes and brought " +
            std::to_string(body.bytes));

  ingest::BodyMeta ingestMeta;
  ingestMeta.url = meta.url;
  ingestMeta.status = meta.status;
  ingestMeta.contentType = meta.contentType;
  ingestMeta.headers = meta.headers;
  if (meta.streamSocket) {
    // Socket numbers count from 1 in each document: the tab and the socket's URL tell two sockets apart.
    ingestMeta.streamKey = (meta.tabId ? std::to_string(*meta.tabId) : std::string("-")) + "|" + meta.url + "|" +
                           std::to_string(meta.streamSocket);
    ingestMeta.streamMessage = meta.streamMessage;
  }
  std::vector<ingest::ObjectResult> results;
  try {
    results = ingestor_->ingestBodyFile(ingestMeta, file);  // consumes the file
    // Metadata or frames kept aside: an instance may now be complete. An original file may be one an instance was
    // waiting for: it is then no longer awaited. Incomplete ones are not news per body.
    const auto any = [&](auto predicate) { return std::any_of(results.begin(), results.end(), predicate); };
    const bool keptAside = any([](const ingest::ObjectResult& r) { return r.outcome == ingest::Outcome::KeptForReconstruction; });
    const bool original = !awaiting_.empty() && any([](const ingest::ObjectResult& r) {
      return r.outcome == ingest::Outcome::Stored || r.outcome == ingest::Outcome::Replaced;
    });
    if (keptAside || original)
      for (auto& rebuilt : rebuildFromPieces()) results.push_back(std::move(rebuilt));
    staging_->commit();
  } catch (...) {
    std::error_code ec;
    fs::remove(file, ec);
    throw;
  }

  CaptureCounts delta;
  for (const auto& result : results) {
    if (result.outcome == ingest::Outcome::NotDicom) ++delta.notDicom;
    if (result.outcome == ingest::Outcome::Rejected) ++delta.rejected;
  }
  stats_.add(delta);
  std::string summary;
  for (const auto& result : results) summary += std::string(summary.empty() ? "" : ",") + ingest::outcomeName(result.outcome);
  logInfo("body " + id + " (" + std::to_string(body.bytes) + " bytes, " + meta.contentType.substr(0, 80) +
          "): " + summary.substr(0, 200));
  // Why something was refused is what support asks first; a few reasons per body, each cut short.
  std::size_t told = 0;
  for (const auto& result : results) {
    if (result.outcome != ingest::Outcome::Rejected || result.reason.empty() || ++told > 3) continue;
    logInfo("body " + id + " rejected: " + result.reason.substr(0, 300));
  }
  send(bodyEndReply(requestId(message), id, body.bytes, results));
}

// ---- list, save, forget -----------------------------------------------------------------------------------------

void Session::onList(const Json& message) {
  const auto page = protocol::optionalInteger(message, "page").value_or(0);
  if (page < 0) throw ProtocolError(ErrorCode::BadRequest, "`page` must not be negative");
  ListPage listed;
  const auto series = staging_->series();
  std::set<std::string> staged;
  for (const auto& s : series) staged.insert(s.seriesInstanceUid);
  try {
    listed = buildListPage(series, static_cast<std::size_t>(page), kListPageBudget, &ingestor_->seriesFacts());
  } catch (const std::out_of_range& error) {
    throw ProtocolError(ErrorCode::BadRequest, error.what());
  }
  send(listReply(requestId(message), std::move(listed), stats_.read(), ingestor_->piecesWaiting(), awaiting_,
                 &ingestor_->seriesFacts(), staged));
}

std::vector<std::string> Session::seriesFilter(const Json& message) const {
  std::vector<std::string> chosen;
  auto it = message.find("series");
  if (it == message.end() || it->is_null()) return chosen;
  if (!it->is_array()) throw ProtocolError(ErrorCode::BadRequest, "`series` must be an array of strings");
  for (const auto& uid : *it) {
    if (!uid.is_string()) throw ProtocolError(ErrorCode::BadRequest, "`series` must be an array of strings");
    chosen.push_back(uid.get<std::string>());
  }
  if (chosen.empty()) throw ProtocolError(ErrorCode::BadRequest, "`series` is empty; omit it to mean all");
  return chosen;
}

void Session::onSave(const Json& message) {
  const std::vector<std::string> chosen = seriesFilter(message);
  const fs::path output = outputFolder();
  if (auto problem = prepareOutputFolder(output)) throw ProtocolError(ErrorCode::BadOutputFolder, *problem);
  const ingest::SavePlan plan = ingest::planSave(*staging_, chosen);
  if (const std::uint64_t free = freeBytesNear(output); plan.bytes > free)
    throw ProtocolError(ErrorCode::DiskFull, "saving needs " + std::to_string(plan.bytes) + " bytes; " +
                                                 platform::utf8Of(output) + " has " + std::to_string(free));
  std::unique_ptr<store::Store> library;
  try {
    library = std::make_unique<store::Store>(output);
  } catch (const std::exception& error) {
    throw ProtocolError(ErrorCode::BadOutputFolder, error.what());
  }
  const ingest::SaveSummary saved = ingest::saveStaged(*staging_, plan, *library);
  for (const auto& problem : saved.problems) logWarning("saving: " + problem);
  logInfo("saved into " + platform::utf8Of(output) + ": " + std::to_string(saved.written) + " written, " +
          std::to_string(saved.duplicates) + " duplicates, " + std::to_string(saved.replaced) + " replaced, " +
          std::to_string(saved.superseded) + " derived files superseded, " +
          std::to_string(saved.failed) + " failed");
  send(saveReply(requestId(message), *library, saved, plan.unknownSeries));
}

void Session::onForget(const Json& message) {
  const std::vector<std::string> chosen = seriesFilter(message);
  const std::size_t forgotten = staging_->remove(chosen);
  if (chosen.empty()) {  // everything: the DICOMweb pieces kept aside and the counts go too
    ingestor_->clearPieces();
    awaiting_.clear();
    stats_.reset();
    rebuildFromPieces();  // the rebuild's own record of the pieces is emptied with them
  }
  // What the site said of those series goes with them (all of it, with everything).
  ingestor_->seriesFacts().forget(chosen);
  ingestor_->seriesFacts().save();
  staging_->commit();
  logInfo("forgot " + std::to_string(forgotten) + " staged instances");
  send(forgetReply(requestId(message), forgotten));
}

// ---- open-folder, settings --------------------------------------------------------------------------------------

void Session::onOpenFolder(const Json& message) {
  const fs::path output = outputFolder();
  fs::path target = output;
  if (auto path = protocol::optionalString(message, "path")) {
    target = store::resolveInside(output, *path);
    std::error_code ec;
    if (!fs::exists(target, ec)) throw ProtocolError(ErrorCode::BadRequest, "the path does not exist");
  } else if (auto problem = prepareOutputFolder(output)) {
    throw ProtocolError(ErrorCode::BadOutputFolder, *problem);
  }
  if (auto problem = openInFileManager(target, env_)) throw ProtocolError(ErrorCode::Internal, *problem);
  send(openFolderReply(requestId(message), target));
}

void Session::onGetSettings(const Json& message) {
  send(settingsReply("get-settings", requestId(message), outputFolder()));
}

void Session::onSetSettings(const Json& message) {
  Settings updated = settings_;
  if (auto folder = protocol::optionalString(message, "outputFolder")) {
    const fs::path path = platform::pathFromUtf8(*folder).lexically_normal();
    if (!path.is_absolute()) throw ProtocolError(ErrorCode::BadOutputFolder, "the output folder must be absolute");
    if (auto problem = prepareOutputFolder(path)) throw ProtocolError(ErrorCode::BadOutputFolder, *problem);
    updated.outputFolder = path;
  }
  try {
    saveSettings(paths_.settingsFile, updated);
  } catch (const std::exception& error) {
    throw ProtocolError(errorCodeOf(error), error.what());
  }
  settings_ = updated;
  logInfo("settings saved; output folder " + platform::utf8Of(outputFolder()));
  send(settingsReply("set-settings", requestId(message), outputFolder()));
}

}  // namespace cloudfilm::host
