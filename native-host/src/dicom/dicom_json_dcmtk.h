#pragma once
// The DCMTK side of dicom_json.h, for code inside dicom/ and for tests that look at the dataset itself.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdatset.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dicom/dicom_json.h"

namespace cloudfilm::dicom {

// Reads one DICOM JSON instance object into a new dataset. Group 0000/0002 attributes are skipped (the meta header
// is written from the dataset), BulkDataURIs that `resolve` cannot answer are left out and named in `omitted`.
// Throws DicomJsonError. `nonAsciiText` reports whether any text value holds non-ASCII (UTF-8) characters.
std::unique_ptr<DcmDataset> datasetFromJson(const nlohmann::json& instance, const BulkDataResolver& resolve,
                                            std::vector<std::string>* omitted, bool* nonAsciiText = nullptr,
                                            const DicomJsonLimits& limits = {});

// Writes `dataset` as a new Part-10 file `target`: pixel data from `pixels` (native or encapsulated, replacing any in
// the dataset), a meta header from writePart10Wrapper. Needs SOP Class and Instance UIDs. Returns the transfer
// syntax written. Throws DicomJsonError for bad pixel data, cloudfilm::Error when the file cannot be written (nothing
// is left behind). Every rebuild (DICOM JSON, vendor tag lists) ends here.
std::string writeRebuiltDataset(DcmDataset& dataset, const std::optional<FramePixelData>& pixels,
                                const std::filesystem::path& target);

// Text that arrived as UTF-8 (`nonAscii`: some of it is not ASCII) is converted into the dataset's declared
// SpecificCharacterSet where DCMTK can encode it, so the file reads as the original did; else declared as UTF-8.
void settleCharacterSet(DcmDataset& dataset, bool nonAscii);

// The rebuild note's private group, and the block (the creator's element, 0x10-0xFF) that holds CloudFilm's note in
// `dataset`: the one already named kRebuildNoteCreator, else the first free one; 0 when all 240 are taken.
inline constexpr Uint16 kRebuildNoteGroup = 0x0011;
Uint16 rebuildNoteBlock(DcmDataset& dataset);

}  // namespace cloudfilm::dicom
