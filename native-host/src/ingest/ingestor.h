#pragma once
// Turns untrusted response bodies (from a HAR, from the browser, from disk) into kept instances: recognise,
// split multipart, validate with DCMTK, wrap bare datasets, then file through the Store.
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dicom/instance_info.h"
#include "store/piece_inbox.h"
#include "dicomweb/reconstructor.h"
#include "dicomweb/series_facts.h"
#include "store/store.h"
#include "vendor/vendor_format.h"

namespace cloudfilm::ingest {

struct BodyMeta {
  std::string url;
  int status = 0;
  std::string contentType;  // the response's Content-Type header (or the HAR's mimeType)
  std::size_t part = 0;     // 1-based part number when this is one part of a multipart body, else 0
  // The response's headers, names in lower case (a vendor's image geometry travels in one); empty when unknown.
  std::map<std::string, std::string> headers;
  // A WebSocket message: its socket ("<tab>|<url>|<number>", unique while the host runs) and its number on it, from
  // 1 (text messages counted too). Empty and 0 for an HTTP answer, a HAR entry, a ZIP entry or a multipart part.
  std::string streamKey;
  std::uint64_t streamMessage = 0;
  // Where a DICOM file first came from, when it is already known (a staged copy being saved keeps its origin, so a
  // rebuilt file never passes for an original in the output folder). Unknown: as served, or wrapped.
  std::optional<store::Origin> origin;
};

// SearchAnswer: a DICOMweb search answer (QIDO-RS): read for the series it names and their sizes, then dropped.
// Preview: a reduced-resolution image a vendor viewer shows first: never filed as the image.
enum class Outcome {
  Stored, Duplicate, Replaced, KeptWorse, KeptForReconstruction, NotDicom, Rejected, SearchAnswer, Preview
};

struct ObjectResult {
  Outcome outcome = Outcome::NotDicom;
  std::string reason;          // for NotDicom / Rejected / Replaced / KeptWorse
  dicom::InstanceInfo info;    // filled for Stored / Duplicate / Replaced / KeptWorse
  std::filesystem::path file;  // the kept file, where there is one
  std::size_t part = 0;        // 1-based part number inside a multipart body, 0 for a single body
  // For an object that came out of a ZIP: the entry's name as shown to a person (body::zipEntryDisplayName; an entry
  // of a nested ZIP as "inner.zip!/x.dcm"). Never a path: kept files are named by the store, work files by a counter.
  std::string entry;
  bool rebuilt = false;        // the file was rebuilt: from DICOMweb metadata and frames, or a vendor viewer's pieces
};

class Ingestor {
 public:
  // DICOMweb pieces (metadata, frames) go to the inbox in store.reconstructionDir(), vendor viewers' pieces to the
  // one in store.vendorPiecesDir().
  explicit Ingestor(store::Store& store);
  ~Ingestor();

  // A body held in memory (HAR import). Non-DICOM bodies are recognised without touching the disk.
  std::vector<ObjectResult> ingestBody(const BodyMeta& meta, std::string_view bytes);

  // A body already written to a file inside store.workDir() (the native host's staging). The file is consumed:
  // moved into the library or deleted.
  std::vector<ObjectResult> ingestBodyFile(const BodyMeta& meta, const std::filesystem::path& bodyFile);

  // A file already on disk anywhere (folder import): a DICOM file gives one result; a ZIP (a study downloaded with a
  // site's own button) is read where it is and gives one result per entry. The file is never moved or changed.
  std::vector<ObjectResult> ingestExistingFile(const std::filesystem::path& file,
                                               std::optional<store::Origin> origin = {});

  // Rebuilds what the pieces in the inboxes now complete and files it (rebuilt = true). Instances still incomplete
  // come back as KeptForReconstruction with what they lack. Does not commit. Cheap to call again.
  std::vector<ObjectResult> rebuildFromPieces();

  store::PieceInbox& inbox() { return inbox_; }
  // Discards every piece kept for rebuilding (DICOMweb and vendors').
  void clearPieces();
  // Whether any piece waits on disk (kept by this host or an earlier one).
  bool hasPieces() const { return inbox_.size() + vendorInbox_.size() > 0; }
  // What DICOMweb answers said of whole series (their sizes, the series a search named).
  dicomweb::SeriesFacts& seriesFacts() { return facts_; }
  // The pieces kept for rebuilding that can still serve (after the last rebuildFromPieces()).
  std::size_t piecesWaiting() const;

 private:
  struct Nesting;  // how deep in multipart bodies and ZIPs the current body is, and the ZIP's inflation budget

  std::vector<ObjectResult> ingestRecognisedFile(const BodyMeta& meta, const std::filesystem::path& file,
                                                 std::string_view head, std::uint64_t size, const Nesting& nesting);
  // Reads a ZIP entry by entry through ingestRecognisedFile. `consume`: delete the ZIP afterwards (a work file).
  std::vector<ObjectResult> ingestZip(const BodyMeta& meta, const std::filesystem::path& zipFile, bool consume,
                                      const Nesting& nesting);
  // A copy of `file` without its first `prefixBytes` bytes, streamed in blocks; `file` is deleted.
  std::filesystem::path withoutPrefix(const std::filesystem::path& file, std::size_t prefixBytes);
  std::filesystem::path newWorkFile(const char* purpose);
  // When a vendor recognizes the body: what became of it (the file is kept as a piece, or deleted).
  std::optional<ObjectResult> offerToVendors(const BodyMeta& meta, const std::filesystem::path& file,
                                             std::string_view head, std::uint64_t size);
  // What vendors see of a body: with, for a WebSocket message, the context the message before it left.
  vendor::BodyView viewOf(const BodyMeta& meta, std::string_view head, std::uint64_t size) const;
  // Records what a search answer says of whole series; returns the reason text of its result.
  std::string readSearchAnswer(const std::filesystem::path& file, std::uint64_t size,
                               const dicomweb::DicomJsonKind& kind);

  store::Store& store_;
  store::PieceInbox inbox_;
  dicomweb::SeriesFacts facts_;
  dicomweb::Reconstructor reconstructor_;
  store::PieceInbox vendorInbox_;
  std::vector<std::unique_ptr<vendor::VendorFormat>> vendors_;
  // Per socket, the context a vendor gave its last message (Verdict::Context), told to the next one only. Bounded:
  // a page opening sockets without end loses the oldest contexts, never memory.
  struct SocketMemory {
    std::uint64_t message = 0;
    std::uint64_t age = 0;
    vendor::StreamContext context;
  };
  std::map<std::string, SocketMemory> sockets_;
  std::uint64_t socketAge_ = 0;
  std::uint64_t workFileCounter_ = 0;
};

const char* outcomeName(Outcome outcome);

// What a NotDicom or Rejected reason of a ZIP entry starts with: `ZIP entry "IMAGE/x.exe": `. The import report groups
// reasons without it.
std::string zipEntryReasonPrefix(const std::string& entry);

}  // namespace cloudfilm::ingest
