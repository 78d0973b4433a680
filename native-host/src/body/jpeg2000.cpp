#include "body/jpeg2000.h"

namespace cloudfilm::body {
namespace {

constexpr std::string_view kJp2Signature("\x00\x00\x00\x0C\x6A\x50\x20\x20\x0D\x0A\x87\x0A", 12);
constexpr std::string_view kCodestreamStart("\xFF\x4F\xFF\x51", 4);  // SOC, then SIZ, which must come first

std::uint16_t be16(std::string_view b, std::size_t at) {
  return static_cast<std::uint16_t>((static_cast<unsigned char>(b[at]) << 8) | static_cast<unsigned char>(b[at + 1]));
}
std::uint32_t be32(std::string_view b, std::size_t at) {
  return (std::uint32_t{be16(b, at)} << 16) | be16(b, at + 2);
}

std::optional<Jpeg2000Facts> fail(std::string* problem, std::string why) {
  if (problem) *problem = std::move(why);
  return std::nullopt;
}

// The contents of the first `jp2c` box among the top-level boxes. A box cut off by the end of the file is taken as far
// as it goes only when `cutAllowed` (the first bytes of a longer file).
std::optional<std::string_view> codestreamBox(std::string_view file, std::string* problem, bool cutAllowed) {
  std::size_t at = 0;
  for (int boxes = 0; at + 8 <= file.size() && boxes < 1000; ++boxes) {
    std::uint64_t length = be32(file, at);
    const std::string_view type = file.substr(at + 4, 4);
    std::size_t header = 8;
    if (length == 1) {  // the length follows as 64 bits
      if (at + 16 > file.size()) break;
      length = (std::uint64_t{be32(file, at + 8)} << 32) | be32(file, at + 12);
      header = 16;
    } else if (length == 0) {  // the box runs to the end of the file
      length = file.size() - at;
    }
    if (length < header || length > file.size() - at) {
      if (type != "jp2c") break;
      if (cutAllowed) return file.substr(at + header);  // a cut-off last box: what there is
      if (problem) *problem = "the JP2 file's codestream box is cut off";
      return std::nullopt;
    }
    if (type == "jp2c") return file.substr(at + header, static_cast<std::size_t>(length) - header);
    at += static_cast<std::size_t>(length);
  }
  if (problem) *problem = "a JP2 file without a codestream box";
  return std::nullopt;
}

}  // namespace

bool looksLikeJpeg2000(std::string_view head) {
  return head.substr(0, kJp2Signature.size()) == kJp2Signature || head.substr(0, kCodestreamStart.size()) == kCodestreamStart;
}

std::optional<Jpeg2000Facts> readJpeg2000(std::string_view bytes, std::string* problem, Jpeg2000Read read) {
  Jpeg2000Facts facts;
  std::string_view stream = bytes;
  if (bytes.substr(0, kJp2Signature.size()) == kJp2Signature) {
    const auto box = codestreamBox(bytes, problem, read == Jpeg2000Read::SizeOnly);
    if (!box) return std::nullopt;
    stream = *box;
    facts.jp2File = true;
  }
  if (stream.substr(0, kCodestreamStart.size()) != kCodestreamStart) return fail(problem, "not a JPEG 2000 codestream");
  // SIZ: Lsiz Rsiz Xsiz Ysiz XOsiz YOsiz XTsiz YTsiz XTOsiz YTOsiz Csiz, then Ssiz XRsiz YRsiz per component.
  constexpr std::size_t kSiz = 4;
  if (stream.size() < kSiz + 38 + 3) return fail(problem, "the codestream's SIZ marker is cut off");
  const std::uint16_t sizLength = be16(stream, kSiz);
  const std::uint32_t xsiz = be32(stream, kSiz + 4), ysiz = be32(stream, kSiz + 8);
  const std::uint32_t xosiz = be32(stream, kSiz + 12), yosiz = be32(stream, kSiz + 16);
  facts.components = be16(stream, kSiz + 36);
  if (facts.components == 0 || facts.components > 16384 || sizLength != 38 + 3u * facts.components ||
      stream.size() < kSiz + sizLength)
    return fail(problem, "the codestream's SIZ marker is malformed");
  if (xosiz >= xsiz || yosiz >= ysiz) return fail(problem, "the codestream's image area is empty");
  facts.width = xsiz - xosiz;
  facts.height = ysiz - yosiz;
  const auto ssiz = static_cast<unsigned char>(stream[kSiz + 38]);
  facts.isSigned = (ssiz & 0x80) != 0;
  facts.bitDepth = static_cast<std::uint8_t>((ssiz & 0x7F) + 1);
  if (facts.bitDepth > 38) return fail(problem, "the codestream's bit depth is out of range");

  if (read == Jpeg2000Read::SizeOnly) {
    facts.codestream = stream;
    return facts;
  }
  // The main header's marker segments up to the first tile (SOT): COD holds the wavelet.
  std::size_t at = kSiz + sizLength;
  bool haveCod = false;
  for (int markers = 0; at + 4 <= stream.size() && markers < 1000; ++markers) {
    const std::uint16_t marker = be16(stream, at);
    if ((marker >> 8) != 0xFF) return fail(problem, "the codestream's main header is malformed");
    if (marker == 0xFF90) break;  // SOT: the main header is over
    const std::uint16_t length = be16(stream, at + 2);
    if (length < 2 || at + 2 + length > stream.size()) return fail(problem, "a marker of the main header is cut off");
    if (marker == 0xFF52) {  // COD: Lcod Scod SGcod(4) SPcod: levels, xcb, ycb, style, transform
      if (length < 12) return fail(problem, "the codestream's COD marker is malformed");
      facts.reversible = static_cast<unsigned char>(stream[at + 2 + 11]) == 1;
      haveCod = true;
    }
    at += 2 + length;
  }
  if (!haveCod) return fail(problem, "the codestream has no COD marker");
  // A whole codestream ends with EOC (FFD9). Without it the image data was cut off (a failed download): never passed
  // on as a whole image. Zero bytes after EOC (padding to an even length, as in a DICOM fragment) are not part of it.
  std::size_t end = stream.size();
  while (end > at && stream[end - 1] == '\0') --end;
  if (end < at + 2 || be16(stream, end - 2) != 0xFFD9)
    return fail(problem, "the codestream is cut off (it does not end with the EOC marker)");
  facts.codestream = stream.substr(0, end);
  return facts;
}

}  // namespace cloudfilm::body
