#include "host/replies.h"

#include "host/body_stager.h"
#include "platform/platform.h"
#include "protocol/capabilities.h"
#include "protocol/frame.h"
#include "protocol/messages.h"
#include "protocol/paging.h"

namespace cloudfilm::host {
namespace {

constexpr const char* kHostVersion = CLOUDFILM_VERSION;
// Replies carrying long lists (objects of a multipart body, saved series) keep this much below the 1 MiB cap.
constexpr std::size_t kReplyBudget = protocol::kMaxOutboundFrameBytes - 16u * 1024u;

}  // namespace

Json helloReply(const Json& id, const HelloFacts& facts) {
  Json reply = protocol::makeReply("hello", id);
  reply["protocol"] = protocol::kProtocolVersion;
  reply["hostVersion"] = kHostVersion;
  Json capabilities = Json::array();
  for (const char* capability : protocol::hostCapabilities()) capabilities.push_back(capability);
  reply["capabilities"] = std::move(capabilities);
  reply["outputFolder"] = platform::utf8Of(facts.outputFolder);
  reply["freeBytes"] = facts.freeBytes;
  reply["maxChunkBytes"] = kMaxChunkBytes;
  reply["maxBodiesInFlight"] = kMaxBodiesInFlight;
  reply["staged"] = facts.staged;
  return reply;
}

Json bodyReply(const char* requestType, const Json& id, const std::string& bodyId) {
  Json reply = protocol::makeReply(requestType, id);
  reply["body"] = bodyId;
  return reply;
}

Json chunkReply(const Json& id, const std::string& bodyId, std::uint64_t seq) {
  Json reply = bodyReply("body-chunk", id, bodyId);
  reply["seq"] = seq;
  return reply;
}

Json objectEntry(const ingest::ObjectResult& result) {
  Json entry = {{"outcome", ingest::outcomeName(result.outcome)}, {"reason", result.reason}};
  if (result.part > 0) entry["part"] = result.part;
  if (result.rebuilt) {  // rebuilt from DICOMweb metadata and frames, or from a vendor viewer's pieces
    entry["rebuilt"] = true;
    if (!result.info.rebuiltFrom.empty()) entry["rebuiltFrom"] = result.info.rebuiltFrom;
  }
  if (!result.entry.empty()) entry["entry"] = result.entry;  // which file of a ZIP body
  const auto& info = result.info;
  if (!info.sopInstanceUid.empty()) {
    entry["sopInstanceUid"] = info.sopInstanceUid;
    entry["studyInstanceUid"] = info.studyInstanceUid;
    entry["seriesInstanceUid"] = info.seriesInstanceUid;
    entry["patientName"] = info.patientName;
    entry["patientId"] = info.patientId;
    entry["modality"] = info.modality;
    if (info.seriesNumber) entry["seriesNumber"] = *info.seriesNumber;
    entry["seriesDescription"] = info.seriesDescription;
    if (info.instanceNumber) entry["instanceNumber"] = *info.instanceNumber;
    entry["transferSyntax"] = info.transferSyntaxUid;
  }
  return entry;
}

Json bodyEndReply(const Json& id, const std::string& bodyId, std::uint64_t bytes,
                  const std::vector<ingest::ObjectResult>& results) {
  protocol::BoundedArray objects(kReplyBudget);
  for (const auto& result : results) objects.add(objectEntry(result));
  Json reply = bodyReply("body-end", id, bodyId);
  reply["bytes"] = bytes;
  reply["objects"] = objects.take();
  if (objects.omitted()) reply["objectsOmitted"] = objects.omitted();
  return reply;
}

Json listReply(const Json& id, ListPage listed, const CaptureCounts& counts, std::size_t piecesWaiting,
               const std::vector<ingest::ObjectResult>& awaiting, const dicomweb::SeriesFacts* facts,
               const std::set<std::string>& staged) {
  Json reply = protocol::makeReply("list", id);
  reply["page"] = listed.page;
  reply["pages"] = listed.pages;
  reply["patients"] = std::move(listed.patients);
  reply["rejected"] = counts.rejected;
  reply["notDicom"] = counts.notDicom;
  reply["reconstruction"] = piecesWaiting;
  if (listed.page == 0) {
    std::size_t omitted = 0;
    Json waiting = awaitingSeries(awaiting, kAwaitingBudget, &omitted, facts, staged);
    if (!waiting.empty()) reply["awaiting"] = std::move(waiting);
    if (omitted) reply["awaitingOmitted"] = omitted;
  }
  return reply;
}

Json saveReply(const Json& id, const store::Store& library, const ingest::SaveSummary& summary,
               const std::vector<std::string>& unknownSeries) {
  protocol::BoundedArray seriesList(kReplyBudget);
  for (const auto& series : library.series()) {
    if (!summary.savedSeries.count(series.seriesInstanceUid)) continue;
    seriesList.add({{"seriesInstanceUid", series.seriesInstanceUid},
                    {"folder", platform::utf8Of(series.folder)},
                    {"instances", series.instances}});
  }
  Json reply = protocol::makeReply("save", id);
  reply["outputFolder"] = platform::utf8Of(library.root());
  reply["written"] = summary.written;
  reply["duplicates"] = summary.duplicates;
  reply["replaced"] = summary.replaced;
  reply["keptWorse"] = summary.keptWorse;
  reply["failed"] = summary.failed;
  if (summary.superseded) reply["superseded"] = summary.superseded;
  reply["series"] = seriesList.take();
  if (seriesList.omitted()) reply["seriesOmitted"] = seriesList.omitted();
  if (!unknownSeries.empty()) reply["unknownSeries"] = unknownSeries;
  return reply;
}

Json forgetReply(const Json& id, std::size_t forgotten) {
  Json reply = protocol::makeReply("forget", id);
  reply["forgotten"] = forgotten;
  return reply;
}

Json openFolderReply(const Json& id, const std::filesystem::path& opened) {
  Json reply = protocol::makeReply("open-folder", id);
  reply["path"] = platform::utf8Of(opened);
  return reply;
}

Json settingsReply(const char* requestType, const Json& id, const std::filesystem::path& outputFolder) {
  Json reply = protocol::makeReply(requestType, id);
  reply["outputFolder"] = platform::utf8Of(outputFolder);
  return reply;
}

}  // namespace cloudfilm::host
