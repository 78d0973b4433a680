#pragma once
// The two batch imports of the command line: HAR files, and DICOM files or folders already on disk.
#include <filesystem>

#include "ingest/ingestor.h"
#include "ingest/report.h"

namespace cloudfilm::ingest {

// Files every DICOM body of the HAR; records a problem (and whether it was partly read) in the report.
void importHar(const std::filesystem::path& har, Ingestor& ingestor, ImportReport& report);

// Files a DICOM file, or every file below a folder (any name: raw dumps have none), skipping the library's own
// folder when the input contains it.
void importPath(const std::filesystem::path& input, Ingestor& ingestor, ImportReport& report,
                const std::filesystem::path& libraryRoot);

}  // namespace cloudfilm::ingest
