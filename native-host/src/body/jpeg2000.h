#pragma once
// What a JPEG 2000 image says of itself, read from its headers only (never decoded): the size and components from
// the codestream's SIZ marker, the wavelet from its COD marker. Vendor viewers send JPEG 2000 either as a JP2 file
// (boxes, the codestream in a `jp2c` box) or as a bare codestream; DICOM wants the bare codestream (PS3.5 A.4.4), which
// is `codestream`: the same bytes, unwrapped, never re-encoded.
//
// Written by hand: OpenJPEG would decode the whole image to learn this, and these are fixed-layout headers (ISO/IEC
// 15444-1 A.5.1, A.6.1; 15444-1 Annex I for the boxes).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cloudfilm::body {

struct Jpeg2000Facts {
  std::uint32_t width = 0, height = 0;  // of the image area (Xsiz - XOsiz, Ysiz - YOsiz)
  std::uint16_t components = 0;
  std::uint8_t bitDepth = 0;            // of the first component
  bool isSigned = false;                // of the first component
  bool reversible = false;              // the 5/3 wavelet (lossless); false: the 9/7 one (lossy)
  bool jp2File = false;                 // came wrapped in JP2 boxes
  std::string_view codestream;          // inside the bytes given: from SOC (FF4F) to the end of the codestream
};

// True when `head` starts like JPEG 2000: the JP2 signature box, or a codestream's SOC + SIZ.
bool looksLikeJpeg2000(std::string_view head);

enum class Jpeg2000Read {
  Whole,     // `bytes` is the whole file: every header must be there, and the codestream's end (EOC)
  SizeOnly,  // `bytes` may be only the first bytes: SIZ is enough (`reversible` is then a guess; `codestream` cut)
};

// Reads `bytes` (a JP2 file or a codestream; only the headers are looked at). Nothing when it is not JPEG 2000 or its
// headers are malformed, with why in `problem`.
std::optional<Jpeg2000Facts> readJpeg2000(std::string_view bytes, std::string* problem = nullptr,
                                          Jpeg2000Read read = Jpeg2000Read::Whole);

}  // namespace cloudfilm::body
