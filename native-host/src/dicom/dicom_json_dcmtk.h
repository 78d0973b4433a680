#pragma once
// The DCMTK side of dicom_json.h, for code inside dicom/ and for tests that look at the dataset itself.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdatset.h>

#include <memory>
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

}  // namespace cloudfilm::dicom
