#pragma once
// The only door to DCMTK. Everything else in CloudFilm sees plain values (InstanceInfo) and file paths.
#include <filesystem>
#include <optional>
#include <string>

#include "dicom/instance_info.h"
#include "dicom/transfer_syntax.h"
#include "dicom/usable_instance.h"

namespace cloudfilm::dicom {

// Call once at start-up. Silences DCMTK's own logging (the host's stdout is its message channel) and checks that
// the data dictionary is loaded. Returns a one-line explanation when it is not.
std::optional<std::string> initialize();

enum class Framing {
  Part10,       // 128-byte preamble, "DICM", meta header, dataset: kept byte for byte
  DatasetOnly,  // a bare dataset: kept byte for byte after a meta header we write (see writePart10Wrapper)
};

struct Inspection {
  bool usable = false;
  std::string reason;  // why not usable; empty when usable
  Framing framing = Framing::Part10;
  InstanceInfo info;
};

// Parses the whole file (every element, not stopping before pixel data), with large values read lazily so memory
// stays small whatever the file size, and decides whether a viewer could use it: parse errors and truncation,
// UIDs, pixel data length for native transfer syntaxes, meta header consistent with the dataset.
Inspection inspectFile(const std::filesystem::path& file, Framing framing);

// Writes `target`: preamble + "DICM" + a correct meta header for `info` (transfer syntax as detected) followed by
// the bytes of `datasetFile` unchanged. Throws cloudfilm::Error on I/O failure (DiskFull for a full disk), leaving
// no partial `target` behind.
void writePart10Wrapper(const std::filesystem::path& datasetFile, const InstanceInfo& info,
                        const std::filesystem::path& target);

}  // namespace cloudfilm::dicom
