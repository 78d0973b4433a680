#include "dicom/dicomdir.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcddirif.h>
#include <dcmtk/dcmdata/dcuid.h>

#include <algorithm>
#include <array>

#include "platform/platform.h"
#include "util/error.h"

namespace cloudfilm::dicom {

namespace {

struct Profile {
  DicomDirInterface::E_ApplicationProfile id;
  std::vector<const char*> transferSyntaxes;  // as DCMTK 3.6.7 checks them (dcddirif.cc checkSOPClassAndXfer)
};

// Most widely read first: a plain CD-R file set is what every workstation opens; the USB/flash profiles add the
// compressed syntaxes a site may have served. A folder on a stick or a disc image fits the USB and flash profiles.
const std::array<Profile, 3>& profiles() {
  static const std::array<Profile, 3> table = {{
      {DicomDirInterface::AP_GeneralPurpose, {UID_LittleEndianExplicitTransferSyntax}},
      {DicomDirInterface::AP_USBandFlashJPEG,
       {UID_LittleEndianExplicitTransferSyntax, UID_JPEGProcess14SV1TransferSyntax, UID_JPEGProcess1TransferSyntax,
        UID_JPEGProcess2_4TransferSyntax}},
      {DicomDirInterface::AP_USBandFlashJPEG2000,
       {UID_LittleEndianExplicitTransferSyntax, UID_JPEG2000LosslessOnlyTransferSyntax, UID_JPEG2000TransferSyntax}},
  }};
  return table;
}

const Profile* findProfile(const std::string& name) {
  for (const auto& profile : profiles())
    if (name == DicomDirInterface::getProfileName(profile.id)) return &profile;
  return nullptr;
}

bool accepts(const Profile& profile, const std::string& uid) {
  return std::any_of(profile.transferSyntaxes.begin(), profile.transferSyntaxes.end(),
                     [&](const char* accepted) { return uid == accepted; });
}

}  // namespace

bool profileAccepts(const std::string& profile, const std::string& transferSyntaxUid) {
  const Profile* found = findProfile(profile);
  return found != nullptr && accepts(*found, transferSyntaxUid);
}

std::string chooseProfile(const std::vector<std::string>& transferSyntaxUids) {
  const Profile* best = nullptr;
  std::size_t bestCount = 0;
  for (const auto& profile : profiles()) {
    const auto count = static_cast<std::size_t>(std::count_if(
        transferSyntaxUids.begin(), transferSyntaxUids.end(), [&](const std::string& uid) { return accepts(profile, uid); }));
    if (count == transferSyntaxUids.size()) return DicomDirInterface::getProfileName(profile.id);
    if (best == nullptr || count > bestCount) best = &profile, bestCount = count;
  }
  return DicomDirInterface::getProfileName(best->id);
}

DicomDirOutcome writeDicomDir(const std::filesystem::path& folder, const std::vector<DicomDirFile>& files,
                              const std::string& fileSetId) {
  std::vector<std::string> syntaxes;
  for (const auto& file : files) syntaxes.push_back(file.transferSyntaxUid);
  DicomDirOutcome outcome;
  outcome.profile = chooseProfile(syntaxes);
  const Profile& profile = *findProfile(outcome.profile);

  DicomDirInterface dicomdir;
  dicomdir.disableBackupMode();  // a new folder: nothing to back up
  // Files from a hospital's viewer may lack a type 1 attribute a record needs (a Patient ID, a study time): invent a
  // value for the record rather than leave the image off the disc. The files themselves are never changed.
  dicomdir.enableInventMode(OFTrue);
  // Two files naming one Patient ID with different spellings of the name (a site's quirk) must not keep either off.
  dicomdir.enableInventPatientIDMode(OFFalse);
  const std::filesystem::path target = folder / "DICOMDIR";
  OFCondition status = dicomdir.createNewDicomDir(profile.id, OFFilename(target.c_str()), fileSetId.c_str());
  if (status.bad()) throw Error(ErrorCode::Internal, "cannot start the DICOMDIR: " + std::string(status.text()));

  for (std::size_t i = 0; i < files.size(); ++i) {
    const bool inProfile = accepts(profile, files[i].transferSyntaxUid);
    // "disable" with OFFalse turns the check off (DCMTK's naming): only for files the profile does not list.
    dicomdir.disableTransferSyntaxCheck(inProfile ? OFTrue : OFFalse);
    if (!inProfile) outcome.outsideProfile.push_back(i);
    // The file ID as a path of the platform (wide, '\\'-separated on Windows), like the folder: DCMTK joins them.
    const std::filesystem::path fileId = platform::pathFromUtf8(files[i].fileId);
    status = dicomdir.addDicomFile(OFFilename(fileId.c_str()), OFFilename(folder.c_str()));
    if (status.good()) {
      ++outcome.referenced;
    } else {
      outcome.notReferenced.push_back({i, status.text()});
    }
  }
  if (outcome.referenced == 0)
    throw Error(ErrorCode::Internal, "DCMTK accepted none of the files for the DICOMDIR" +
                                         (outcome.notReferenced.empty() ? std::string()
                                                                        : ": " + outcome.notReferenced[0].reason));
  status = dicomdir.writeDicomDir();
  if (status.bad()) throw Error(ErrorCode::Internal, "cannot write the DICOMDIR: " + std::string(status.text()));
  return outcome;
}

}  // namespace cloudfilm::dicom
