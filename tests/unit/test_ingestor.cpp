// ingest/ingestor: untrusted bodies -> kept instances, through real DCMTK parsing and a real store on disk.
#include "ingest/ingestor.h"

#include <gtest/gtest.h>

#include <set>

#include "dicom/dataset_sniff.h"
#include "dicom/dicom_file.h"
#include "store/path_policy.h"
#include "test_files.h"

namespace cloudfilm {
namespace {

using namespace cloudfilm::test;
using ingest::BodyMeta;
using ingest::Ingestor;
using ingest::Outcome;

class IngestorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dicom::initialize().has_value());
    store_.emplace(dir_.path() / "library");
    ingestor_.emplace(*store_);
  }

  // Nothing half-written stays in the work folder after any call.
  void TearDown() override { EXPECT_EQ(countEntries(store_->workDir()), 0u) << "work folder not empty"; }

  static BodyMeta meta(const std::string& contentType, const std::string& url = "https://pacs/wado") {
    BodyMeta m;
    m.url = url;
    m.status = 200;
    m.contentType = contentType;
    return m;
  }

  fs::path root() const { return store_->root(); }

  TempDir dir_;
  std::optional<store::Store> store_;
  std::optional<Ingestor> ingestor_;
};

TEST_F(IngestorTest, Ingestor_Part10Body_StoredByteIdentical) {
  const std::string bytes = makePart10(SyntheticImage{});
  const auto results = ingestor_->ingestBody(meta("application/dicom"), bytes);
  store_->commit();
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].outcome, Outcome::Stored);
  EXPECT_EQ(results[0].part, 0u);
  EXPECT_EQ(readFile(results[0].file), bytes);
}

TEST_F(IngestorTest, Ingestor_MultipartWithThreeParts_ThreeInstancesByteIdentical) {
  CF_REQUIRE_FILE(brainSlice(3));
  const std::vector<std::string> parts = {readFile(brainSlice(3)), readFile(brainSlice(1)), readFile(brainSlice(2))};
  const std::string body = makeMultipart(parts, "DICOMwebBoundary");
  const auto results = ingestor_->ingestBody(
      meta("multipart/related; type=\"application/dicom\"; boundary=DICOMwebBoundary",
           "https://pacs/dicom-web/studies/1/series/2"),
      body);
  store_->commit();
  ASSERT_EQ(results.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(results[i].outcome, Outcome::Stored) << results[i].reason;
    EXPECT_EQ(results[i].part, i + 1);
  }
  const auto files = listDicomFiles(root());
  ASSERT_EQ(files.size(), 3u);
  std::set<std::string> filed, sent(parts.begin(), parts.end());
  for (const auto& file : files) filed.insert(readFile(root() / file));
  EXPECT_EQ(filed, sent) << "every part filed byte for byte";
}

TEST_F(IngestorTest, Ingestor_MultipartPartsWithoutContentType_TakeTypeParameter) {
  const std::vector<std::string> parts = {makePart10(SyntheticImage{}), makePart10(SyntheticImage{})};
  const std::string body = makeMultipart(parts, "b", "");
  const auto results = ingestor_->ingestBody(meta("multipart/related; type=\"application/dicom\"; boundary=b"), body);
  ASSERT_EQ(results.size(), 2u);
  for (const auto& r : results) EXPECT_EQ(r.outcome, Outcome::Stored) << r.reason;
}

TEST_F(IngestorTest, Ingestor_MultipartWithoutBoundaryParameter_BoundaryFromBody) {
  const std::vector<std::string> parts = {makePart10(SyntheticImage{}), makePart10(SyntheticImage{})};
  const auto results = ingestor_->ingestBody(meta("multipart/related"), makeMultipart(parts, "fromBody123"));
  ASSERT_EQ(results.size(), 2u);
  for (const auto& r : results) EXPECT_EQ(r.outcome, Outcome::Stored) << r.reason;
}

TEST_F(IngestorTest, Ingestor_MultipartCutInTheMiddle_KeepsCompletePartsReportsCut) {
  const std::vector<std::string> parts = {makePart10(SyntheticImage{}), makePart10(SyntheticImage{}),
                                          makePart10(SyntheticImage{})};
  const std::string body = makeMultipart(parts, "cut");
  // Cut inside the third part's bytes.
  const std::size_t thirdStart = body.rfind(parts[2].substr(0, 200));
  ASSERT_NE(thirdStart, std::string::npos);
  const std::string cut = body.substr(0, thirdStart + parts[2].size() / 2);
  const auto results = ingestor_->ingestBody(meta("multipart/related; boundary=cut"), cut);
  store_->commit();
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0].outcome, Outcome::Stored);
  EXPECT_EQ(results[1].outcome, Outcome::Stored);
  EXPECT_EQ(results[2].outcome, Outcome::Rejected);
  EXPECT_EQ(results[2].part, 3u);
  EXPECT_NE(results[2].reason.find("cut off"), std::string::npos) << results[2].reason;
  EXPECT_NE(results[2].reason.find("2 complete part"), std::string::npos) << results[2].reason;
  const auto files = listDicomFiles(root());
  ASSERT_EQ(files.size(), 2u);
  std::set<std::string> filed;
  for (const auto& file : files) filed.insert(readFile(root() / file));
  EXPECT_EQ(filed, (std::set<std::string>{parts[0], parts[1]}));
}

TEST_F(IngestorTest, Ingestor_MultipartWithBrokenPart_OthersKept) {
  const std::string good = makePart10(SyntheticImage{});
  const std::string truncated = makePart10(SyntheticImage{}).substr(0, 400);
  const auto results =
      ingestor_->ingestBody(meta("multipart/related; boundary=x"), makeMultipart({truncated, good}, "x"));
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].outcome, Outcome::Rejected);
  EXPECT_FALSE(results[0].reason.empty());
  EXPECT_EQ(results[1].outcome, Outcome::Stored);
}

TEST_F(IngestorTest, Ingestor_NestedMultipart_Rejected) {
  const std::string inner = makeMultipart({makePart10(SyntheticImage{})}, "inner");
  const auto results = ingestor_->ingestBody(meta("multipart/mixed; boundary=outer"),
                                             makeMultipart({inner}, "outer", "multipart/related; boundary=inner"));
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].outcome, Outcome::Rejected);
  EXPECT_TRUE(listDicomFiles(root()).empty());
}

TEST_F(IngestorTest, Ingestor_BareDataset_WrappedDatasetBytesKept) {
  for (E_TransferSyntax xfer : {EXS_LittleEndianImplicit, EXS_LittleEndianExplicit, EXS_BigEndianExplicit}) {
    SyntheticImage image;
    const std::string bare = makeBareDataset(image, xfer);
    const auto results = ingestor_->ingestBody(meta("application/octet-stream"), bare);
    ASSERT_EQ(results.size(), 1u);
    EXPECT_EQ(results[0].outcome, Outcome::Stored) << results[0].reason;
    const std::string kept = readFile(results[0].file);
    EXPECT_TRUE(dicom::hasPart10Signature(kept));
    EXPECT_EQ(datasetAfterMeta(kept), bare);
    EXPECT_EQ(store_->find(*image.sopInstanceUid)->origin, store::Origin::Wrapped);
  }
}

TEST_F(IngestorTest, Ingestor_PydicomNoMetaFile_Wrapped) {
  const auto path = pydicomDir() / "rtstruct.dcm";
  CF_REQUIRE_FILE(path);
  const std::string bare = readFile(path);
  const auto results = ingestor_->ingestBody(meta("application/dicom"), bare);
  ASSERT_EQ(results.size(), 1u);
  ASSERT_EQ(results[0].outcome, Outcome::Stored) << results[0].reason;
  EXPECT_EQ(datasetAfterMeta(readFile(results[0].file)), bare);
}

TEST_F(IngestorTest, Ingestor_WrappedThenServed_ServedReplaces) {
  SyntheticImage image;
  const std::string served = makePart10(image, EXS_LittleEndianExplicit);
  const std::string bare = datasetAfterMeta(served);
  ASSERT_EQ(ingestor_->ingestBody(meta("application/dicom"), bare)[0].outcome, Outcome::Stored);
  const auto second = ingestor_->ingestBody(meta("application/dicom"), served);
  EXPECT_EQ(second[0].outcome, Outcome::Replaced) << second[0].reason;
  store_->commit();
  EXPECT_EQ(readFile(root() / listDicomFiles(root()).front()), served);
}

TEST_F(IngestorTest, Ingestor_NonDicomBodies_NeverTouchDisk) {
  const auto before = listFiles(root(), true);
  const std::pair<std::string, std::string> bodies[] = {
      {"text/html", "<!doctype html><html><body>viewer</body></html>"},
      {"application/javascript", "export function main() {}"},
      {"image/png", std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16)},
      {"image/jpeg", std::string("\xff\xd8\xff\xe0\0\x10JFIF", 10)},
      {"application/dicom", ""},
      {"application/dicom", std::string(1000, 'q')},
  };
  for (const auto& [type, bytes] : bodies) {
    const auto results = ingestor_->ingestBody(meta(type), bytes);
    ASSERT_EQ(results.size(), 1u);
    EXPECT_EQ(results[0].outcome, Outcome::NotDicom) << type;
    EXPECT_FALSE(results[0].reason.empty()) << type;
    EXPECT_TRUE(results[0].file.empty());
  }
  EXPECT_EQ(listFiles(root(), true), before) << "nothing written anywhere in the library";
}

TEST_F(IngestorTest, Ingestor_TruncatedPart10_RejectedNothingFiled) {
  CF_REQUIRE_FILE(brainSlice(4));
  const std::string whole = readFile(brainSlice(4));
  for (std::size_t cut : {std::size_t{200}, whole.size() / 3, whole.size() - 10}) {
    const auto results = ingestor_->ingestBody(meta("application/dicom"), whole.substr(0, cut));
    ASSERT_EQ(results.size(), 1u);
    EXPECT_EQ(results[0].outcome, Outcome::Rejected) << "cut at " << cut;
    EXPECT_FALSE(results[0].reason.empty());
  }
  EXPECT_TRUE(listDicomFiles(root()).empty());
}

TEST_F(IngestorTest, Ingestor_DicomJsonAndFrames_KeptForReconstruction) {
  const auto json = ingestor_->ingestBody(meta("application/dicom+json", "https://pacs/dicom-web/studies/1/metadata"),
                                          R"([{"00080018":{"vr":"UI","Value":["1.2.3"]}}])");
  ASSERT_EQ(json.size(), 1u);
  EXPECT_EQ(json[0].outcome, Outcome::KeptForReconstruction);
  EXPECT_TRUE(store::isInside(store_->reconstructionDir(), json[0].file) || json[0].file.parent_path() == store_->reconstructionDir());
  const auto frames = ingestor_->ingestBody(
      meta("image/jls", "https://pacs/dicom-web/studies/1/series/2/instances/3/frames/1"), "\xff\xd8\xff\xf7 frame");
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].outcome, Outcome::KeptForReconstruction);
  EXPECT_TRUE(listDicomFiles(root()).empty()) << "nothing in the patient folders";
}

TEST_F(IngestorTest, Ingestor_BodyFile_ConsumedMovedIntoLibrary) {
  const std::string bytes = makePart10(SyntheticImage{});
  const fs::path staged = store_->workDir() / "staged-body";
  writeFile(staged, bytes);
  const auto results = ingestor_->ingestBodyFile(meta("application/dicom"), staged);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].outcome, Outcome::Stored);
  EXPECT_FALSE(fs::exists(staged));
  EXPECT_EQ(readFile(results[0].file), bytes);
}

TEST_F(IngestorTest, Ingestor_BodyFileRejected_Deleted) {
  const fs::path staged = store_->workDir() / "staged-body";
  writeFile(staged, makePart10(SyntheticImage{}).substr(0, 300));
  const auto results = ingestor_->ingestBodyFile(meta("application/dicom"), staged);
  EXPECT_EQ(results[0].outcome, Outcome::Rejected);
  EXPECT_FALSE(fs::exists(staged));
}

TEST_F(IngestorTest, Ingestor_ExistingFile_CopiedOriginalUntouched) {
  CF_REQUIRE_FILE(brainSlice(7));
  const fs::path original = dir_.path() / "brain.dcm";
  fs::copy_file(brainSlice(7), original);
  const auto before = fs::last_write_time(original);
  const auto results = ingestor_->ingestExistingFile(original);
  ASSERT_EQ(results.size(), 1u);
  const auto& result = results[0];
  EXPECT_EQ(result.outcome, Outcome::Stored);
  EXPECT_TRUE(fs::exists(original));
  EXPECT_EQ(fs::last_write_time(original), before);
  EXPECT_EQ(readFile(result.file), readFile(brainSlice(7)));
}

// Saving staged captures copies files: a copy rebuilt from DICOMweb must stay "rebuilt" in the output folder, so
// that the original file, when it arrives there, still wins.
TEST_F(IngestorTest, Ingestor_ExistingFileWithKnownOrigin_KeepsIt) {
  CF_REQUIRE_FILE(brainSlice(13));
  const fs::path sameSopOtherBytes = daikonDir() / "explicit_big.dcm";
  CF_REQUIRE_FILE(sameSopOtherBytes);
  ASSERT_EQ(ingestor_->ingestExistingFile(brainSlice(13), store::Origin::Rebuilt).at(0).outcome, Outcome::Stored);
  const auto original = ingestor_->ingestExistingFile(sameSopOtherBytes).at(0);
  EXPECT_EQ(original.outcome, Outcome::Replaced) << original.reason;
  EXPECT_NE(original.reason.find("served"), std::string::npos) << original.reason;
  EXPECT_EQ(readFile(original.file), readFile(sameSopOtherBytes));
}

TEST_F(IngestorTest, Ingestor_ExistingFileMissing_RejectedWithReason) {
  const auto result = ingestor_->ingestExistingFile(dir_.path() / "no-such.dcm").at(0);
  EXPECT_EQ(result.outcome, Outcome::Rejected);
  EXPECT_NE(result.reason.find("cannot read"), std::string::npos) << result.reason;
}

TEST_F(IngestorTest, Ingestor_SamePart10Twice_Duplicate) {
  const std::string bytes = makePart10(SyntheticImage{});
  EXPECT_EQ(ingestor_->ingestBody(meta("application/dicom"), bytes)[0].outcome, Outcome::Stored);
  EXPECT_EQ(ingestor_->ingestBody(meta("application/dicom"), bytes)[0].outcome, Outcome::Duplicate);
}

TEST_F(IngestorTest, Ingestor_OutcomeNames_Stable) {
  EXPECT_STREQ(ingest::outcomeName(Outcome::Stored), "stored");
  EXPECT_STREQ(ingest::outcomeName(Outcome::Duplicate), "duplicate");
  EXPECT_STREQ(ingest::outcomeName(Outcome::Replaced), "replaced");
  EXPECT_STREQ(ingest::outcomeName(Outcome::KeptWorse), "kept-worse");
  EXPECT_STREQ(ingest::outcomeName(Outcome::KeptForReconstruction), "kept-for-reconstruction");
  EXPECT_STREQ(ingest::outcomeName(Outcome::NotDicom), "not-dicom");
  EXPECT_STREQ(ingest::outcomeName(Outcome::Rejected), "rejected");
}

}  // namespace
}  // namespace cloudfilm
