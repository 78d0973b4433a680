#pragma once
// Rebuilds DICOM files from what a DICOMweb viewer (OHIF, cornerstone wadors:) fetches: metadata JSON plus pixel
// frames, never a Part-10 file. The ingestor hands those bodies to a PieceInbox; this turns every instance whose
// metadata and frames are all there into a Part-10 file filed as Origin::Rebuilt (an original file of the same SOP
// instance always wins), and lists the others with what is missing. It knows nothing of ingest: it reads pieces
// from the inbox and answers with its own result type.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "dicom/instance_info.h"
#include "store/piece_inbox.h"
#include "dicomweb/series_facts.h"
#include "store/store.h"
#include "util/url.h"  // urlPath, pathSegments: the DICOMweb paths are read with them

namespace cloudfilm::dicomweb {

// Where a DICOMweb URL points, by path only (the host is ignored: Orthanc's BulkDataURIs name its own host).
struct InstancePath {
  std::string study, series, instance;
  std::string rest;  // what follows /instances/I: "frames/1,2", "bulk/7fe00010", "metadata", ""
  std::string key() const { return study + "/" + series + "/" + instance; }
};
std::optional<InstancePath> parseInstancePath(std::string_view url);
// "1,2,3" (or "1%2C2") -> {1,2,3}; empty when malformed.
std::vector<std::uint32_t> parseFrameList(std::string_view list);

// The transfer syntax of a frame from its (part's) Content-Type, PS3.18 8.7.3: the transfer-syntax parameter, else
// the media type's default (image/jls -> JPEG-LS lossless, image/jpeg -> JPEG baseline, image/dicom-rle -> RLE,
// image/jp2 -> JPEG 2000 lossless, application/octet-stream -> explicit VR little endian). Empty if not frames.
std::string frameTransferSyntax(std::string_view contentType);

enum class RebuildOutcome {
  Filed,     // rebuilt and handed to the store: `added` says what the store did with it
  Waiting,   // metadata or frames not all captured yet: `reason` says what is missing; its pieces stay
  Rejected,  // the metadata cannot make a valid file: `reason` says why
};

struct RebuildResult {
  RebuildOutcome outcome = RebuildOutcome::Waiting;
  store::AddOutcome added = store::AddOutcome::Stored;  // for Filed
  std::string reason;
  dicom::InstanceInfo info;    // identity always; names for Waiting; everything for Filed
  std::filesystem::path file;  // the kept file, for Filed
};

class Reconstructor {
 public:
  // Reads the inbox, rebuilds every complete instance into store.workDir() and files it through
  // store.add(info, Origin::Rebuilt, file) after inspectFile validation. Discards the pieces of instances that were
  // rebuilt or whose original file is already kept. Results: Filed for each instance rebuilt, Rejected for an
  // instance whose metadata cannot be rebuilt, and Waiting with what is missing for an incomplete one (its pieces stay
  // in the inbox, to be completed by later captures). Does not commit(). Cheap to call again: parsed metadata and the
  // index of pieces by instance are kept between calls, and only the instances that new (or vanished) pieces touch
  // are examined again (every one when a bulk-data piece names no instance, or, for originals filed meanwhile, those
  // the store now holds); the Waiting results of the others are repeated as last found.
  std::vector<RebuildResult> rebuildComplete(store::PieceInbox& inbox, store::Store& store);

  // Where the counts of whole series that metadata answers give are recorded (none: not recorded).
  void setSeriesFacts(SeriesFacts* facts) { facts_ = facts; }

  // Pieces read so far that a rebuild can use and still waits with: what "kept for rebuilding" counts. Pieces that can
  // never serve (an error page's JSON, frames of an unknown type) stay in the inbox but are not waiting for anything.
  std::size_t usablePieces() const;

  struct Entry;  // one piece, as the rebuild understands it (reconstructor.cpp)

 private:
  using ByPieceId = std::map<std::string, std::shared_ptr<Entry>>;
  void index(const std::shared_ptr<Entry>& entry, bool add);  // into (or out of) the maps below; touches instances
  void forget(store::PieceInbox& inbox, const std::shared_ptr<Entry>& entry);  // discards the piece
  void examineOne(const std::string& key, const nlohmann::json* metadata,
                  std::map<std::string, std::map<std::uint32_t, std::shared_ptr<Entry>>>& framesBySyntax,
                  std::size_t bodies, const std::function<std::shared_ptr<Entry>(const std::string&)>& findBulk,
                  store::Store& store, bool& done, std::optional<RebuildResult>& out);

  ByPieceId entries_;                          // by piece id
  std::map<std::string, std::size_t> failed_;  // instance key -> bodies seen when it failed
  std::uint64_t counter_ = 0;
  // Pieces by instance key ("study/series/sop"), and bulk data by what may ask for it.
  std::map<std::string, ByPieceId> metadataByKey_, framesByKey_, bulkByKey_;
  std::map<std::string, ByPieceId> bulkByInstance_, bulkByPath_, bulkByPathOnly_;
  std::set<std::string> dirty_;                  // instance keys to examine at the next call
  bool everythingDirty_ = false;
  std::map<std::string, RebuildResult> waiting_;  // instance key -> its Waiting result when last examined
  std::size_t storeSize_ = static_cast<std::size_t>(-1);  // the store's size after the last call
  SeriesFacts* facts_ = nullptr;
};

}  // namespace cloudfilm::dicomweb
