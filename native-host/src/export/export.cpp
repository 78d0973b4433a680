#include "export/export.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <map>
#include <optional>

#include "body/zip_writer.h"
#include "dicom/dicom_json.h"
#include "dicom/dicomdir.h"
#include "dicom/transfer_syntax.h"
#include "platform/platform.h"
#include "store/layout.h"
#include "store/path_policy.h"
#include "util/error.h"
#include "util/fd_io.h"

namespace cloudfilm::handover {

namespace fs = std::filesystem;

namespace {

// Five digits after a three-letter prefix: eight characters, the most a file ID component may have.
constexpr std::size_t kMaxNumbered = 99999;

std::string numbered(const char* prefix, std::size_t n) {
  if (n > kMaxNumbered)
    throw Error(ErrorCode::BadRequest, std::string("more than 99999 of one kind (") + prefix + ") to number on a disc");
  char text[16];
  std::snprintf(text, sizeof text, "%s%05zu", prefix, n);
  return text;
}

// Text from a file, fit for a line of the README: control characters (line breaks, escapes) become spaces.
std::string oneLine(const std::string& text) {
  std::string out = text;
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  return out;
}

std::string dicomDate(const std::string& date) {
  if (date.size() == 8) return date.substr(0, 4) + "-" + date.substr(4, 2) + "-" + date.substr(6, 2);
  return oneLine(date);
}

fs::path absoluteTarget(const fs::path& requested) {
  fs::path target = fs::absolute(requested).lexically_normal();
  if (target.filename().empty()) target = target.parent_path();  // "DEST/"
  return target;
}

// A new folder beside `target`, on the same file system so the last step can be a rename.
fs::path temporarySibling(const fs::path& target) {
  const fs::path folder =
      platform::createPrivateFolder(target.parent_path(), "." + platform::utf8Of(target.filename()) + ".cloudfilm-");
  if (folder.empty()) throw ioError("cannot create a folder beside", platform::utf8Of(target), errno);
  return folder;
}

struct Staged {
  dicom::DicomDirOutcome outcome;
  std::uint64_t extraBytes = 0;  // DICOMDIR and README.txt
};

// Lays out `folder`: DICOM/... (copies, or hard links for a folder that is only read to write the ZIP), DICOMDIR,
// README.txt.
Staged stage(const ExportPlan& plan, const fs::path& folder, bool link) {
  std::vector<dicom::DicomDirFile> entries;
  for (const auto& file : plan.files) {
    const fs::path target = folder / file.fileId;
    fs::create_directories(target.parent_path());
    std::error_code ec;
    if (link) fs::create_hard_link(file.source, target, ec);
    if (!link || ec) fs::copy_file(file.source, target, fs::copy_options::none);
    entries.push_back({file.fileId, file.transferSyntaxUid});
  }
  Staged staged;
  staged.outcome = dicom::writeDicomDir(folder, entries, "CLOUDFILM");
  std::vector<std::string> outside, refused;
  for (std::size_t i : staged.outcome.outsideProfile)
    outside.push_back(plan.files[i].fileId + ": " + dicom::transferSyntaxName(plan.files[i].transferSyntaxUid));
  for (const auto& r : staged.outcome.notReferenced) refused.push_back(plan.files[r.file].fileId + ": " + r.reason);
  writeWholeFile(folder / "README.txt", readmeText(plan, staged.outcome.profile, outside, refused));
  staged.extraBytes = fs::file_size(folder / "DICOMDIR") + fs::file_size(folder / "README.txt");
  return staged;
}

ExportResult resultOf(const ExportPlan& plan, const Staged& staged, const fs::path& written) {
  ExportResult result;
  result.written = written;
  result.profile = staged.outcome.profile;
  for (std::size_t i : staged.outcome.outsideProfile)
    result.outsideProfile.push_back(plan.files[i].fileId + ": " +
                                    dicom::transferSyntaxName(plan.files[i].transferSyntaxUid));
  for (const auto& r : staged.outcome.notReferenced)
    result.notReferenced.push_back(plan.files[r.file].fileId + ": " + r.reason);
  result.files = plan.files.size();
  result.bytes = plan.bytes + staged.extraBytes;
  return result;
}

void refuseInsideLibrary(const store::Store& library, const fs::path& given) {
  const fs::path root = fs::absolute(library.root()).lexically_normal();
  const fs::path target = fs::absolute(given).lexically_normal();
  if (target == root || store::isInside(root, target))
    throw Error(ErrorCode::BadOutputFolder,
                platform::utf8Of(target) + " is inside the library " + platform::utf8Of(root) + ": choose a folder outside it");
}

// Moves the finished ZIP into place without ever replacing a file that appeared meanwhile.
void placeWithoutReplacing(const fs::path& finished, const fs::path& target) {
  if (platform::moveFileWithoutReplacing(finished, target) == 0) return;
  if (errno == EEXIST)
    throw Error(ErrorCode::BadOutputFolder, platform::utf8Of(target) + " appeared while the ZIP was written: not replaced");
  throw ioError("cannot rename the ZIP to", platform::utf8Of(target), errno);
}

}  // namespace

ExportPlan planExport(const store::Store& library, const std::vector<std::string>& seriesUids) {
  const auto all = library.series();
  for (const auto& uid : seriesUids) {
    const bool held = std::any_of(all.begin(), all.end(),
                                  [&](const store::SeriesSummary& s) { return s.seriesInstanceUid == uid; });
    if (!held)
      throw Error(ErrorCode::BadRequest, "the library " + platform::utf8Of(library.root()) + " holds no series " + oneLine(uid) +
                                             " (cloudfilm list --json shows the series UIDs)");
  }
  ExportPlan plan;
  std::map<std::string, std::size_t> patients;                 // by patient folder
  std::map<std::string, std::size_t> studiesOfPatient;         // by patient folder: how many studies numbered
  std::map<std::string, std::string> studyIds;                 // by patient folder + study UID
  std::map<std::string, std::size_t> seriesOfStudy;            // by patient folder + study UID
  for (const auto& summary : all) {
    if (!seriesUids.empty() &&
        std::find(seriesUids.begin(), seriesUids.end(), summary.seriesInstanceUid) == seriesUids.end())
      continue;
    PlannedSeries series;
    series.summary = summary;
    auto [patient, newPatient] = patients.try_emplace(summary.patientFolder, patients.size() + 1);
    (void)newPatient;
    series.patientId = numbered("PAT", patient->second);
    const std::string studyKey = summary.patientFolder + '\n' + summary.studyInstanceUid;
    auto study = studyIds.find(studyKey);
    if (study == studyIds.end())
      study = studyIds.emplace(studyKey, numbered("STU", ++studiesOfPatient[summary.patientFolder])).first;
    series.studyId = study->second;
    series.folderId =
        "DICOM/" + series.patientId + "/" + series.studyId + "/" + numbered("SER", ++seriesOfStudy[studyKey]);
    std::size_t image = 0;
    for (const auto& sop : summary.sopInstanceUids) {
      const store::KeptInstance* kept = library.find(sop);
      if (kept == nullptr) continue;
      PlannedFile file;
      file.fileId = series.folderId + "/" + numbered("IMG", ++image);
      file.source = library.root() / platform::pathFromUtf8(kept->relativePath);
      file.transferSyntaxUid = kept->info.transferSyntaxUid;
      file.sopInstanceUid = sop;
      file.sopClassUid = kept->info.sopClassUid;
      file.bytes = kept->bytes;
      plan.bytes += file.bytes;
      plan.files.push_back(std::move(file));
    }
    series.summary.instances = image;
    plan.series.push_back(std::move(series));
  }
  if (plan.files.empty())
    throw Error(ErrorCode::BadRequest, "nothing to export: " + platform::utf8Of(library.root()) + " holds no images");
  return plan;
}

std::string readmeText(const ExportPlan& plan, const std::string& profile, const std::vector<std::string>& outsideProfile,
                       const std::vector<std::string>& notReferenced) {
  std::string text = "\xEF\xBB\xBF";  // a BOM: older Windows Notepad shows UTF-8 Chinese only with it
  const auto line = [&](const std::string& s) { text += s + "\r\n"; };
  line("CloudFilm 云胶片 - 给医生的影像 / Images for a doctor");
  line("");
  std::string lastPatient, lastStudy;
  for (const auto& series : plan.series) {
    const auto& first = series.summary.first;
    if (series.patientId != lastPatient) {
      lastPatient = series.patientId;
      lastStudy.clear();
      std::string name = oneLine(store::readablePersonName(first.patientName));
      if (name.empty()) name = "(无姓名 / no name)";
      line("患者 Patient: " + name + (first.patientId.empty() ? "" : "  (ID " + oneLine(first.patientId) + ")") +
           "  [DICOM/" + series.patientId + "]");
    }
    if (series.studyId != lastStudy) {
      lastStudy = series.studyId;
      std::string study = dicomDate(first.studyDate);
      for (const auto& part : {first.modality, first.studyDescription})
        if (!part.empty()) study += (study.empty() ? "" : " ") + oneLine(part);
      line("  检查 Study: " + (study.empty() ? std::string("-") : study) + "  [DICOM/" + series.patientId + "/" +
           series.studyId + "]");
    }
    std::string name;
    if (first.seriesNumber) name = std::to_string(*first.seriesNumber);
    for (const auto& part : {first.modality, first.seriesDescription})
      if (!part.empty()) name += (name.empty() ? "" : " ") + oneLine(part);
    line("    序列 Series " + (name.empty() ? std::string("-") : name) + ": " +
         std::to_string(series.summary.instances) + " 幅图像 images  [" + series.folderId + "]");
  }
  line("");
  line("如何打开：");
  line("  用 DICOM 看图软件（医院工作站、RadiAnt、Weasis、Horos、OsiriX 等）打开本文件夹里的 DICOMDIR 文件，");
  line("  或在软件里选择“打开光盘/文件夹”并选中本文件夹。图像文件在 DICOM 文件夹中，与医院网站发送的原文件逐字节相同。");
  line("How to open:");
  line("  Open the DICOMDIR file in this folder with a DICOM viewer (a hospital workstation, RadiAnt, Weasis, Horos,");
  line("  OsiriX...), or choose \"open CD/folder\" in the viewer and pick this folder. The image files are in the DICOM");
  line("  folder, byte for byte the files the hospital's site sent.");
  line("");
  line("DICOMDIR 应用配置 / application profile: " + profile);
  if (!outsideProfile.empty()) {
    line("以下文件的传输语法不在该配置之内（仍已放入并列入 DICOMDIR，大多数看图软件可以打开）：");
    line("These files use a transfer syntax the profile does not list (they are on the disc and in the DICOMDIR all");
    line("the same; most viewers open them):");
    for (const auto& entry : outsideProfile) line("  " + entry);
  }
  if (!notReferenced.empty()) {
    line("以下文件未列入 DICOMDIR（文件本身在 DICOM 文件夹中）：");
    line("These files are not listed in the DICOMDIR (the files themselves are in the DICOM folder):");
    for (const auto& entry : notReferenced) line("  " + oneLine(entry));
  }
  return text;
}

ExportResult exportDicomDir(const ExportPlan& plan, const store::Store& library, const fs::path& destination) {
  const fs::path target = absoluteTarget(destination);
  refuseInsideLibrary(library, target);
  std::error_code ec;
  const auto status = fs::symlink_status(target, ec);
  if (fs::exists(status)) {
    if (!fs::is_directory(status))
      throw Error(ErrorCode::BadOutputFolder, platform::utf8Of(target) + " exists and is not a folder: nothing was written");
    if (!fs::is_empty(target, ec) || ec)
      throw Error(ErrorCode::BadOutputFolder,
                  platform::utf8Of(target) + " is not empty: choose a new or empty folder (nothing was written)");
  }
  fs::create_directories(target.parent_path(), ec);
  if (ec) throw ioError("cannot create the folder", platform::utf8Of(target.parent_path()), ec.value());

  const fs::path temporary = temporarySibling(target);
  try {
    const Staged staged = stage(plan, temporary, /*link=*/false);
    syncPath(temporary / "DICOMDIR");
    // mkdtemp made it private (0700); the export is for handing on: readable like any folder the person makes.
    fs::permissions(temporary, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                   fs::perms::others_read | fs::perms::others_exec);
    // An empty folder is replaced, a non-empty one never: what appeared meanwhile is never replaced.
    if (platform::renameIntoPlace(temporary, target) != 0) {
      if (errno == ENOTEMPTY || errno == EEXIST || errno == ENOTDIR)
        throw Error(ErrorCode::BadOutputFolder, platform::utf8Of(target) + " was filled while exporting: not replaced");
      throw ioError("cannot rename the export to", platform::utf8Of(target), errno);
    }
    return resultOf(plan, staged, target);
  } catch (const fs::filesystem_error& e) {
    fs::remove_all(temporary, ec);
    throw Error(errorCodeOf(e), std::string("export failed: ") + e.what());
  } catch (...) {
    fs::remove_all(temporary, ec);
    throw;
  }
}

ExportResult exportZip(const ExportPlan& plan, const store::Store& library, const fs::path& zipFile,
                       const std::function<void(std::uint64_t bytes)>& beforeWriting) {
  const fs::path target = absoluteTarget(zipFile);
  refuseInsideLibrary(library, target);
  std::error_code ec;
  if (fs::exists(fs::symlink_status(target, ec)))
    throw Error(ErrorCode::BadOutputFolder, platform::utf8Of(target) + " exists: it is never replaced (nothing was written)");
  fs::create_directories(target.parent_path(), ec);
  if (ec) throw ioError("cannot create the folder", platform::utf8Of(target.parent_path()), ec.value());

  // The DICOMDIR is made from a folder laid out as on a disc: hard links in the library's own work folder (same
  // file system, no copy); the ZIP then reads each image from the library's file itself.
  const fs::path staging = platform::createPrivateFolder(library.workDir(), "export-");
  if (staging.empty()) throw ioError("cannot create a folder in", platform::utf8Of(library.workDir()), errno);
  const fs::path temporary = temporarySibling(target);
  try {
    const Staged staged = stage(plan, staging, /*link=*/true);
    ExportResult result = resultOf(plan, staged, target);
    if (beforeWriting) beforeWriting(result.bytes);
    const fs::path partial = temporary / "export.zip";
    {
      body::ZipWriter zip(partial);
      zip.addFile("DICOMDIR", staging / "DICOMDIR", true);
      zip.addFile("README.txt", staging / "README.txt", true);
      for (const auto& file : plan.files)
        zip.addFile(file.fileId, file.source, !dicom::isEncapsulatedTransferSyntax(file.transferSyntaxUid));
      zip.finish();
    }
    placeWithoutReplacing(partial, target);
    result.bytes = fs::file_size(target);
    fs::remove_all(staging, ec);
    fs::remove_all(temporary, ec);
    return result;
  } catch (const fs::filesystem_error& e) {
    fs::remove_all(staging, ec);
    fs::remove_all(temporary, ec);
    throw Error(errorCodeOf(e), std::string("export failed: ") + e.what());
  } catch (...) {
    fs::remove_all(staging, ec);
    fs::remove_all(temporary, ec);
    throw;
  }
}

}  // namespace cloudfilm::handover
