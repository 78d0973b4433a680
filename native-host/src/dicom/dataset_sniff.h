#pragma once
// Byte-level looks at the start of a DICOM stream, without DCMTK: enough to tell a Part-10 file from a bare dataset
// from something else, and to check that a meta header's transfer syntax matches how the dataset is encoded.
#include <filesystem>
#include <string>
#include <string_view>

namespace cloudfilm::dicom {

inline constexpr std::size_t kPart10PreambleBytes = 128;

// "DICM" at offset 128.
bool hasPart10Signature(std::string_view head);

struct DatasetEncoding {
  bool known = false;
  bool explicitVr = false;
  bool bigEndian = false;
};

// Guesses how a bare dataset is encoded from its first element. Unknown when the bytes do not start like a dataset
// (a plausible even group of the kind that opens a dataset, then a known VR or a small implicit length).
DatasetEncoding guessDatasetEncoding(std::string_view head);

struct DatasetSniff {
  std::string problem;  // non-empty: the meta header itself is unusable
  bool encodingKnown = false;
  bool explicitVr = false;
  bool bigEndian = false;
  std::uint64_t datasetOffset = 0;
  std::string metaTransferSyntax;  // the meta header's (0002,0010), padding removed; empty when not found
};

// Walks the meta header of a Part-10 file by hand to find where the dataset starts, and guesses its encoding.
DatasetSniff sniffPart10Dataset(const std::filesystem::path& file);

}  // namespace cloudfilm::dicom
