#pragma once
// Decides what a captured response body is, from its headers, URL and first bytes. Pure: no DCMTK, no I/O.
#include <cstdint>
#include <string>
#include <string_view>

#include "body/content_type.h"

namespace cloudfilm::body {

enum class BodyKind {
  Part10,       // a whole DICOM file (preamble + DICM + meta header), possibly behind a transport prefix
  Zip,          // a ZIP archive, whatever its Content-Type: open it, then recognise each entry
  Dataset,      // a bare dataset without preamble or meta header
  Multipart,    // multipart/related (WADO-RS): split, then recognise each part
  DicomJson,    // DICOMweb metadata (application/dicom+json): kept aside for reconstruction
  Frames,       // bare pixel frames (WADO-RS /frames/, image/jls, image/jp2 ...): kept aside for reconstruction
  NotDicom,     // anything else, with the reason
};

struct Recognition {
  BodyKind kind = BodyKind::NotDicom;
  std::string reason;    // for NotDicom: why, in words a person understands
  std::string boundary;  // for Multipart: from the Content-Type, or empty to take it from the body
  // For Part10: bytes in front of the file that a transport added (Socket.IO's binary message type byte 0x04). The
  // file is what follows them: keep it without them, byte-identical to what the site stored.
  std::size_t prefixBytes = 0;
};

// At most this many bytes of transport prefix are looked behind for a Part-10 file (`DICM` at 128 + k, 1 <= k <= 16).
// Socket.IO needs 1; engine.io's base64-less framing a few; 16 leaves room without guessing at arbitrary offsets.
inline constexpr std::size_t kMaxTransportPrefixBytes = 16;

// How many leading bytes recognizeBody wants to see (it copes with fewer).
inline constexpr std::size_t kRecognitionHeadBytes = 512;

Recognition recognizeBody(const ContentType& contentType, std::string_view url, std::string_view head,
                          std::uint64_t totalBytes);

const char* bodyKindName(BodyKind kind);

}  // namespace cloudfilm::body
