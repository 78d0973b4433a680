#pragma once
// What the rest of CloudFilm knows about one DICOM instance. Plain values only: no DCMTK type leaks out of dicom/.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cloudfilm::dicom {

struct InstanceInfo {
  // Identity (validated: non-empty, well-formed UIDs).
  std::string sopInstanceUid;
  std::string sopClassUid;
  std::string studyInstanceUid;
  std::string seriesInstanceUid;
  std::string transferSyntaxUid;

  // Names, decoded through SpecificCharacterSet into UTF-8.
  std::string patientName;  // DICOM PN form, e.g. "WANG^XIAOMING=王^小明"
  std::string patientId;
  std::string studyDate;  // YYYYMMDD as stored
  std::string studyTime;
  std::string studyDescription;
  std::string accessionNumber;
  std::string modality;
  std::string seriesDescription;
  std::string bodyPartExamined;
  std::optional<long> seriesNumber;
  std::optional<long> instanceNumber;

  // For anatomical ordering.
  std::optional<std::array<double, 3>> imagePositionPatient;
  std::optional<std::array<double, 6>> imageOrientationPatient;
  std::string acquisitionTime;  // AcquisitionTime, else ContentTime (HHMMSS.FFFFFF)
  std::optional<long> expectedSlices;  // NumberOfSlices / ImagesInAcquisition where the file says

  // Image geometry and encoding.
  std::uint32_t rows = 0;
  std::uint32_t columns = 0;
  std::uint32_t numberOfFrames = 1;
  bool hasPixelData = false;
  bool encapsulatedPixelData = false;
  bool lossyCompressed = false;  // lossy transfer syntax, or LossyImageCompression = "01"
  std::uint64_t datasetElementCount = 0;  // a rough measure of completeness, for choosing the best copy

  // A file CloudFilm rebuilt from DICOMweb metadata records the attributes the site offered only as a BulkDataURI and
  // never sent (kRebuildNotes in dicom_json.h): "(0009,1010)", "(0008,1140)[0].(0009,1010)". Empty for other files.
  std::vector<std::string> attributesNotSent;
  // How CloudFilm made the file, when it rebuilt it: "dicomweb" (DICOMweb metadata and frames), or a vendor format
  // as "<vendor>-tags" (the site's own tag list and the pixels: the hospital's identifiers) or "<vendor>-pixels" (the
  // viewer's pixels and its study structure only), or "ge-zfp-study" (GE ZFP's study description and pixels: the
  // hospital's identifiers). The vendor is what comes before the last '-'. Empty for a file as served or wrapped.
  // Kept in the index.
  std::string rebuiltFrom;
  // The file's UIDs were made by CloudFilm (deterministically, from the site and the vendor's ids), not the
  // hospital's: the site never sent them. The file says so too (DerivationDescription).
  bool derivedIdentifiers = false;
  // The SOP Instance UID of a file with derived identifiers that this one, rebuilt later from the site's own tags,
  // takes the place of (the same image): saving this one removes that one from the library too. Kept in the index.
  std::string supersedes;
};

}  // namespace cloudfilm::dicom
