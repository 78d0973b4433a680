// The real `cloudfilm` binary on HAR files and folders written by the test: layout, bytes, reports, exit codes.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "cli_runner.h"
#include "test_files.h"
#include "zip_maker.h"

namespace cloudfilm {
namespace {

using namespace cloudfilm::test;

constexpr int kExitOk = 0, kExitUsage = 1, kExitUnreadable = 2, kExitCut = 3, kExitUnwritable = 4;

std::string wadoUrl(const std::string& name) {
  return "https://pacs.hospital.example/wado?requestType=WADO&contentType=application/dicom&objectUID=" + name;
}

// Position along the slice normal, as the anatomical order is defined (ascending: feet to head).
double positionAlongNormal(const fs::path& file) {
  DcmFileFormat format;
  EXPECT_TRUE(format.loadFile(OFFilename(file.c_str())).good()) << file;
  Float64 p[3] = {}, o[6] = {};
  for (int i = 0; i < 3; ++i) format.getDataset()->findAndGetFloat64(DCM_ImagePositionPatient, p[i], i);
  for (int i = 0; i < 6; ++i) format.getDataset()->findAndGetFloat64(DCM_ImageOrientationPatient, o[i], i);
  const double n[3] = {o[1] * o[5] - o[2] * o[4], o[2] * o[3] - o[0] * o[5], o[0] * o[4] - o[1] * o[3]};
  return p[0] * n[0] + p[1] * n[1] + p[2] * n[2];
}

class CliImport : public ::testing::Test {
 protected:
  void SetUp() override {
    quietDcmtk();
    out_ = dir_.path() / "out";
  }

  fs::path writeHar(const std::string& name, const std::vector<HarBody>& bodies,
                    HarFlavour flavour = HarFlavour::Chrome) {
    const fs::path path = dir_.path() / name;
    writeFile(path, makeHar(bodies, flavour));
    return path;
  }

  CliRun importHar(const std::vector<fs::path>& hars, bool json = true) {
    std::vector<std::string> args = {"import-har"};
    for (const auto& har : hars) args.push_back(har.string());
    args.push_back("--out");
    args.push_back(out_.string());
    if (json) args.push_back("--json");
    return runCli(args);
  }

  static long count(const nlohmann::json& report, const char* outcome) {
    return report.at("counts").at(outcome).get<long>();
  }

  static std::vector<HarBody> brainBodies(const std::vector<int>& numbers) {
    std::vector<HarBody> bodies;
    for (int n : numbers) bodies.push_back(dicomBody(wadoUrl("brain" + std::to_string(n)), readFile(brainSlice(n))));
    return bodies;
  }

  // Checks that the .dcm files below out_ are exactly the given originals, numbered along the slice normal, all in
  // one series folder. Returns that folder (relative).
  fs::path expectOneSeriesInAnatomicalOrder(const std::vector<fs::path>& originals) {
    const auto files = listDicomFiles(out_);
    EXPECT_EQ(files.size(), originals.size());
    if (files.size() != originals.size() || files.empty()) return {};
    const fs::path folder = fs::path(files.front()).parent_path();
    std::vector<std::pair<double, fs::path>> byPosition;  // parsed once each: brain_001 is slow to parse
    for (const auto& original : originals) byPosition.emplace_back(positionAlongNormal(original), original);
    std::sort(byPosition.begin(), byPosition.end());
    std::vector<fs::path> expected;
    for (const auto& [position, original] : byPosition) expected.push_back(original);
    double previous = -INFINITY;
    for (std::size_t i = 0; i < files.size(); ++i) {
      EXPECT_EQ(fs::path(files[i]).parent_path(), folder) << "one series folder";
      char name[16];
      std::snprintf(name, sizeof name, "%04zu.dcm", i + 1);
      EXPECT_EQ(fs::path(files[i]).filename().string(), name);
      EXPECT_EQ(readFile(out_ / files[i]), readFile(expected[i])) << files[i] << " should be " << expected[i];
      const double position = positionAlongNormal(out_ / files[i]);
      EXPECT_GT(position, previous) << files[i];
      previous = position;
    }
    return folder;
  }

  TempDir dir_;
  fs::path out_;
};

TEST_F(CliImport, CliImportHar_ShuffledBrainVolume_TwentyFilesInAnatomicalOrder) {
  CF_REQUIRE_FILE(brainSlice(1));
  std::vector<int> numbers;
  for (int n = 1; n <= 20; ++n) numbers.push_back(n);
  shuffleDeterministically(numbers);
  const auto run = importHar({writeHar("brain.har", brainBodies(numbers))});
  ASSERT_EQ(run.exitCode, kExitOk) << describe(run);
  const auto report = run.json();
  ASSERT_FALSE(report.is_discarded()) << run.out;
  EXPECT_EQ(count(report, "stored"), 20);
  EXPECT_EQ(count(report, "duplicate"), 0);
  EXPECT_EQ(count(report, "rejected"), 0);
  ASSERT_EQ(report.at("series").size(), 1u);
  EXPECT_EQ(report["series"][0]["instances"], 20);
  const fs::path folder = expectOneSeriesInAnatomicalOrder(brainSlices());
  // Patient / Study / Series.
  EXPECT_EQ(std::distance(folder.begin(), folder.end()), 3) << folder;
  EXPECT_EQ(fs::path(report["series"][0]["folder"].get<std::string>()), out_ / folder);
}

TEST_F(CliImport, CliImportHar_FirefoxHar_SameResult) {
  CF_REQUIRE_FILE(brainSlice(1));
  const auto run = importHar({writeHar("firefox.har", brainBodies({5, 1, 3, 2, 4}), HarFlavour::Firefox)});
  ASSERT_EQ(run.exitCode, kExitOk) << describe(run);
  EXPECT_EQ(count(run.json(), "stored"), 5);
  expectOneSeriesInAnatomicalOrder({brainSlice(1), brainSlice(2), brainSlice(3), brainSlice(4), brainSlice(5)});
}

TEST_F(CliImport, CliImportHar_MultipartBody_FilesEveryInstance) {
  CF_REQUIRE_FILE(brainSlice(1));
  const std::vector<int> numbers = {9, 6, 8, 7};
  std::vector<std::string> parts;
  for (int n : numbers) parts.push_back(readFile(brainSlice(n)));
  HarBody body = dicomBody("https://pacs/dicom-web/studies/1/series/2",
                           makeMultipart(parts, "abc123boundary"),
                           "multipart/related; type=\"application/dicom\"; boundary=abc123boundary");
  body.mimeType = "multipart/related";  // HAR writers often drop the boundary from mimeType
  const auto run = importHar({writeHar("multipart.har", {body})});
  ASSERT_EQ(run.exitCode, kExitOk) << describe(run);
  EXPECT_EQ(count(run.json(), "stored"), 4);
  expectOneSeriesInAnatomicalOrder({brainSlice(6), brainSlice(7), brainSlice(8), brainSlice(9)});
}

TEST_F(CliImport, CliImportHar_EveryDaikonTransferSyntax_StoredByteIdentical) {
  const char* files[] = {"deflated.dcm",       "explicit_big.dcm",   "explicit_little.dcm",
                         "implicit_little.dcm", "jpeg_2000.dcm",      "jpeg_baseline_8bit.dcm",
                         "jpeg_lossless_sel1.dcm", "jpeg_ls.dcm",     "rle.dcm"};
  std::vector<HarBody> bodies;
  std::set<std::string> originals;
  for (const char* file : files) {
    CF_REQUIRE_FILE(daikonDir() / file);
    bodies.push_back(dicomBody(wadoUrl(file), readFile(daikonDir() / file)));
    originals.insert(bodies.back().bytes);
  }
  bodies[0].contentType = "application/octet-stream";
  bodies[1].contentType = "image/png";  // mislabelled, still DICOM
  const auto run = importHar({writeHar("syntaxes.har", bodies)});
  ASSERT_EQ(run.exitCode, kExitOk) << describe(run);
  const auto report = run.json();
  EXPECT_EQ(count(report, "stored"), 9) << run.out;
  std::set<std::string> filed;
  for (const auto& file : listDicomFiles(out_)) filed.insert(readFile(out_ / file));
  EXPECT_EQ(filed, originals);
}

TEST_F(CliImport, CliImportHar_NonDicomMix_CountedNotDicom) {
  CF_REQUIRE_FILE(brainSlice(1));
  std::vector<HarBody> bodies = brainBodies({1});
  HarBody html;
  html.url = "https://hospital/viewer/index.html";
  html.contentType = "text/html; charset=utf-8";
  html.bytes = "<!doctype html><html><head><title>Viewer</title></head><body></body></html>";
  html.base64 = false;
  HarBody js;
  js.url = "https://hospital/viewer/app.js";
  js.contentType = "application/javascript";
  js.bytes = "import {x} from './y.js'; console.log(x);";
  js.base64 = false;
  HarBody png;
  png.url = "https://hospital/wado?requestType=WADO&objectUID=1";
  png.contentType = "image/png";
  png.bytes = std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10\0\0\0\x10\x08\x02\0\0\0", 29);
  HarBody css;
  css.url = "https://hospital/viewer/app.css";
  css.contentType = "text/css";
  css.bytes = "body{margin:0}";
  css.base64 = false;
  bodies.insert(bodies.end(), {html, js, png, css});
  const auto run = importHar({writeHar("mix.har", bodies)});
  ASSERT_EQ(run.exitCode, kExitOk) << describe(run);
  const auto report = run.json();
  EXPECT_EQ(count(report, "stored"), 1);
  EXPECT_EQ(count(report, "not-dicom"), 4);
  EXPECT_EQ(count(report, "rejected"), 0);
  EXPECT_EQ(listDicomFiles(out_).size(), 1u);
  std::string reasons;
  for (const auto& entry : report["notDicom"]) reasons += entry["reason"].get<std::string>() + "\n";
  EXPECT_NE(reasons.find("web page"), std::string::npos) << reasons;
  EXPECT_NE(reasons.find("rendered picture"), std::string::npos) << reasons;
}

TEST_F(CliImport, CliImportHar_TruncatedAndCorruptBodies_RejectedWithReasons) {
  CF_REQUIRE_FILE(brainSlice(1));
  const std::string whole = readFile(brainSlice(2));
  std::vector<HarBody> bodies = brainBodies({1});
  bodies.push_back(dicomBody(wadoUrl("truncated"), whole.substr(0, whole.size() / 2)));
  std::string corrupt = whole;
  // Smash the first dataset element's length: the dataset cannot be parsed past it.
  const std::size_t datasetStart = whole.size() - datasetAfterMeta(whole).size();
  for (std::size_t i = datasetStart; i < datasetStart + 64 && i < corrupt.size(); ++i) corrupt[i] = '\xff';
  bodies.push_back(dicomBody(wadoUrl("corrupt"), corrupt));
  for (const char* file : {"MR_truncated.dcm", "rtplan_truncated.dcm"}) {
    CF_REQUIRE_FILE(pydicomDir() / file);
    bodies.push_back(dicomBody(wadoUrl(file), readFile(pydicomDir() / file)));
  }
  const auto run = importHar({writeHar("broken.har", bodies)});
  ASSERT_EQ(run.exitCode, kExitOk) << "bodies that are not usable are reported, not errors\n" << describe(run);
  const auto report = run.json();
  EXPECT_EQ(count(report, "stored"), 1);
  EXPECT_EQ(count(report, "rejected"), 4) << run.out;
  for (const auto& entry : report["rejected"]) {
    EXPECT_FALSE(entry["reason"].get<std::string>().empty());
    EXPECT_FALSE(entry["example"].get<std::string>().empty());
  }
  EXPECT_EQ(listDicomFiles(out_).size(), 1u);
}

TEST_F(CliImport, CliImportHar_BadBase64_RejectedOthersFiled) {
  CF_REQUIRE_FILE(brainSlice(1));
  std::vector<HarBody> bodies = brainBodies({1, 2});
  bodies[1].rawText = "!!!not*base64@@@" + base64Encode("abc");
  const auto run = importHar({writeHar("base64.har", bodies)});
  ASSERT_EQ(run.exitCode, kExitOk) << describe(run);
  const auto report = run.json();
  EXPECT_EQ(count(report, "stored"), 1);
  EXPECT_EQ(count(report, "rejected"), 1);
  ASSERT_EQ(report["rejected"].size(), 1u);
  EXPECT_NE(report["rejected"][0]["reason"].get<std::string>().find("base64"), std::string::npos) << run.out;
}

TEST_F(CliImport, CliImportHar_DuplicateEntry_CountsOneDuplicate) {
  CF_REQUIRE_FILE(brainSlice(1));
  const auto run = importHar({writeHar("dup.har", brainBodies({3, 4, 3}))});
  ASSERT_EQ(run.exitCode, kExitOk) << describe(run);
  const auto report = run.json();
  EXPECT_EQ(count(report, "stored"), 2);
  EXPECT_EQ(count(report, "duplicate"), 1);
  EXPECT_EQ(listDicomFiles(out_).size(), 2u);
}

TEST_F(CliImport, CliImportHar_ExplicitBigVsBrain013_OneKeptReportSaysWhy) {
  CF_REQUIRE_FILE(brainSlice(13));
  CF_REQUIRE_FILE(daikonDir() / "explicit_big.dcm");
  const std::string brain = readFile(brainSlice(13)), big = readFile(daikonDir() / "explicit_big.dcm");
  const auto run = importHar({writeHar("same-uid.har", {dicomBody(wadoUrl("a"), brain), dicomBody(wadoUrl("b"), big)})});
  ASSERT_EQ(run.exitCode, kExitOk) << describe(run);
  const auto report = run.json();
  EXPECT_EQ(count(report, "stored"), 1);
  EXPECT_EQ(count(report, "kept-worse") + count(report, "replaced"), 1) << run.out;
  ASSERT_EQ(report["copyDecisions"].size(), 1u) << run.out;
  const std::string decision = report["copyDecisions"][0];
  EXPECT_NE(decision.find("0.0.0.0.1.8811.2.13.20010413115754.12432"), std::string::npos) << decision;
  EXPECT_NE(decision.find("kept"), std::string::npos) << decision;
  const auto files = listDicomFiles(out_);
  ASSERT_EQ(files.size(), 1u);
  const std::string kept = readFile(out_ / files[0]);
  EXPECT_TRUE(kept == brain || kept == big);
  // The text report says it too.
  fs::remove_all(out_);
  const auto text = importHar({dir_.path() / "same-uid.har"}, false);
  EXPECT_NE(text.out.find("copy kept:"), std::string::npos) << text.out;
}

TEST_F(CliImport, CliImportHar_SameHarTwice_SecondRunAllDuplicates) {
  CF_REQUIRE_FILE(brainSlice(1));
  const fs::path har = writeHar("brain.har", brainBodies({4, 2, 6, 1, 3, 5}));
  const auto first = importHar({har});
  ASSERT_EQ(first.exitCode, kExitOk) << describe(first);
  EXPECT_EQ(count(first.json(), "stored"), 6);
  const auto before = listFiles(out_);
  const auto second = importHar({har});
  ASSERT_EQ(second.exitCode, kExitOk) << describe(second);
  EXPECT_EQ(count(second.json(), "stored"), 0);
  EXPECT_EQ(count(second.json(), "duplicate"), 6);
  EXPECT_EQ(listFiles(out_), before);
}

TEST_F(CliImport, CliImportHar_MoreSlicesLater_AddsOnlyNewAndRenumbers) {
  CF_REQUIRE_FILE(brainSlice(1));
  const auto first = importHar({writeHar("part1.har", brainBodies({2, 4, 6, 8, 10}))});
  ASSERT_EQ(first.exitCode, kExitOk) << describe(first);
  const auto second = importHar({writeHar("part2.har", brainBodies({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}))});
  ASSERT_EQ(second.exitCode, kExitOk) << describe(second);
  EXPECT_EQ(count(second.json(), "stored"), 5);
  EXPECT_EQ(count(second.json(), "duplicate"), 5);
  std::vector<fs::path> originals;
  for (int n = 1; n <= 10; ++n) originals.push_back(brainSlice(n));
  expectOneSeriesInAnatomicalOrder(originals);
  for (const auto& name : listFiles(out_, true)) EXPECT_EQ(name.find(".cf-move-"), std::string::npos) << name;
}

TEST_F(CliImport, CliImportHar_TwoHarsInOneRun_BothFiled) {
  CF_REQUIRE_FILE(brainSlice(1));
  const auto run = importHar({writeHar("a.har", brainBodies({1, 2})), writeHar("b.har", brainBodies({3, 2}))});
  ASSERT_EQ(run.exitCode, kExitOk) << describe(run);
  EXPECT_EQ(count(run.json(), "stored"), 3);
  EXPECT_EQ(count(run.json(), "duplicate"), 1);
  EXPECT_EQ(run.json()["inputs"].size(), 2u);
}

TEST_F(CliImport, CliImportHar_CutInTheMiddle_Exit3EntriesBeforeCutFiled) {
  CF_REQUIRE_FILE(brainSlice(1));
  const std::vector<int> numbers = {1, 2, 3, 4, 5};
  const std::string har = makeHar(brainBodies(numbers));
  // Cut in the middle of the fourth entry's base64 text. (Every slice's text starts alike, with the encoded
  // preamble: look for a piece from the middle.)
  const std::string fourth = base64Encode(readFile(brainSlice(4)));
  const std::string middle = fourth.substr(fourth.size() / 2, 256);
  const std::size_t at = har.find(middle);
  ASSERT_NE(at, std::string::npos);
  ASSERT_EQ(har.find(middle, at + 1), std::string::npos) << "a piece of the fourth entry only";
  const fs::path path = dir_.path() / "cut.har";
  writeFile(path, har.substr(0, at));
  const auto run = importHar({path});
  EXPECT_EQ(run.exitCode, kExitCut) << describe(run);
  const auto report = run.json();
  ASSERT_FALSE(report.is_discarded()) << run.out;
  EXPECT_EQ(count(report, "stored"), 3);
  expectOneSeriesInAnatomicalOrder({brainSlice(1), brainSlice(2), brainSlice(3)});
  EXPECT_NE(run.err.find("cut.har"), std::string::npos) << run.err;
  EXPECT_FALSE(run.err.empty());
  EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << "one line: " << run.err;
  ASSERT_EQ(report["inputs"].size(), 1u);
  EXPECT_TRUE(report["inputs"][0]["partial"].get<bool>());
  // The message says where it stopped: a byte offset or an entry number.
  const std::string problem = report["inputs"][0]["problem"];
  EXPECT_TRUE(problem.find("byte") != std::string::npos || problem.find("entry") != std::string::npos) << problem;
}

TEST_F(CliImport, CliImportHar_NotAHar_Exit2OneLine) {
  const fs::path path = dir_.path() / "notes.har";
  writeFile(path, "these are my notes, not a HAR at all\n");
  const auto run = importHar({path});
  EXPECT_EQ(run.exitCode, kExitUnreadable) << describe(run);
  EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
  EXPECT_NE(run.err.find("notes.har"), std::string::npos) << run.err;
  EXPECT_TRUE(listDicomFiles(out_).empty());
}

TEST_F(CliImport, CliImportHar_JsonWithoutEntries_Exit2) {
  const fs::path path = dir_.path() / "other.json";
  writeFile(path, R"({"name":"package","version":"1.0.0"})");
  const auto run = importHar({path});
  EXPECT_EQ(run.exitCode, kExitUnreadable) << describe(run);
}

TEST_F(CliImport, CliImportHar_MissingFile_Exit2) {
  const auto run = importHar({dir_.path() / "does-not-exist.har"});
  EXPECT_EQ(run.exitCode, kExitUnreadable) << describe(run);
  EXPECT_NE(run.err.find("does-not-exist.har"), std::string::npos) << run.err;
  EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
}

TEST_F(CliImport, CliImportHar_UnreadableBeatsCut_Exit2) {
  CF_REQUIRE_FILE(brainSlice(1));
  const std::string har = makeHar(brainBodies({1, 2}));
  const fs::path cut = dir_.path() / "cut.har";
  writeFile(cut, har.substr(0, har.size() * 3 / 4));
  const auto run = importHar({cut, dir_.path() / "missing.har"});
  EXPECT_EQ(run.exitCode, kExitUnreadable) << describe(run);
}

TEST_F(CliImport, CliImportHar_OutUnderProc_Exit4OneLine) {
  CF_REQUIRE_FILE(brainSlice(1));
  out_ = "/proc/cloudfilm-cannot-be-here";
  const auto run = importHar({writeHar("brain.har", brainBodies({1}))});
  EXPECT_EQ(run.exitCode, kExitUnwritable) << describe(run);
  EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
  EXPECT_NE(run.err.find("/proc/cloudfilm-cannot-be-here"), std::string::npos) << run.err;
}

TEST_F(CliImport, CliImportHar_OutUnderAFile_Exit4OneLine) {
  CF_REQUIRE_FILE(brainSlice(1));
  writeFile(dir_.path() / "plain-file", "x");
  out_ = dir_.path() / "plain-file" / "library";
  const auto run = importHar({writeHar("brain.har", brainBodies({1}))});
  EXPECT_EQ(run.exitCode, kExitUnwritable) << describe(run);
  EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
  EXPECT_EQ(readFile(dir_.path() / "plain-file"), "x");
}

TEST_F(CliImport, Cli_NoArguments_Exit1) {
  const auto run = runCli({});
  EXPECT_EQ(run.exitCode, kExitUsage) << describe(run);
  EXPECT_NE(run.err.find("--help"), std::string::npos) << run.err;
  EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
}

TEST_F(CliImport, Cli_UsageErrors_Exit1) {
  EXPECT_EQ(runCli({"import-har", "x.har"}).exitCode, kExitUsage) << "no --out";
  EXPECT_EQ(runCli({"import-har", "--out", out_.string()}).exitCode, kExitUsage) << "no input";
  EXPECT_EQ(runCli({"frobnicate", "--out", out_.string()}).exitCode, kExitUsage);
  EXPECT_EQ(runCli({"import", "x", "--out", out_.string(), "--bogus"}).exitCode, kExitUsage);
  EXPECT_EQ(runCli({"import", "x", "--out"}).exitCode, kExitUsage);
  EXPECT_FALSE(fs::exists(out_)) << "usage errors create nothing";
}

TEST_F(CliImport, Cli_Help_ListsExitCodes) {
  const auto run = runCli({"--help"});
  EXPECT_EQ(run.exitCode, kExitOk);
  for (const char* text : {"import-har", "import ", "--out", "--json", "Exit status", "  3 ", "  4 "})
    EXPECT_NE(run.out.find(text), std::string::npos) << text;
}

TEST_F(CliImport, CliImport_Folder_SameLayoutAsHar) {
  CF_REQUIRE_FILE(brainSlice(1));
  std::vector<int> numbers;
  for (int n = 1; n <= 20; ++n) numbers.push_back(n);
  shuffleDeterministically(numbers, 7);
  const auto viaHar = importHar({writeHar("brain.har", brainBodies(numbers))});
  ASSERT_EQ(viaHar.exitCode, kExitOk) << describe(viaHar);
  const auto harLayout = listDicomFiles(out_);

  out_ = dir_.path() / "out-folder";
  const auto viaFolder = runCli({"import", volumeDir().string(), "--out", out_.string(), "--json"});
  ASSERT_EQ(viaFolder.exitCode, kExitOk) << describe(viaFolder);
  EXPECT_EQ(count(viaFolder.json(), "stored"), 20);
  EXPECT_EQ(listDicomFiles(out_), harLayout) << "same folders, same names";
  for (const auto& file : harLayout)
    EXPECT_EQ(readFile(out_ / file), readFile(dir_.path() / "out" / file)) << file;
  for (const auto& slice : brainSlices()) EXPECT_TRUE(fs::exists(slice)) << "originals untouched";
}

TEST_F(CliImport, CliImport_SingleFilesAndNonDicom_Reported) {
  CF_REQUIRE_FILE(brainSlice(1));
  writeFile(dir_.path() / "readme.txt", "hello");
  const auto run = runCli({"import", brainSlice(1).string(), (dir_.path() / "readme.txt").string(), "--out",
                           out_.string(), "--json"});
  ASSERT_EQ(run.exitCode, kExitOk) << describe(run);
  EXPECT_EQ(count(run.json(), "stored"), 1);
  EXPECT_EQ(count(run.json(), "not-dicom"), 1);
}

TEST_F(CliImport, CliImport_OutInsideInput_NotReimported) {
  CF_REQUIRE_FILE(brainSlice(1));
  const fs::path input = dir_.path() / "input";
  fs::create_directories(input);
  fs::copy_file(brainSlice(1), input / "a.dcm");
  fs::copy_file(brainSlice(2), input / "b");
  out_ = input / "library";
  const auto first = runCli({"import", input.string(), "--out", out_.string(), "--json"});
  ASSERT_EQ(first.exitCode, kExitOk) << describe(first);
  EXPECT_EQ(count(first.json(), "stored"), 2);
  const auto second = runCli({"import", input.string(), "--out", out_.string(), "--json"});
  ASSERT_EQ(second.exitCode, kExitOk) << describe(second);
  EXPECT_EQ(count(second.json(), "duplicate"), 2) << "the library's own files are not read as input";
  EXPECT_EQ(listDicomFiles(out_).size(), 2u);
}

TEST_F(CliImport, CliImport_MissingPath_Exit2) {
  const auto run = runCli({"import", (dir_.path() / "nope").string(), "--out", out_.string()});
  EXPECT_EQ(run.exitCode, kExitUnreadable) << describe(run);
}

TEST_F(CliImport, CliList_AfterImport_ShowsSeries) {
  CF_REQUIRE_FILE(brainSlice(1));
  ASSERT_EQ(importHar({writeHar("brain.har", brainBodies({1, 2, 3}))}).exitCode, kExitOk);
  const auto list = runCli({"list", "--out", out_.string(), "--json"});
  ASSERT_EQ(list.exitCode, kExitOk) << describe(list);
  const auto json = list.json();
  ASSERT_EQ(json["series"].size(), 1u);
  EXPECT_EQ(json["series"][0]["instances"], 3);
  const auto text = runCli({"list", "--out", out_.string()});
  EXPECT_NE(text.out.find("3 slices"), std::string::npos) << text.out;
}

TEST_F(CliImport, CliImportHar_TextReport_Readable) {
  CF_REQUIRE_FILE(brainSlice(1));
  const auto run = importHar({writeHar("brain.har", brainBodies({1, 2}))}, false);
  ASSERT_EQ(run.exitCode, kExitOk) << describe(run);
  EXPECT_NE(run.out.find("Stored 2 new instance(s)"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("Series:"), std::string::npos) << run.out;
  EXPECT_TRUE(run.err.empty()) << run.err;
}

TEST_F(CliImport, CliImportHar_NothingLeftInWorkFolders) {
  CF_REQUIRE_FILE(brainSlice(1));
  std::vector<HarBody> bodies = brainBodies({1, 2});
  bodies.push_back(dicomBody(wadoUrl("cut"), readFile(brainSlice(3)).substr(0, 1000)));
  ASSERT_EQ(importHar({writeHar("brain.har", bodies)}).exitCode, kExitOk);
  const fs::path tmp = out_ / ".cloudfilm" / "tmp";
  if (fs::exists(tmp)) EXPECT_EQ(countEntries(tmp), 0u) << "work folders removed at exit";
}

// A study downloaded with a site's own button, beside another site's series ZIP: DICOM under IMAGE/ next to a viewer
// program (wehzsy), `*.dcm.pk` entries (radonline), a folder of loose files too. Every kept file is the original.
TEST_F(CliImport, CliImport_FolderWithStudyZips_EveryFileByteIdentical) {
  CF_REQUIRE_FILE(brainSlice(20));
  const fs::path input = dir_.path() / "downloads";
  fs::create_directories(input / "loose");
  std::vector<ZipItem> study = {{"IMAGE/", "", false, false, true}};
  for (int n = 1; n <= 10; ++n) study.push_back({"IMAGE/S0001/I" + std::to_string(n), readFile(brainSlice(n))});
  study.push_back({"Viewer.exe", std::string("MZ\x90\0\x03", 5) + std::string(20000, '\x01')});
  study.push_back({"autorun.inf", "[autorun]\r\nopen=Viewer.exe\r\n"});
  writeFile(input / "study.zip", makeZip(study));
  std::vector<ZipItem> series;
  for (int n = 11; n <= 17; ++n) {
    char name[32];
    std::snprintf(name, sizeof name, "%04d.dcm.pk", n);
    series.push_back({name, readFile(brainSlice(n)), n % 2 == 0});  // some stored, some deflated
  }
  writeFile(input / "radonline-series.zip", makeZip(series));
  for (int n = 18; n <= 20; ++n) fs::copy_file(brainSlice(n), input / "loose" / ("slice" + std::to_string(n)));

  const auto run = runCli({"import", input.string(), "--out", out_.string(), "--json"});
  ASSERT_EQ(run.exitCode, kExitOk) << describe(run);
  const auto report = run.json();
  EXPECT_EQ(count(report, "stored"), 20) << run.out;
  EXPECT_EQ(count(report, "not-dicom"), 2) << run.out;  // the viewer program and autorun.inf, one result each
  expectOneSeriesInAnatomicalOrder(brainSlices());
  EXPECT_TRUE(fs::exists(input / "study.zip")) << "the ZIP is read where it is, never moved";

  const auto again = runCli({"import", (input / "study.zip").string(), "--out", out_.string(), "--json"});
  ASSERT_EQ(again.exitCode, kExitOk) << describe(again);
  EXPECT_EQ(count(again.json(), "duplicate"), 10) << again.out;
  EXPECT_EQ(listDicomFiles(out_).size(), 20u);
}

TEST_F(CliImport, CliImport_HostileZip_ReasonsAndOnlyWholeEntriesKept) {
  const fs::path input = dir_.path() / "hostile";
  fs::create_directories(input);
  const std::string whole = makePart10(SyntheticImage{});
  const std::string zip = makeZip({{"a.dcm", whole}, {"b.dcm", makePart10(SyntheticImage{})}});
  writeFile(input / "cut.zip", zip.substr(0, zip.find("b.dcm") + 5 + 100));  // a download cut inside b.dcm
  writeFile(input / "locked.zip", makeZip({{"../../x.dcm", makePart10(SyntheticImage{}), false, true}}));
  const auto run = runCli({"import", input.string(), "--out", out_.string()});
  ASSERT_EQ(run.exitCode, kExitOk) << describe(run);
  EXPECT_NE(run.out.find("this ZIP is cut off"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("this ZIP is password-protected"), std::string::npos) << run.out;
  const auto kept = listDicomFiles(out_);
  ASSERT_EQ(kept.size(), 1u) << run.out;
  EXPECT_EQ(readFile(out_ / kept[0]), whole);
  EXPECT_FALSE(fs::exists(dir_.path() / "x.dcm"));
}

TEST_F(CliImport, CliImportHar_SocketIoMessagesAndZipBodies_ByteIdentical) {
  CF_REQUIRE_FILE(brainSlice(20));
  std::vector<HarBody::SocketMessage> messages = {{"send", 1, "42[\"sendMessage\",{}]"}};
  for (int n = 1; n <= 10; ++n) {
    messages.push_back({"receive", 1, "451-[\"dicom\",{\"_placeholder\":true,\"num\":0}]"});
    messages.push_back({"receive", 2, socketIoMessage(readFile(brainSlice(n)))});
  }
  std::vector<HarBody> bodies = {webSocketBody("wss://film.example/socket.io/?EIO=4&transport=websocket", messages)};
  for (int n = 11; n <= 20; ++n)
    bodies.push_back(dicomBody(wadoUrl("PK:" + std::to_string(n)),
                               makeZip({{std::to_string(n) + ".dcm", readFile(brainSlice(n))}}), "image/jpeg"));
  const auto run = importHar({writeHar("socket-and-zips.har", bodies)});
  ASSERT_EQ(run.exitCode, kExitOk) << describe(run);
  EXPECT_EQ(count(run.json(), "stored"), 20) << run.out;
  EXPECT_EQ(count(run.json(), "not-dicom"), 0) << run.out;
  expectOneSeriesInAnatomicalOrder(brainSlices());
}

}  // namespace
}  // namespace cloudfilm
