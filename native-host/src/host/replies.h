#pragma once
// The replies of cloudfilm-host, built from what the operations returned (docs/protocol.md gives each one). The
// session decides what to do with a request; this says how the answer looks. Lists that could grow past the 1 MiB
// frame cap are bounded here.
#include <cstdint>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "host/capture_stats.h"
#include "host/list_pages.h"
#include "ingest/ingestor.h"
#include "ingest/save.h"
#include "store/store.h"

namespace cloudfilm::host {

using Json = nlohmann::json;

struct HelloFacts {
  std::filesystem::path outputFolder;
  std::uint64_t freeBytes = 0;
  std::size_t staged = 0;
};
Json helloReply(const Json& id, const HelloFacts& facts);

// The reply that acknowledges a body opened, a chunk written, a body aborted: {"type","id","body"[, "seq"]}.
Json bodyReply(const char* requestType, const Json& id, const std::string& bodyId);
Json chunkReply(const Json& id, const std::string& bodyId, std::uint64_t seq);

// What became of each object of a body: one entry per instance, part or rejection.
Json objectEntry(const ingest::ObjectResult& result);
Json bodyEndReply(const Json& id, const std::string& bodyId, std::uint64_t bytes,
                  const std::vector<ingest::ObjectResult>& results);

// `piecesWaiting`: DICOMweb pieces kept that a rebuild can still use; `facts` and `staged` (the staged series' UIDs)
// add the series a search answer named that nothing was loaded of to `awaiting`.
Json listReply(const Json& id, ListPage listed, const CaptureCounts& counts, std::size_t piecesWaiting,
               const std::vector<ingest::ObjectResult>& awaiting, const dicomweb::SeriesFacts* facts = nullptr,
               const std::set<std::string>& staged = {});

Json saveReply(const Json& id, const store::Store& library, const ingest::SaveSummary& summary,
               const std::vector<std::string>& unknownSeries);

Json forgetReply(const Json& id, std::size_t forgotten);
Json openFolderReply(const Json& id, const std::filesystem::path& opened);
Json settingsReply(const char* requestType, const Json& id, const std::filesystem::path& outputFolder);

}  // namespace cloudfilm::host
