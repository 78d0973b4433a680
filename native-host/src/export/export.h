#pragma once
// Handing the images to a doctor: the library's files (or some of its series) as a self-contained folder for a disc
// or USB stick (DICOMDIR at the root, the files under DICOM/ with standard file IDs, a README.txt in Chinese and
// English), or the same as one ZIP. The files' bytes are copied as kept, never re-encoded.
//
// Names on the disc never come from the files: patients, studies, series and images are numbered
// (DICOM/PAT00001/STU00001/SER00001/IMG00001). Nothing is ever overwritten: the folder is built in a temporary
// sibling and renamed into place at the end, the ZIP written to a temporary file and linked into place, so a failure
// leaves nothing half-written.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "store/store.h"

namespace cloudfilm::handover {  // ("export" is a C++ keyword)

struct PlannedFile {
  std::string fileId;                // "DICOM/PAT00001/STU00001/SER00001/IMG00001"
  std::filesystem::path source;      // the library's file (absolute)
  std::string transferSyntaxUid;
  std::string sopClassUid;
  std::string sopInstanceUid;
  std::uint64_t bytes = 0;
};

struct PlannedSeries {
  store::SeriesSummary summary;
  std::string folderId;  // "DICOM/PAT00001/STU00001/SER00001"
  std::string patientId, studyId;  // "PAT00001", "STU00001"
};

struct ExportPlan {
  std::vector<PlannedSeries> series;  // in the library's order (patient, study, series)
  std::vector<PlannedFile> files;     // series by series, each in anatomical order
  std::uint64_t bytes = 0;            // of the DICOM files together
};

// What to export: every series of `library`, or those named. Throws cloudfilm::Error(BadRequest) for a series UID the
// library does not hold, or an empty library.
ExportPlan planExport(const store::Store& library, const std::vector<std::string>& seriesUids);

struct ExportResult {
  std::filesystem::path written;
  std::string profile;                         // the DICOMDIR's application profile
  std::vector<std::string> outsideProfile;     // "DICOM/...: JPEG-LS Lossless" for files the profile does not list
  std::vector<std::string> notReferenced;      // "DICOM/...: reason" for files DCMTK kept out of the DICOMDIR
  std::size_t files = 0;
  std::uint64_t bytes = 0;                     // the folder's or the ZIP's size
};

// Writes the folder `destination` (new, or an empty folder; never inside the library). Throws cloudfilm::Error
// (BadOutputFolder when `destination` is not new or empty, DiskFull for a full disk).
ExportResult exportDicomDir(const ExportPlan& plan, const store::Store& library,
                            const std::filesystem::path& destination);

// Writes the same as one ZIP `zipFile` (which must not exist). `beforeWriting` is told the bytes the archive will
// hold before compression, before anything is written. Throws cloudfilm::Error.
ExportResult exportZip(const ExportPlan& plan, const store::Store& library, const std::filesystem::path& zipFile,
                       const std::function<void(std::uint64_t bytes)>& beforeWriting = {});

// The README.txt text for `plan` (UTF-8, CRLF line ends, Chinese and English).
std::string readmeText(const ExportPlan& plan, const std::string& profile, const std::vector<std::string>& outsideProfile,
                       const std::vector<std::string>& notReferenced);

}  // namespace cloudfilm::handover
