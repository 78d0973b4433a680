#pragma once
// A DICOMDIR (PS3.10 media directory) for files already laid out in a folder, written with DCMTK's
// DicomDirInterface. Plain paths and values here: no DCMTK type leaves dicom/.
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

namespace cloudfilm::dicom {

struct DicomDirFile {
  std::string fileId;             // relative to the folder, '/'-separated, each component <= 8 of A-Z 0-9 _
  std::string transferSyntaxUid;  // as the file's meta header says
};

struct DicomDirOutcome {
  std::string profile;                       // DCMTK's name of the application profile, e.g. "STD-GEN-CD/DVD-RAM"
  std::vector<std::size_t> outsideProfile;   // files (indices) in a transfer syntax the profile does not list: kept
                                             // and referenced all the same
  struct Refused {
    std::size_t file = 0;
    std::string reason;
  };
  std::vector<Refused> notReferenced;        // files DCMTK would not reference at all (they stay on the disc)
  std::size_t referenced = 0;
};

// The transfer syntaxes an application profile lists, for the profiles CloudFilm chooses from (general purpose CD-R:
// Explicit VR Little Endian only; USB and flash with JPEG: that and JPEG baseline, extended and lossless SV1; USB
// and flash with JPEG 2000: that and both JPEG 2000 syntaxes).
bool profileAccepts(const std::string& profile, const std::string& transferSyntaxUid);

// The profile that accepts every file, in the order above; when none does (JPEG-LS, RLE, implicit VR, mixed JPEG and
// JPEG 2000...), the one that accepts the most files.
std::string chooseProfile(const std::vector<std::string>& transferSyntaxUids);

// Writes `folder`/DICOMDIR referencing `files` (which must exist in `folder`), with the chosen profile. The bytes of
// the files are never touched: a file outside the profile is referenced with the transfer syntax check off.
// Throws cloudfilm::Error when the DICOMDIR cannot be written or references no file.
DicomDirOutcome writeDicomDir(const std::filesystem::path& folder, const std::vector<DicomDirFile>& files,
                              const std::string& fileSetId);

}  // namespace cloudfilm::dicom
