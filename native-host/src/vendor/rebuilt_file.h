#pragma once
// The last step of every vendor rebuild, written once: attributes as text and the pixels become a DICOM file in the
// store's work folder, checked as any served file is, then filed (Origin::Rebuilt) with how it was made.
#include <cstdint>
#include <string>
#include <vector>

#include "dicom/text_attributes.h"
#include "store/store.h"
#include "vendor/vendor_format.h"

namespace cloudfilm::vendor {

struct RebuiltFile {
  std::vector<dicom::TextAttribute> attributes;
  dicom::FramePixelData pixels;
  std::string rebuiltFrom;         // "hinacom-tags", "hinacom-pixels", "ge-zfp-study"
  bool derivedIdentifiers = false;  // the UIDs are CloudFilm's, not the hospital's
  std::string supersedes;          // a derived file of the same image this one takes the place of (InstanceInfo)
};

// Files it. Filed result, with what the store said and the attributes the writer left out in `reason`. Throws
// dicom::DicomJsonError when no valid file can be made (nothing is left behind), cloudfilm::Error on I/O.
RebuildResult fileRebuilt(store::Store& store, const RebuiltFile& rebuilt);

// The most pixel data one rebuilt image may hold (all its frames): what a rebuild reads into memory at once. A page
// could otherwise announce 10,000 frames of 65535 x 65535.
inline constexpr std::uint64_t kMaxImagePixelBytes = 2ull << 30;

// A piece's bytes, whole (a frame, a JSON answer), when they are at most `limit`. Throws std::runtime_error saying
// why not.
std::string readPieceBytes(const std::filesystem::path& path, std::uint64_t limit);

// DS text as modalities write it: plain decimals ("-110", "37.5"), the fewest that read back as `value`; else the
// shortest exponent form that does, else the closest that fits DS's 16 characters. ("4e+01" is valid DS, but some
// readers take it for 4.)
std::string decimalText(double value);
// Several DS values joined with '\'.
std::string decimalsText(const double* values, std::size_t count);

}  // namespace cloudfilm::vendor
