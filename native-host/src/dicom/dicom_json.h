#pragma once
// DICOM JSON (PS3.18 Annex F: what DICOMweb metadata responses hold) read back into a dataset and written as a
// Part-10 file, with pixel data taken from captured frames. No DCMTK type appears here: callers outside dicom/ see
// JSON in, a file out, and DicomJsonError for anything malformed.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>
#include <nlohmann/json_fwd.hpp>

namespace cloudfilm::dicom {

// Malformed or hostile DICOM JSON. The message names where: "(0008,1140)[1].(0008,1150): expected a string".
class DicomJsonError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Returns the bytes behind a BulkDataURI, or nothing when they were not captured.
using BulkDataResolver = std::function<std::optional<std::string>(const std::string& bulkDataUri)>;

struct DicomJsonLimits {
  int maxSequenceDepth = 12;                        // nested sequences; real data rarely goes past 4
  std::uint64_t maxValueBytes = 1ull << 30;         // one element's value (decoded)
  std::uint64_t maxTotalBytes = 3ull << 30;         // all values of one instance
};

// Pixel data for a rebuilt instance: the frames in order, in `transferSyntaxUid`. A native syntax's frames are
// concatenated (one buffer holding all frames is fine too); an encapsulated syntax gets a basic offset table and one
// fragment per frame.
struct FramePixelData {
  std::string transferSyntaxUid;
  std::vector<std::string> frames;
};

// The private creator of the note a rebuilt file carries when attributes were left out (group 0011, first free
// block): element xx10 (UT) says in words which, xx11 (UL) how many.
inline constexpr const char* kRebuildNoteCreator = "CLOUDFILM REBUILD 1";

struct RebuildNotes {
  std::string transferSyntaxUid;          // of the written file
  std::vector<std::string> omittedBulkData;  // "(0009,1010)": BulkDataURI values that were not captured: left out
};

// Writes `target` (a new file): preamble, a correct meta header and the dataset read from one DICOM JSON instance
// object; when BulkDataURIs could not be resolved, the note above. Pixel data comes from `pixels` when given (any Pixel Data in the JSON is then ignored), else from the
// JSON's InlineBinary / resolvable BulkDataURI. Text arrives as UTF-8 and is written in the declared
// SpecificCharacterSet when it can be, else as UTF-8 (ISO_IR 192). Throws DicomJsonError for malformed JSON or
// pixel data, cloudfilm::Error when the file cannot be written (DiskFull for a full disk; nothing is left behind).
RebuildNotes writeInstanceFromJson(const nlohmann::json& instance, const BulkDataResolver& resolve,
                                   const std::optional<FramePixelData>& pixels, const std::filesystem::path& target,
                                   const DicomJsonLimits& limits = {});

// True for a transfer syntax whose pixel data is encapsulated (JPEG, JPEG-LS, JPEG 2000, RLE ...). False for
// native and unknown ones.
bool isEncapsulatedTransferSyntax(const std::string& uid);
// True for a transfer syntax DCMTK knows.
bool isKnownTransferSyntax(const std::string& uid);

}  // namespace cloudfilm::dicom
