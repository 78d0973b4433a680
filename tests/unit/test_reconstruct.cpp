// dicomweb/reconstructor: DICOMweb metadata + frames kept aside by the ingestor, rebuilt into filed Part-10 files.
#include "dicomweb/reconstructor.h"

#include <gtest/gtest.h>

#include "dicom/dicom_file.h"
#include "ingest/ingestor.h"
#include "store/store.h"
#include "test_files.h"

namespace cloudfilm {
namespace {

using dicomweb::frameTransferSyntax;
using dicomweb::parseFrameList;
using dicomweb::parseInstancePath;
using ingest::Outcome;
using nlohmann::json;
using namespace cloudfilm::test;

constexpr const char* kStudy = "1.2.826.0.1.3680043.8.498.1";
constexpr const char* kSeries = "1.2.826.0.1.3680043.8.498.2";

TEST(ReconstructPaths, InstancePathIgnoresTheHost) {
  const auto a = parseInstancePath("http://localhost:8042/dicom-web/studies/1.2/series/3.4/instances/5.6/frames/1,2");
  const auto b = parseInstancePath("https://pacs.example.org/orthanc/dicom-web/studies/1.2/series/3.4/instances/5.6");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->key(), b->key());
  EXPECT_EQ(a->rest, "frames/1,2");
  EXPECT_EQ(b->rest, "");
  EXPECT_FALSE(parseInstancePath("http://x/dicom-web/studies/1.2/series/3.4/metadata"));
  EXPECT_EQ(cloudfilm::urlPath("http://h:1/a/b%2Cc?x=1#f"), "/a/b,c?x=1");
}

TEST(ReconstructPaths, FrameLists) {
  EXPECT_EQ(parseFrameList("1,2,3"), (std::vector<std::uint32_t>{1, 2, 3}));
  EXPECT_EQ(parseFrameList("7%2C8"), (std::vector<std::uint32_t>{7, 8}));
  EXPECT_TRUE(parseFrameList("0").empty());
  EXPECT_TRUE(parseFrameList("1,,2").empty());
  EXPECT_TRUE(parseFrameList("x").empty());
  EXPECT_TRUE(parseFrameList("99999999999").empty());
}

TEST(ReconstructPaths, TransferSyntaxFromContentType) {
  EXPECT_EQ(frameTransferSyntax("application/octet-stream"), "1.2.840.10008.1.2.1");
  EXPECT_EQ(frameTransferSyntax("application/octet-stream; transfer-syntax=1.2.840.10008.1.2"), "1.2.840.10008.1.2");
  EXPECT_EQ(frameTransferSyntax("image/jls"), "1.2.840.10008.1.2.4.80");
  EXPECT_EQ(frameTransferSyntax("image/jls; transfer-syntax=1.2.840.10008.1.2.4.81"), "1.2.840.10008.1.2.4.81");
  EXPECT_EQ(frameTransferSyntax("image/jpeg; transfer-syntax=1.2.840.10008.1.2.4.70"), "1.2.840.10008.1.2.4.70");
  EXPECT_EQ(frameTransferSyntax("image/dicom-rle"), "1.2.840.10008.1.2.5");
  EXPECT_EQ(frameTransferSyntax("image/jp2"), "1.2.840.10008.1.2.4.90");
  EXPECT_EQ(frameTransferSyntax("image/jp2; transfer-syntax=1.2.840.10008.1.2.4.91"), "1.2.840.10008.1.2.4.91");
  EXPECT_EQ(frameTransferSyntax("text/html"), "");
}

class Reconstruct : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dicom::initialize().has_value());
    store_ = std::make_unique<store::Store>(dir_ / "library");
    ingestor_ = std::make_unique<ingest::Ingestor>(*store_);
  }

  std::string base() const {
    return std::string("http://orthanc:8042/dicom-web/studies/") + kStudy + "/series/" + kSeries;
  }

  json instanceJson(const std::string& sop, int frames, int bits = 16) const {
    json j = {{"00080016", {{"vr", "UI"}, {"Value", {"1.2.840.10008.5.1.4.1.1.4"}}}},
              {"00080018", {{"vr", "UI"}, {"Value", {sop}}}},
              {"00080060", {{"vr", "CS"}, {"Value", {"MR"}}}},
              {"00100010", {{"vr", "PN"}, {"Value", {{{"Alphabetic", "TEST^PATIENT"}}}}}},
              {"0020000D", {{"vr", "UI"}, {"Value", {kStudy}}}},
              {"0020000E", {{"vr", "UI"}, {"Value", {kSeries}}}},
              {"00200013", {{"vr", "IS"}, {"Value", {1}}}},
              {"00280002", {{"vr", "US"}, {"Value", {1}}}},
              {"00280004", {{"vr", "CS"}, {"Value", {"MONOCHROME2"}}}},
              {"00280010", {{"vr", "US"}, {"Value", {4}}}},
              {"00280011", {{"vr", "US"}, {"Value", {4}}}},
              {"00280100", {{"vr", "US"}, {"Value", {bits}}}},
              {"00280101", {{"vr", "US"}, {"Value", {bits}}}},
              {"00280102", {{"vr", "US"}, {"Value", {bits - 1}}}},
              {"00280103", {{"vr", "US"}, {"Value", {0}}}}};
    if (frames > 1) j["00280008"] = {{"vr", "IS"}, {"Value", {frames}}};
    return j;
  }

  void metadata(const json& instances, const std::string& url = "") {
    ingest::BodyMeta meta{url.empty() ? base() + "/metadata" : url, 200, "application/dicom+json", 0};
    const auto results = ingestor_->ingestBody(meta, instances.dump());
    ASSERT_EQ(results.size(), 1u);
    ASSERT_EQ(results[0].outcome, Outcome::KeptForReconstruction);
  }

  // One multipart frames body, as Orthanc sends it, for `frames` of instance `sop`.
  void frames(const std::string& sop, const std::vector<std::uint32_t>& numbers, const std::vector<std::string>& data,
              const std::string& partType) {
    std::string list;
    for (auto n : numbers) list += (list.empty() ? "" : ",") + std::to_string(n);
    std::string body;
    for (const auto& frame : data)
      body += "--B\r\nContent-Type: " + partType + "\r\nContent-Length: " + std::to_string(frame.size()) + "\r\n\r\n" +
              frame + "\r\n";
    body += "--B--\r\n";
    ingest::BodyMeta meta{base() + "/instances/" + sop + "/frames/" + list, 200,
                          "multipart/related; type=\"" + partType + "\"; boundary=B", 0};
    for (const auto& result : ingestor_->ingestBody(meta, body))
      ASSERT_EQ(result.outcome, Outcome::KeptForReconstruction) << result.reason;
  }

  std::size_t keptAside() const {
    std::size_t n = 0;
    for (const auto& entry : fs::directory_iterator(store_->reconstructionDir()))
      if (entry.path().extension() == ".bin") ++n;
    return n;
  }

  TempDir dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<ingest::Ingestor> ingestor_;
};

TEST_F(Reconstruct, NativeFramesBecomeAFiledFile) {
  metadata(json::array({instanceJson("1.2.3.100", 2)}));
  frames("1.2.3.100", {1, 2}, {std::string(32, '\x01'), std::string(32, '\x02')},
         "application/octet-stream; transfer-syntax=1.2.840.10008.1.2.1");
  EXPECT_EQ(keptAside(), 3u);
  const auto results = ingestor_->rebuildFromPieces();
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].outcome, Outcome::Stored) << results[0].reason;
  EXPECT_TRUE(results[0].rebuilt);
  EXPECT_EQ(results[0].info.numberOfFrames, 2u);
  EXPECT_EQ(results[0].info.transferSyntaxUid, "1.2.840.10008.1.2.1");
  const auto* kept = store_->find("1.2.3.100");
  ASSERT_NE(kept, nullptr);
  EXPECT_EQ(kept->origin, store::Origin::Rebuilt);
  ASSERT_EQ(store_->series().size(), 1u);
  EXPECT_EQ(store_->series()[0].rebuilt, 1u);
  EXPECT_EQ(keptAside(), 0u);  // consumed
  const auto file = readFile(store_->root() / kept->relativePath);
  EXPECT_NE(file.find(std::string(32, '\x01') + std::string(32, '\x02')), std::string::npos);
  EXPECT_TRUE(ingestor_->rebuildFromPieces().empty());
}

TEST_F(Reconstruct, CompressedFramesAreEncapsulated) {
  metadata(json::array({instanceJson("1.2.3.101", 3, 8)}));
  const std::string jls("\xFF\xD8\xFF\xF7 compressed \xFF\xD9", 17);
  frames("1.2.3.101", {1, 2, 3}, {jls, jls, jls}, "image/jls; transfer-syntax=1.2.840.10008.1.2.4.80");
  const auto results = ingestor_->rebuildFromPieces();
  ASSERT_EQ(results.size(), 1u);
  ASSERT_EQ(results[0].outcome, Outcome::Stored) << results[0].reason;
  EXPECT_EQ(results[0].info.transferSyntaxUid, "1.2.840.10008.1.2.4.80");
  EXPECT_TRUE(results[0].info.encapsulatedPixelData);
}

TEST_F(Reconstruct, IncompleteIsListedNotFiledAndCompletedLater) {
  metadata(json::array({instanceJson("1.2.3.102", 4)}));
  const std::string frame(32, '\x05');
  frames("1.2.3.102", {1, 4}, {frame, frame}, "application/octet-stream");
  auto results = ingestor_->rebuildFromPieces();
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].outcome, Outcome::KeptForReconstruction);
  EXPECT_FALSE(results[0].rebuilt);
  EXPECT_EQ(results[0].reason, "instance 1.2.3.102: frames 2-3 of 4 missing");
  // Named from its metadata, so the popup can say which series to scroll through.
  EXPECT_EQ(results[0].info.patientName, "TEST^PATIENT");
  EXPECT_EQ(results[0].info.modality, "MR");
  EXPECT_EQ(results[0].info.instanceNumber, 1);
  EXPECT_EQ(store_->size(), 0u);
  EXPECT_EQ(keptAside(), 3u);

  frames("1.2.3.102", {2, 3}, {frame, frame}, "application/octet-stream");
  results = ingestor_->rebuildFromPieces();
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].outcome, Outcome::Stored) << results[0].reason;
  EXPECT_EQ(keptAside(), 0u);
}

TEST_F(Reconstruct, WrongFrameLengthIsListed) {
  metadata(json::array({instanceJson("1.2.3.103", 1)}));
  frames("1.2.3.103", {1}, {std::string(30, '\x01')}, "application/octet-stream");
  const auto results = ingestor_->rebuildFromPieces();
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].outcome, Outcome::KeptForReconstruction);
  EXPECT_NE(results[0].reason.find("frame 1 is 30 bytes"), std::string::npos) << results[0].reason;
  EXPECT_EQ(store_->size(), 0u);
}

TEST_F(Reconstruct, NotJpegDataUnderAJpegTypeIsListed) {
  metadata(json::array({instanceJson("1.2.3.104", 1)}));
  frames("1.2.3.104", {1}, {std::string("<html>", 6)}, "image/jpeg; transfer-syntax=1.2.840.10008.1.2.4.70");
  const auto results = ingestor_->rebuildFromPieces();
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].outcome, Outcome::KeptForReconstruction);
  EXPECT_NE(results[0].reason.find("is not"), std::string::npos) << results[0].reason;
}

TEST_F(Reconstruct, MetadataMissing) {
  frames("1.2.3.105", {1}, {std::string(32, '\x01')}, "application/octet-stream");
  const auto results = ingestor_->rebuildFromPieces();
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].reason, "instance 1.2.3.105: metadata missing");
  EXPECT_EQ(results[0].info.seriesInstanceUid, kSeries);
}

TEST_F(Reconstruct, SearchResultsAreNotMetadata) {
  // A QIDO answer is DICOM JSON too, but describes instances only in part: never a file, and never kept as a piece
  // waiting to be rebuilt (issue 18: "24 DICOMweb parts kept for rebuilding" after everything was saved).
  json qido = instanceJson("1.2.3.106", 1);
  ingest::BodyMeta meta{base() + "/instances?limit=100", 200, "application/dicom+json", 0};
  const auto search = ingestor_->ingestBody(meta, json::array({qido}).dump());
  ASSERT_EQ(search.size(), 1u);
  EXPECT_EQ(search[0].outcome, Outcome::SearchAnswer);
  EXPECT_EQ(keptAside(), 0u);
  frames("1.2.3.106", {1}, {std::string(32, '\x01')}, "application/octet-stream");
  const auto results = ingestor_->rebuildFromPieces();
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].reason, "instance 1.2.3.106: metadata missing");
  EXPECT_EQ(ingestor_->piecesWaiting(), 1u);  // the frame only
}

TEST_F(Reconstruct, AnOriginalAlreadyKeptWinsAndTheBodiesGo) {
  SyntheticImage image;
  image.sopInstanceUid = "1.2.3.107";
  image.studyInstanceUid = kStudy;
  image.seriesInstanceUid = kSeries;
  image.rows = image.columns = 4;
  ingest::BodyMeta wado{"http://orthanc/wado?objectUID=1.2.3.107", 200, "application/dicom", 0};
  ASSERT_EQ(ingestor_->ingestBody(wado, makePart10(image)).at(0).outcome, Outcome::Stored);
  metadata(json::array({instanceJson("1.2.3.107", 1)}));
  frames("1.2.3.107", {1}, {std::string(32, '\x01')}, "application/octet-stream");
  EXPECT_TRUE(ingestor_->rebuildFromPieces().empty());
  EXPECT_EQ(store_->find("1.2.3.107")->origin, store::Origin::Served);
  EXPECT_EQ(keptAside(), 0u);
}

TEST_F(Reconstruct, AnOriginalArrivingLaterReplacesTheRebuiltCopy) {
  metadata(json::array({instanceJson("1.2.3.108", 1)}));
  frames("1.2.3.108", {1}, {std::string(32, '\x01')}, "application/octet-stream");
  ASSERT_EQ(ingestor_->rebuildFromPieces().at(0).outcome, Outcome::Stored);
  SyntheticImage image;
  image.sopInstanceUid = "1.2.3.108";
  image.studyInstanceUid = kStudy;
  image.seriesInstanceUid = kSeries;
  image.rows = image.columns = 4;
  ingest::BodyMeta wado{"http://orthanc/wado?objectUID=1.2.3.108", 200, "application/dicom", 0};
  EXPECT_EQ(ingestor_->ingestBody(wado, makePart10(image)).at(0).outcome, Outcome::Replaced);
  EXPECT_EQ(store_->find("1.2.3.108")->origin, store::Origin::Served);
}

TEST_F(Reconstruct, HostileMetadataIsRejectedOnceNeverFiled) {
  json bad = instanceJson("1.2.3.109", 1);
  bad["00280030"] = {{"vr", "DS"}, {"Value", {json::object()}}};
  metadata(json::array({bad}));
  frames("1.2.3.109", {1}, {std::string(32, '\x01')}, "application/octet-stream");
  auto results = ingestor_->rebuildFromPieces();
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].outcome, Outcome::Rejected);
  EXPECT_NE(results[0].reason.find("(0028,0030)"), std::string::npos) << results[0].reason;
  EXPECT_EQ(store_->size(), 0u);
  EXPECT_TRUE(ingestor_->rebuildFromPieces().empty());  // not reported again until something new arrives
}

TEST_F(Reconstruct, PixelDataThroughItsBulkDataUri) {
  json instance = instanceJson("1.2.3.110", 1);
  const std::string bulkUrl = base() + "/instances/1.2.3.110/bulk/7fe00010";
  instance["7FE00010"] = {{"vr", "OW"}, {"BulkDataURI", bulkUrl}};
  metadata(json::array({instance}));
  // The page fetched it through its own host; Orthanc's BulkDataURI names Orthanc's.
  std::string url = bulkUrl;
  url.replace(0, std::string("http://orthanc:8042").size(), "https://viewer.example.org/orthanc");
  const std::string body = "--B\r\nContent-Type: application/octet-stream\r\n\r\n" + std::string(32, '\x07') +
                           "\r\n--B--\r\n";
  ingest::BodyMeta meta{url, 200, "multipart/related; type=\"application/octet-stream\"; boundary=B", 0};
  ASSERT_EQ(ingestor_->ingestBody(meta, body).at(0).outcome, Outcome::KeptForReconstruction);
  const auto results = ingestor_->rebuildFromPieces();
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].outcome, Outcome::Stored) << results[0].reason;
  EXPECT_EQ(keptAside(), 0u);
}

}  // namespace
}  // namespace cloudfilm
