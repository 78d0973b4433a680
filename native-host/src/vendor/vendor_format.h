#pragma once
// Vendor viewers that never send a DICOM file (Hinacom's pixels + JSON, eUnity's own codec...): one VendorFormat per
// vendor, each in its own file, behind this interface. Ingest asks every vendor about each body before the generic
// recognition; a vendor's pieces wait in the vendor inbox (store::PieceInbox, so they survive a restart) until its
// rebuild can make DICOM files of them, filed through the store like any other. Nothing outside vendor/ knows a
// vendor's formats: adding one is a new file here and a line in vendors.cpp.
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "dicom/instance_info.h"
#include "store/piece_inbox.h"
#include "store/store.h"

namespace cloudfilm::vendor {

// What a vendor said of the message before this one on the same WebSocket (Verdict::Context): a viewer that sends
// an image as several messages (GE ZFP: a command line, a JSON header, then the pixels) makes sense only in order.
struct StreamContext {
  std::string vendor;  // the name() of the vendor that said it
  std::string text;    // its Recognition::context
};

// A body up to this size is shown whole (BodyView::head); a larger one by its first body::kRecognitionHeadBytes.
inline constexpr std::uint64_t kWholeBodyBytes = 64 * 1024;

// What a recognizer may look at: never the whole of a large body.
struct BodyView {
  std::string_view url;
  std::string_view contentType;                      // the response's Content-Type, as sent
  const std::map<std::string, std::string>* headers = nullptr;  // the response's headers, names in lower case (never null)
  std::string_view head;                              // all of a small body, else its first bytes (above)
  std::uint64_t size = 0;                             // the whole body's
  // A WebSocket message: its socket (empty for an HTTP answer) and, when the message just before it on that socket
  // was one a vendor gave context for, that context (else null).
  std::string_view streamKey;
  const StreamContext* previous = nullptr;
};

enum class Verdict {
  NotMine,  // not this vendor's: the next one (or generic recognition) looks at it
  Piece,    // one of this vendor's pieces: kept aside for rebuilding
  Preview,  // a reduced-resolution image the viewer shows first: never filed as the image
  Refused,  // this vendor's, and CloudFilm cannot keep it (an undecoded format, a malformed piece): `reason` says why
  Context,  // this vendor's message that only gives meaning to the next one on its socket: remembered, not kept
};

struct Recognition {
  Verdict verdict = Verdict::NotMine;
  std::string kind;                      // for Piece: the piece's kind in the inbox, starting with the vendor's name
  std::vector<std::string> keepHeaders;  // for Piece: the response headers the rebuild needs (lower case)
  // For Piece: what the recognizer learnt from the messages before it (a socket's context), kept with the piece as
  // if they were headers of its own ("x-cloudfilm-..." names), so the piece stands alone after a restart.
  std::map<std::string, std::string> facts;
  std::string context;                   // for Context: what the next message on the socket is told (bounded)
  std::string reason;                    // for Preview and Refused, in plain words
};

enum class RebuildOutcome { Filed, Waiting, Rejected };

struct RebuildResult {
  RebuildOutcome outcome = RebuildOutcome::Waiting;
  store::AddOutcome added = store::AddOutcome::Stored;  // for Filed
  std::string reason;          // for Waiting: what is missing; for Rejected: why; for Filed: what the store said
  dicom::InstanceInfo info;    // for Filed everything; for Waiting the names known so far
  std::filesystem::path file;  // for Filed
};

class VendorFormat {
 public:
  virtual ~VendorFormat() = default;
  virtual std::string_view name() const = 0;  // "hinacom": the prefix of its piece kinds and of rebuiltFrom

  // Pure: decides from the URL, the headers and the first bytes.
  virtual Recognition recognize(const BodyView& body) const = 0;

  // Reads this vendor's pieces in `inbox` (kinds starting with name()), files every image they now make complete
  // (Origin::Rebuilt) through `store`, discards the pieces no longer needed, and lists the images still waiting.
  // Does not commit. Called after each body that left a piece, and at start-up for the pieces kept on disk.
  virtual std::vector<RebuildResult> rebuild(store::PieceInbox& inbox, store::Store& store) = 0;

  // Pieces kept that still wait for something (what "kept for rebuilding" counts), after the last rebuild().
  virtual std::size_t waitingPieces() const = 0;
};

// Every vendor CloudFilm knows, a fresh instance of each.
std::vector<std::unique_ptr<VendorFormat>> makeVendorFormats();

}  // namespace cloudfilm::vendor
