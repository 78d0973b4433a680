// `cloudfilm export`: the real binary exports a library built by `cloudfilm import` to a DICOMDIR folder and to a
// ZIP; DCMTK reads the DICOMDIR back and every record resolves to a file byte-identical to the library's.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdicdir.h>
#include <dcmtk/dcmdata/dcdirrec.h>
#include <gtest/gtest.h>
#include <zip.h>

#include <cstdlib>
#include <map>
#include <regex>
#include <set>

#include "cli_runner.h"
#include "test_files.h"

namespace cloudfilm {
namespace {

using namespace cloudfilm::test;

constexpr int kExitOk = 0, kExitUsage = 1, kExitUnwritable = 4;

// 王^小明 in GB18030.
const std::string kWangGb = "\xCD\xF5^\xD0\xA1\xC3\xF7";

struct ImageRecord {
  std::string fileId;  // '/'-separated
  std::string sopInstanceUid;
  std::string transferSyntaxUid;
};

struct DicomDirContents {
  bool loaded = false;
  std::string patientCharset, patientNameBytes;
  std::size_t patients = 0, studies = 0, series = 0;
  std::vector<ImageRecord> images;
};

std::string recordString(DcmDirectoryRecord* record, const DcmTagKey& tag) {
  OFString value;
  record->findAndGetOFStringArray(tag, value);
  return std::string(value.c_str(), value.length());
}

// Walks the DICOMDIR with DCMTK's own reader: PATIENT -> STUDY -> SERIES -> IMAGE.
DicomDirContents readDicomDir(const fs::path& file) {
  DicomDirContents contents;
  DcmDicomDir dicomdir(file.c_str());
  if (dicomdir.error().bad()) return contents;
  contents.loaded = true;
  DcmDirectoryRecord& root = dicomdir.getRootRecord();
  for (DcmDirectoryRecord* patient = root.nextSub(nullptr); patient; patient = root.nextSub(patient)) {
    EXPECT_EQ(patient->getRecordType(), ERT_Patient);
    ++contents.patients;
    if (contents.patientNameBytes.empty()) {
      contents.patientCharset = recordString(patient, DCM_SpecificCharacterSet);
      contents.patientNameBytes = recordString(patient, DCM_PatientName);
    }
    for (DcmDirectoryRecord* study = patient->nextSub(nullptr); study; study = patient->nextSub(study)) {
      EXPECT_EQ(study->getRecordType(), ERT_Study);
      ++contents.studies;
      for (DcmDirectoryRecord* series = study->nextSub(nullptr); series; series = study->nextSub(series)) {
        EXPECT_EQ(series->getRecordType(), ERT_Series);
        ++contents.series;
        for (DcmDirectoryRecord* image = series->nextSub(nullptr); image; image = series->nextSub(image)) {
          EXPECT_EQ(image->getRecordType(), ERT_Image);
          std::string id = recordString(image, DCM_ReferencedFileID);
          std::replace(id.begin(), id.end(), '\\', '/');
          contents.images.push_back({id, recordString(image, DCM_ReferencedSOPInstanceUIDInFile),
                                     recordString(image, DCM_ReferencedTransferSyntaxUIDInFile)});
        }
      }
    }
  }
  return contents;
}

// SOP Instance UID -> file, for every .dcm file of a library.
std::map<std::string, fs::path> libraryBySop(const fs::path& library) {
  std::map<std::string, fs::path> files;
  for (const auto& relative : listDicomFiles(library))
    files[dicomString(library / relative, DCM_SOPInstanceUID)] = library / relative;
  return files;
}

// Entry name -> bytes, read with libzip.
std::map<std::string, std::string> readZip(const fs::path& file) {
  std::map<std::string, std::string> entries;
  int error = 0;
  zip_t* archive = zip_open(file.c_str(), ZIP_RDONLY, &error);
  if (archive == nullptr) return entries;
  for (zip_int64_t i = 0; i < zip_get_num_entries(archive, 0); ++i) {
    zip_stat_t stat;
    zip_stat_index(archive, static_cast<zip_uint64_t>(i), 0, &stat);
    std::string bytes(stat.size, '\0');
    zip_file_t* entry = zip_fopen_index(archive, static_cast<zip_uint64_t>(i), 0);
    EXPECT_NE(entry, nullptr);
    if (entry == nullptr) continue;
    EXPECT_EQ(zip_fread(entry, bytes.data(), stat.size), static_cast<zip_int64_t>(stat.size));
    zip_fclose(entry);
    entries[stat.name] = bytes;
  }
  zip_close(archive);
  return entries;
}

int shell(const std::string& command) { return std::system((command + " >/dev/null 2>&1").c_str()); }

class CliExport : public ::testing::Test {
 protected:
  void SetUp() override {
    quietDcmtk();
    library_ = dir_.path() / "library";
    inputs_ = dir_.path() / "inputs";
    fs::create_directories(inputs_);
  }

  // Five brain slices (no patient name, no patient ID: the DICOMDIR must invent what its records need) and a
  // three-image series with a GB18030 patient name.
  void addPlainStudy() {
    for (int n = 1; n <= 5; ++n) {
      CF_REQUIRE_FILE(brainSlice(n));
      fs::copy_file(brainSlice(n), inputs_ / ("brain" + std::to_string(n) + ".dcm"));
    }
    SyntheticImage image;
    image.specificCharacterSet = "GB18030";
    image.patientName = kWangGb;
    image.patientId = "P123456";
    image.modality = "CT";
    image.sopClassUid = UID_CTImageStorage;
    for (int n = 1; n <= 3; ++n) {
      image.sopInstanceUid = newUid();
      image.instanceNumber = n;
      image.position = std::array<double, 3>{0, 0, static_cast<double>(n)};
      writeFile(inputs_ / ("gb" + std::to_string(n) + ".dcm"), makePart10(image));
    }
    gbSeriesUid_ = *image.seriesInstanceUid;
  }

  // One image re-encoded by DCMTK's command line tools: JPEG-LS lossless and RLE, syntaxes no profile lists.
  void addCompressed() {
    for (const auto& [tool, name] : {std::pair{"dcmcjpls", "jls"}, std::pair{"dcmcrle", "rle"}}) {
      SyntheticImage image;
      image.patientName = "COMPRESSED^ONE";
      image.patientId = "C1";
      const fs::path plain = dir_.path() / (std::string(name) + "-plain.dcm");
      writeFile(plain, makePart10(image));
      const fs::path encoded = inputs_ / (std::string(name) + ".dcm");
      ASSERT_EQ(shell(std::string(tool) + " " + plain.string() + " " + encoded.string()), 0) << tool;
    }
  }

  void importInputs() {
    const auto run = runCli({"import", inputs_.string(), "--out", library_.string(), "--json"});
    ASSERT_EQ(run.exitCode, kExitOk) << describe(run);
  }

  CliRun exportTo(const std::string& mode, const fs::path& target, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"export", "--out", library_.string(), mode, target.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return runCli(args);
  }

  // Every IMAGE record names an existing file under DICOM/ whose SOP Instance UID matches, byte-identical to the
  // library's file of that UID; every exported file is referenced; file IDs follow PS3.10 (<= 8 of A-Z 0-9 _).
  void expectResolvesToLibrary(const fs::path& dest, const DicomDirContents& contents) {
    const auto library = libraryBySop(library_);
    const std::regex component("[A-Z0-9_]{1,8}");
    std::set<std::string> referenced;
    for (const auto& image : contents.images) {
      SCOPED_TRACE(image.fileId);
      std::stringstream parts(image.fileId);
      std::string part;
      int depth = 0;
      while (std::getline(parts, part, '/')) {
        EXPECT_TRUE(std::regex_match(part, component)) << part;
        ++depth;
      }
      EXPECT_LE(depth, 8);
      const fs::path file = dest / image.fileId;
      ASSERT_TRUE(fs::is_regular_file(file));
      EXPECT_EQ(dicomString(file, DCM_SOPInstanceUID), image.sopInstanceUid);
      const auto kept = library.find(image.sopInstanceUid);
      ASSERT_NE(kept, library.end());
      EXPECT_EQ(readFile(file), readFile(kept->second)) << "not byte-identical to " << kept->second;
      referenced.insert(image.fileId);
    }
    std::set<std::string> onDisc;
    for (const auto& f : listFiles(dest))
      if (f.rfind("DICOM/", 0) == 0) onDisc.insert(f);
    EXPECT_EQ(referenced, onDisc);
    EXPECT_EQ(onDisc.size(), library.size());
  }

  TempDir dir_;
  fs::path library_, inputs_;
  std::string gbSeriesUid_;
};

TEST_F(CliExport, DicomDir_ExplicitLittleEndian_GeneralPurposeCdProfile_EveryRecordResolves) {
  addPlainStudy();
  importInputs();
  const fs::path dest = dir_.path() / "disc";
  const auto run = exportTo("--dicomdir", dest, {"--json"});
  ASSERT_EQ(run.exitCode, kExitOk) << describe(run);
  const auto report = run.json();
  EXPECT_EQ(report.at("profile"), "STD-GEN-CD/DVD-RAM");
  EXPECT_EQ(report.at("images"), 8);
  EXPECT_TRUE(report.at("outsideProfile").empty());
  EXPECT_TRUE(report.at("notInDicomdir").empty());

  const auto contents = readDicomDir(dest / "DICOMDIR");
  ASSERT_TRUE(contents.loaded);
  EXPECT_EQ(contents.patients, 2u);
  EXPECT_EQ(contents.studies, 2u);
  EXPECT_EQ(contents.series, 2u);
  EXPECT_EQ(contents.images.size(), 8u);
  expectResolvesToLibrary(dest, contents);
  // DCMTK's dump reads the whole DICOMDIR without a parse error.
  EXPECT_EQ(shell("dcmdump -E +dc " + (dest / "DICOMDIR").string()), 0);

  // The Chinese name survives: the record carries the files' character set and their bytes.
  EXPECT_EQ(contents.patientCharset.empty() ? "" : contents.patientCharset, "GB18030");
  EXPECT_EQ(contents.patientNameBytes, kWangGb);

  const std::string readme = readFile(dest / "README.txt");
  EXPECT_NE(readme.find("王小明"), std::string::npos) << readme;
  EXPECT_NE(readme.find("P123456"), std::string::npos);
  EXPECT_NE(readme.find("3 幅图像 images"), std::string::npos);
  EXPECT_NE(readme.find("5 幅图像 images"), std::string::npos);
  EXPECT_NE(readme.find("How to open"), std::string::npos);
  EXPECT_NE(readme.find("如何打开"), std::string::npos);
  EXPECT_NE(readme.find("STD-GEN-CD/DVD-RAM"), std::string::npos);

  // No temporary sibling is left beside the export.
  std::vector<std::string> beside;
  for (const auto& entry : fs::directory_iterator(dir_.path())) beside.push_back(entry.path().filename().string());
  std::sort(beside.begin(), beside.end());
  EXPECT_EQ(beside, (std::vector<std::string>{"disc", "inputs", "library"}));
}

TEST_F(CliExport, DicomDir_JpegLsAndRle_OnTheDiscAndNamedInReadme) {
  addPlainStudy();
  addCompressed();
  importInputs();
  const fs::path dest = dir_.path() / "disc";
  const auto run = exportTo("--dicomdir", dest, {"--json"});
  ASSERT_EQ(run.exitCode, kExitOk) << describe(run);
  const auto report = run.json();
  EXPECT_EQ(report.at("images"), 10);
  ASSERT_EQ(report.at("outsideProfile").size(), 2u) << report.dump(2);
  EXPECT_TRUE(report.at("notInDicomdir").empty()) << report.dump(2);

  const auto contents = readDicomDir(dest / "DICOMDIR");
  ASSERT_TRUE(contents.loaded);
  EXPECT_EQ(contents.images.size(), 10u);
  expectResolvesToLibrary(dest, contents);
  std::set<std::string> syntaxes;
  for (const auto& image : contents.images) syntaxes.insert(image.transferSyntaxUid);
  EXPECT_TRUE(syntaxes.count("1.2.840.10008.1.2.4.80")) << "JPEG-LS lossless referenced";
  EXPECT_TRUE(syntaxes.count("1.2.840.10008.1.2.5")) << "RLE referenced";

  const std::string readme = readFile(dest / "README.txt");
  for (const auto& line : report.at("outsideProfile")) {
    const std::string fileId = line.get<std::string>().substr(0, line.get<std::string>().find(':'));
    EXPECT_NE(readme.find(fileId), std::string::npos) << readme;
  }
  EXPECT_NE(readme.find("JPEG-LS"), std::string::npos) << readme;
  EXPECT_NE(readme.find("RLE"), std::string::npos) << readme;
}

TEST_F(CliExport, DicomDir_SeriesOption_ExportsOnlyThatSeries) {
  addPlainStudy();
  importInputs();
  const fs::path dest = dir_.path() / "disc";
  const auto run = exportTo("--dicomdir", dest, {"--series", gbSeriesUid_});
  ASSERT_EQ(run.exitCode, kExitOk) << describe(run);
  const auto contents = readDicomDir(dest / "DICOMDIR");
  ASSERT_TRUE(contents.loaded);
  EXPECT_EQ(contents.patients, 1u);
  EXPECT_EQ(contents.images.size(), 3u);
  for (const auto& f : listFiles(dest))
    if (f.rfind("DICOM/", 0) == 0) EXPECT_EQ(dicomString(dest / f, DCM_SeriesInstanceUID), gbSeriesUid_);

  const auto unknown = exportTo("--dicomdir", dir_.path() / "other", {"--series", "1.2.3.4"});
  EXPECT_EQ(unknown.exitCode, kExitUsage) << describe(unknown);
  EXPECT_NE(unknown.err.find("1.2.3.4"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir_.path() / "other"));
}

TEST_F(CliExport, DicomDir_NonEmptyDestination_RefusedAndUntouched) {
  addPlainStudy();
  importInputs();
  const fs::path dest = dir_.path() / "disc";
  fs::create_directories(dest);
  writeFile(dest / "notes.txt", "mine");
  const auto run = exportTo("--dicomdir", dest);
  EXPECT_EQ(run.exitCode, kExitUnwritable) << describe(run);
  EXPECT_NE(run.err.find("not empty"), std::string::npos) << run.err;
  EXPECT_EQ(listFiles(dest), (std::vector<std::string>{"notes.txt"}));
  EXPECT_EQ(readFile(dest / "notes.txt"), "mine");
  for (const auto& entry : fs::directory_iterator(dir_.path()))
    EXPECT_EQ(entry.path().filename().string().find(".disc.cloudfilm-"), std::string::npos);

  // An empty folder is fine; a file is not a folder; inside the library is refused.
  fs::remove(dest / "notes.txt");
  EXPECT_EQ(exportTo("--dicomdir", dest).exitCode, kExitOk);
  EXPECT_TRUE(fs::exists(dest / "DICOMDIR"));
  writeFile(dir_.path() / "plain-file", "x");
  EXPECT_EQ(exportTo("--dicomdir", dir_.path() / "plain-file").exitCode, kExitUnwritable);
  const auto inside = exportTo("--dicomdir", library_ / "disc");
  EXPECT_EQ(inside.exitCode, kExitUnwritable) << describe(inside);
  EXPECT_FALSE(fs::exists(library_ / "disc"));
}

TEST_F(CliExport, DicomDir_UsageErrors) {
  EXPECT_EQ(runCli({"export", "--out", library_.string()}).exitCode, kExitUsage);
  EXPECT_EQ(runCli({"export", "--out", library_.string(), "--dicomdir", "a", "--zip", "b.zip"}).exitCode, kExitUsage);
  EXPECT_EQ(runCli({"export", "--out", library_.string(), "--dicomdir"}).exitCode, kExitUsage);
  EXPECT_EQ(runCli({"list", "--out", library_.string(), "--zip", "b.zip"}).exitCode, kExitUsage);
  EXPECT_EQ(runCli({"export", "--out", library_.string(), "--dicomdir", "a", "--series"}).exitCode, kExitUsage);
  // A library folder that does not exist is not created by an export.
  EXPECT_NE(runCli({"export", "--out", (dir_.path() / "none").string(), "--dicomdir", "a"}).exitCode, kExitOk);
  EXPECT_FALSE(fs::exists(dir_.path() / "none"));
}

TEST_F(CliExport, Send_UsageErrorsAndUnreachableDestination) {
  EXPECT_EQ(runCli({"send", "--out", library_.string()}).exitCode, kExitUsage);
  EXPECT_EQ(runCli({"send", "--out", library_.string(), "--to", "PACS@host"}).exitCode, kExitUsage);
  EXPECT_EQ(runCli({"send", "--out", library_.string(), "--to", "PACS@host:104", "--zip", "x.zip"}).exitCode,
            kExitUsage);
  EXPECT_EQ(runCli({"send", "--out", library_.string(), "--to", "PACS@host:104", "--calling-aet",
                    "AN_AE_TITLE_TOO_LONG"}).exitCode,
            kExitUsage);
  EXPECT_EQ(runCli({"export", "--out", library_.string(), "--dicomdir", "a", "--to", "PACS@host:104"}).exitCode,
            kExitUsage);

  // Nobody listens on port 1 of the loopback: reported, exit 6, nothing claimed as sent.
  addPlainStudy();
  importInputs();
  const auto run = runCli({"send", "--out", library_.string(), "--to", "PACS@127.0.0.1:1"});
  EXPECT_EQ(run.exitCode, 6) << describe(run);
  EXPECT_NE(run.err.find("nothing sent"), std::string::npos) << run.err;
}

TEST_F(CliExport, Zip_SameExport_EveryEntryByteIdentical_SizeShownFirst) {
  addPlainStudy();
  addCompressed();
  importInputs();
  const fs::path folder = dir_.path() / "disc";
  ASSERT_EQ(exportTo("--dicomdir", folder).exitCode, kExitOk);
  const fs::path zipFile = dir_.path() / "for-doctor.zip";
  const auto run = exportTo("--zip", zipFile);
  ASSERT_EQ(run.exitCode, kExitOk) << describe(run);
  const auto writing = run.out.find("Writing 10 images");
  ASSERT_NE(writing, std::string::npos) << run.out;
  EXPECT_LT(writing, run.out.find("Exported")) << "the size comes before the result";

  const auto entries = readZip(zipFile);
  ASSERT_FALSE(entries.empty());
  std::set<std::string> names;
  for (const auto& [name, bytes] : entries) names.insert(name);
  const auto files = listFiles(folder);
  EXPECT_EQ(names, std::set<std::string>(files.begin(), files.end()));
  const auto library = libraryBySop(library_);
  std::size_t images = 0;
  for (const auto& [name, bytes] : entries) {
    if (name.rfind("DICOM/", 0) != 0) continue;
    ++images;
    const fs::path extracted = dir_.path() / "entry.dcm";
    writeFile(extracted, bytes);
    const auto kept = library.find(dicomString(extracted, DCM_SOPInstanceUID));
    ASSERT_NE(kept, library.end()) << name;
    EXPECT_EQ(bytes, readFile(kept->second)) << name;
    EXPECT_EQ(bytes, readFile(folder / name)) << name;
  }
  EXPECT_EQ(images, 10u);
  EXPECT_EQ(entries.at("README.txt"), readFile(folder / "README.txt"));
  const fs::path unzippedDicomdir = dir_.path() / "DICOMDIR-from-zip";
  writeFile(unzippedDicomdir, entries.at("DICOMDIR"));
  EXPECT_EQ(readDicomDir(unzippedDicomdir).images.size(), 10u);

  // Never overwritten; nothing left beside it or in the library's work folder.
  const std::string before = readFile(zipFile);
  const auto again = exportTo("--zip", zipFile);
  EXPECT_EQ(again.exitCode, kExitUnwritable) << describe(again);
  EXPECT_EQ(readFile(zipFile), before);
  for (const auto& entry : fs::directory_iterator(dir_.path()))
    EXPECT_EQ(entry.path().filename().string().find(".cloudfilm-"), std::string::npos) << entry.path();
  for (const auto& entry : fs::recursive_directory_iterator(library_ / ".cloudfilm"))
    EXPECT_EQ(entry.path().filename().string().find("export-"), std::string::npos) << entry.path();
}

}  // namespace
}  // namespace cloudfilm
