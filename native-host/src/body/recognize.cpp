#include "body/recognize.h"

#include <algorithm>
#include <array>

#include "body/zip_archive.h"
#include "dicom/dataset_sniff.h"
#include "util/ascii.h"

namespace cloudfilm::body {
namespace {

bool startsWith(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

bool contains(std::string_view text, std::string_view needle) { return text.find(needle) != std::string_view::npos; }

// Media types of compressed pixel frames as DICOMweb sends them (PS3.18 8.7.3).
bool isFrameMediaType(std::string_view type) {
  static constexpr std::array<std::string_view, 8> kFrameTypes = {
      "image/jls", "image/jp2", "image/jpx", "image/jph", "image/dicom-rle", "image/x-dicom-rle",
      "image/x-jls", "application/octet-stream"};
  return std::find(kFrameTypes.begin(), kFrameTypes.end(), type) != kFrameTypes.end();
}

// What a rendered-picture or page response is called in the reason shown to the person.
std::string describeNonDicom(std::string_view type) {
  if (startsWith(type, "image/")) return "a rendered picture (" + std::string(type) + "), not DICOM";
  if (startsWith(type, "text/html")) return "a web page (text/html)";
  if (contains(type, "javascript") || contains(type, "css") || startsWith(type, "font/"))
    return "page code or style (" + std::string(type) + ")";
  if (type.empty()) return "no DICOM signature and no content type";
  return "no DICOM signature (" + std::string(type) + ")";
}

// DICOM JSON (PS3.18 F.2) is an array of objects keyed by 8-hex-digit tags: `[{"00080005": {"vr": ...`. Checking
// the first key tells it from other JSON a viewer fetches from the same paths (e.g. Orthanc's REST answers).
bool looksLikeDicomJson(std::string_view head) {
  std::size_t at = 0;
  const auto skipSpace = [&] {
    while (at < head.size() && (head[at] == ' ' || head[at] == '\n' || head[at] == '\r' || head[at] == '\t')) ++at;
  };
  for (char expected : {'[', '{', '"'}) {
    skipSpace();
    if (at >= head.size() || head[at] != expected) return false;
    ++at;
  }
  if (at + 9 > head.size() || head[at + 8] != '"') return false;
  return std::all_of(head.begin() + static_cast<std::ptrdiff_t>(at), head.begin() + static_cast<std::ptrdiff_t>(at + 8),
                     [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; });
}

// `DICM` at 128 + k followed by a group 0002 element tag (every meta header starts with one): a Part-10 file behind a
// k-byte transport prefix. Returns k, or 0. The group check keeps four random bytes of a binary message from passing.
std::size_t transportPrefixBytes(std::string_view head) {
  for (std::size_t k = 1; k <= kMaxTransportPrefixBytes; ++k) {
    const std::size_t at = dicom::kPart10PreambleBytes + k;
    if (head.size() >= at + 6 && head.compare(at, 4, "DICM") == 0 && head[at + 4] == '\x02' && head[at + 5] == '\0')
      return k;
  }
  return 0;
}

}  // namespace

const char* bodyKindName(BodyKind kind) {
  switch (kind) {
    case BodyKind::Part10: return "part10";
    case BodyKind::Zip: return "zip";
    case BodyKind::Dataset: return "dataset";
    case BodyKind::Multipart: return "multipart";
    case BodyKind::DicomJson: return "dicom-json";
    case BodyKind::Frames: return "frames";
    case BodyKind::NotDicom: return "not-dicom";
  }
  return "not-dicom";
}

Recognition recognizeBody(const ContentType& contentType, std::string_view url, std::string_view head,
                          std::uint64_t totalBytes) {
  const std::string& type = contentType.mediaType;
  const std::string lowerUrl = asciiLowercase(url.substr(0, 4096));

  // The bytes are the strongest evidence: servers label DICOM as octet-stream, text/plain, even image/png.
  if (dicom::hasPart10Signature(head)) return {BodyKind::Part10, "", "", 0};
  // Sites ship studies and single images as ZIPs labelled anything (octet-stream, application/zip, even image/jpeg).
  if (looksLikeZip(head)) return {BodyKind::Zip, "", "", 0};
  if (const std::size_t prefix = transportPrefixBytes(head); prefix > 0) return {BodyKind::Part10, "", "", prefix};

  if (startsWith(type, "multipart/")) return {BodyKind::Multipart, "", contentType.parameter("boundary")};
  if (type.empty() && startsWith(head, "--") && contains(head.substr(0, 200), "\n"))
    return {BodyKind::Multipart, "", ""};

  if (type == "application/dicom+json" || looksLikeDicomJson(head)) return {BodyKind::DicomJson, "", ""};
  if (type == "application/json" || type == "text/json")
    return {BodyKind::NotDicom, "JSON that is not DICOM metadata", ""};

  if (contains(lowerUrl, "/frames/") && (isFrameMediaType(type) || startsWith(type, "image/")))
    return {BodyKind::Frames, "", ""};
  // A BulkDataURI's answer (Orthanc: .../instances/I/bulk/7fe00010): pixel or other bulk data, kept aside with frames.
  if (contains(lowerUrl, "/bulk") && contains(lowerUrl, "/instances/") && isFrameMediaType(type))
    return {BodyKind::Frames, "", ""};

  if (totalBytes == 0) return {BodyKind::NotDicom, "an empty body", ""};

  // A bare dataset has no signature; only trust the byte pattern when nothing says it is something else.
  const bool typeAllowsDataset = type.empty() || type == "application/dicom" || type == "application/octet-stream" ||
                                 type == "application/x-dicom" || type == "text/plain" || type == "binary/octet-stream";
  if (typeAllowsDataset && dicom::guessDatasetEncoding(head).known) return {BodyKind::Dataset, "", ""};

  if (isFrameMediaType(type) && type != "application/octet-stream") return {BodyKind::Frames, "", ""};

  if (type == "application/dicom") return {BodyKind::NotDicom, "labelled application/dicom but not DICOM", ""};
  return {BodyKind::NotDicom, describeNonDicom(type), ""};
}

}  // namespace cloudfilm::body
