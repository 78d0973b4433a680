#pragma once
// Where the pieces of an instance that was not sent as a file wait until it can be rebuilt: DICOMweb metadata JSON,
// pixel frames, bulk data, and the pieces of vendor viewers (vendor/). Ingest hands a recognised piece over with
// keep(); a rebuilder reads them back with ids() and read() and discards what it used. Pieces live as files in one
// folder of the staging library, so they survive a host restart; the on-disk format is known here and nowhere else.
//
// Each piece is two files: `<id>.json` (where it came from) written first, then `<id>.bin` (its bytes) renamed into
// place last, so a piece whose bytes are there always has its description.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace cloudfilm::store {

// What a piece is and where it came from.
struct PieceMeta {
  std::string kind;         // what recognition called it: "dicom-json", "frames"
  std::string url;          // the request's URL
  std::string contentType;  // the response's (or the multipart part's) Content-Type
  int status = 0;           // the HTTP status; 0 when unknown
  std::size_t part = 0;     // 1-based part number inside a multipart body, 0 for a whole body
  std::uint64_t bytes = 0;
  // Response headers a recognizer needs later (a vendor's pixel geometry travels in one: Hinacom's X-ImageFrame),
  // names in lower case. Only those a recognizer names are kept: the rest of a response's headers stay out.
  std::map<std::string, std::string> headers;
};

struct Piece {
  std::string id;
  std::filesystem::path bytesFile;  // the piece's bytes, read on demand (frames can be large)
  PieceMeta meta;
};

class PieceInbox {
 public:
  explicit PieceInbox(std::filesystem::path folder);

  const std::filesystem::path& folder() const { return folder_; }

  // Takes the piece in `file` (on the same file system): moved into the inbox, or deleted when that fails (then
  // throws cloudfilm::Error). Returns where its bytes now are.
  std::filesystem::path keep(const PieceMeta& meta, const std::filesystem::path& file);

  // The ids of every whole piece (bytes and description both there), oldest first: when a site sends the same piece
  // again, the one kept last is the one a rebuild should believe.
  std::vector<std::string> ids() const;
  // A piece's description; nothing when it is gone. Throws when its description cannot be read.
  std::optional<Piece> read(const std::string& id) const;
  void discard(const std::string& id);

  std::size_t size() const;  // how many pieces wait
  void clear();              // discards every piece

 private:
  std::filesystem::path folder_;
  std::uint64_t counter_ = 0;
};

}  // namespace cloudfilm::store
