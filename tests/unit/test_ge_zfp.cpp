// vendor/ge_zfp through ingest::Ingestor on a real store: GE's ZFP viewer sends, over one WebSocket, the study's
// description (gzip JSON), then per image the line "CMDGETOBJ <uid>#<frame>", a JSON header and the raw pixels
// (padded). The messages make sense only in order on their socket; the image is rebuilt with the study's real UIDs.
#include <zlib.h>

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "body/gzip.h"
#include "ingest/ingestor.h"
#include "test_files.h"
#include "vendor/ge_zfp_formats.h"

namespace cloudfilm {
namespace {

using namespace cloudfilm::test;
using ingest::BodyMeta;
using ingest::Ingestor;
using ingest::ObjectResult;
using ingest::Outcome;
using Json = nlohmann::json;

constexpr const char* kStudy = "1.2.826.0.1.3680043.8.498.1";
constexpr const char* kSeries = "1.2.826.0.1.3680043.8.498.1.2";
constexpr const char* kSop = "1.2.826.0.1.3680043.8.498.1.2.3";
constexpr const char* kMrImage = "1.2.840.10008.5.1.4.1.1.4";
constexpr const char* kSocketUrl = "wss://film.example.cn/zfp/socket";

std::string gzip(const std::string& text) {
  z_stream stream{};
  EXPECT_EQ(deflateInit2(&stream, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&stream, text.size()) + 64, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  stream.avail_in = static_cast<uInt>(text.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&stream, Z_FINISH), Z_STREAM_END);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return out;
}

Json studyJson(std::uint32_t frames = 1) {
  return Json{{"StudyInstanceUid", kStudy}, {"PatientName", "王^小明"}, {"PatientId", "P123456"},
              {"StudyDate", "20260302"}, {"StudyDescription", "胸部平扫"},
              {"Series", {{{"SeriesInstanceUid", kSeries}, {"SeriesNumber", 3}, {"SeriesDescription", "T2 ax"},
                           {"Modality", "MR"},
                           {"Sops", {{{"SopInstanceUid", kSop}, {"SopClassUid", kMrImage},
                                      {"NumberOfFrames", frames}, {"ImageNumber", 7}}}}}}}};
}

Json headerJson(int rows = 8, int columns = 8) {
  return Json{{"Rows", rows}, {"Columns", columns}, {"SamplesPerPixel", 1}, {"BitsAllocated", 16},
              {"BitsStored", 12}, {"HighBit", 11}, {"PixelRepresentation", 0},
              {"PhotometricInterpretation", "MONOCHROME2"}, {"RescaleSlope", "1"}, {"RescaleIntercept", "0"},
              {"PixelSpacing", "0.9375\\0.9375"}, {"ImagePosition", "-120.5\\-110\\37.5"},
              {"ImageOrientation", "1\\0\\0\\0\\1\\0"}, {"ImageNumber", 7}, {"SliceThickness", "5"},
              {"WindowCenter", "600"}, {"WindowWidth", "1200"}, {"FrameOfReferenceUid", "1.2.826.0.1.3680043.8.498.9"}};
}

std::string ramp(std::size_t pixels = 64) {
  std::string bytes;
  for (std::size_t i = 0; i < pixels; ++i) {
    const auto value = static_cast<std::uint16_t>(i * 37 % 4096);
    bytes.push_back(static_cast<char>(value & 0xFF));
    bytes.push_back(static_cast<char>(value >> 8));
  }
  return bytes;
}

class GeZfpRebuild : public ::testing::Test {
 protected:
  void SetUp() override {
    store_.emplace(dir_.path() / "library");
    ingestor_.emplace(*store_);
  }

  // One socket message through the ingestor, numbered on its socket as the extension numbers them.
  ObjectResult message(const std::string& bytes, const char* contentType = "application/octet-stream",
                       std::uint64_t number = 0, const std::string& socket = "7|wss://film.example.cn/zfp/socket|1") {
    BodyMeta m;
    m.url = kSocketUrl;
    m.contentType = contentType;
    m.streamKey = socket;
    m.streamMessage = number ? number : ++messages_;
    messages_ = m.streamMessage;
    const auto results = ingestor_->ingestBody(m, bytes);
    EXPECT_EQ(results.size(), 1u);
    return results.empty() ? ObjectResult{} : results[0];
  }
  // The three messages of one object; returns the pixel message's result.
  ObjectResult object(const std::string& pixels, const Json& header = headerJson(), const std::string& token = kSop) {
    EXPECT_EQ(message("CMDGETOBJ " + token, "text/plain").outcome, Outcome::KeptForReconstruction);
    const auto judged = message(header.dump(), "application/json");
    EXPECT_EQ(judged.outcome, Outcome::KeptForReconstruction) << judged.reason;
    return message(pixels);
  }
  std::vector<ObjectResult> filed() {
    std::vector<ObjectResult> out;
    for (auto& r : ingestor_->rebuildFromPieces())
      if (r.rebuilt) out.push_back(std::move(r));
    return out;
  }
  bool load(DcmFileFormat& file) {
    store_->commit();
    const auto* kept = store_->find(kSop);
    if (!kept) return false;
    return loadDicomFile(file, store_->root() / platform::pathFromUtf8(kept->relativePath));
  }
  static std::string str(DcmDataset& ds, const DcmTagKey& key) {
    OFString value;
    ds.findAndGetOFStringArray(key, value);
    return value.c_str();
  }

  TempDir dir_;
  std::optional<store::Store> store_;
  std::optional<Ingestor> ingestor_;
  std::uint64_t messages_ = 0;
};

TEST_F(GeZfpRebuild, StudyThenObject_FileWithTheStudysUidsAndPixelsWithoutPadding) {
  EXPECT_EQ(message(gzip(studyJson().dump())).outcome, Outcome::KeptForReconstruction);
  const std::string pixels = ramp();
  EXPECT_EQ(object(pixels + std::string(16 - pixels.size() % 16 + 6, '\0')).outcome, Outcome::KeptForReconstruction);
  const auto results = filed();
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].outcome, Outcome::Stored);
  EXPECT_EQ(results[0].info.rebuiltFrom, "ge-zfp-study");
  EXPECT_FALSE(results[0].info.derivedIdentifiers);
  DcmFileFormat file;
  ASSERT_TRUE(load(file));
  DcmDataset& ds = *file.getDataset();
  EXPECT_EQ(str(ds, DCM_SOPClassUID), kMrImage);
  EXPECT_EQ(str(ds, DCM_StudyInstanceUID), kStudy);
  EXPECT_EQ(str(ds, DCM_SeriesInstanceUID), kSeries);
  EXPECT_EQ(str(ds, DCM_SeriesNumber), "3");
  EXPECT_EQ(str(ds, DCM_InstanceNumber), "7");
  EXPECT_EQ(str(ds, DCM_PixelSpacing), "0.9375\\0.9375");
  EXPECT_EQ(str(ds, DCM_ImagePositionPatient), "-120.5\\-110\\37.5");
  EXPECT_EQ(str(ds, DCM_WindowCenter), "600");
  EXPECT_EQ(str(ds, DCM_HighBit), "11");
  EXPECT_EQ(file.getMetaInfo() ? str(*reinterpret_cast<DcmDataset*>(file.getMetaInfo()), DCM_TransferSyntaxUID) : "",
            "1.2.840.10008.1.2.1");
  const Uint8* data = nullptr;
  unsigned long count = 0;
  ASSERT_TRUE(ds.findAndGetUint8Array(DCM_PixelData, data, &count).good());
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(data), count), pixels);
  EXPECT_EQ(ingestor_->piecesWaiting(), 0u);
}

// A header past the 512 bytes generic recognition reads (a CT's, with long decimals) is judged whole.
TEST_F(GeZfpRebuild, AHeaderLongerThanTheRecognitionHeadIsReadWhole) {
  message(gzip(studyJson().dump()));
  Json header = headerJson();
  header["ImagePosition"] = "-158.135803000000\\-179.035797000000\\-75.699997000000";
  header["Comment"] = std::string(600, 'x');
  ASSERT_GT(header.dump().size(), 512u);
  EXPECT_EQ(object(ramp(), header).outcome, Outcome::KeptForReconstruction);
  EXPECT_EQ(filed().size(), 1u);
}

TEST_F(GeZfpRebuild, ObjectBeforeTheStudy_WaitsWithAReasonThenFiles) {
  object(ramp());
  auto results = ingestor_->rebuildFromPieces();
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].outcome, Outcome::KeptForReconstruction);
  EXPECT_NE(results[0].reason.find("study's description"), std::string::npos) << results[0].reason;
  EXPECT_EQ(ingestor_->piecesWaiting(), 1u);
  message(gzip(studyJson().dump()));
  EXPECT_EQ(filed().size(), 1u);
}

TEST_F(GeZfpRebuild, AShortPixelMessageIsAPreview_NeverFiled) {
  message(gzip(studyJson().dump()));
  const auto result = object(ramp(16));  // a 4 x 4 preview of the 8 x 8 image
  EXPECT_EQ(result.outcome, Outcome::Preview);
  EXPECT_NE(result.reason.find("preview"), std::string::npos);
  EXPECT_TRUE(filed().empty());
}

TEST_F(GeZfpRebuild, APixelMessageFarLongerThanItsHeaderSaysIsRefused) {
  message(gzip(studyJson().dump()));
  const auto result = object(std::string(200000, '\1'));
  EXPECT_EQ(result.outcome, Outcome::NotDicom);
  EXPECT_NE(result.reason.find("far more than"), std::string::npos) << result.reason;
  EXPECT_TRUE(filed().empty());
}

// Without the header just before it on the same socket, a binary message is nobody's pixels.
TEST_F(GeZfpRebuild, PixelsOnlyRightAfterTheirHeaderOnTheSameSocket) {
  message(gzip(studyJson().dump()));
  EXPECT_EQ(message("CMDGETOBJ " + std::string(kSop), "text/plain").outcome, Outcome::KeptForReconstruction);
  EXPECT_EQ(message(headerJson().dump(), "application/json").outcome, Outcome::KeptForReconstruction);
  // The pixels on another socket, then on this one after a gap (a message the extension did not forward).
  EXPECT_EQ(message(ramp(), "application/octet-stream", 0, "7|wss://film.example.cn/zfp/socket|2").outcome,
            Outcome::NotDicom);
  EXPECT_EQ(message(ramp(), "application/octet-stream", messages_ + 2).outcome, Outcome::NotDicom);
  // An HTTP answer is never ZFP's.
  BodyMeta http;
  http.url = "https://film.example.cn/x";
  http.contentType = "application/octet-stream";
  EXPECT_EQ(ingestor_->ingestBody(http, "CMDGETOBJ " + std::string(kSop))[0].outcome, Outcome::NotDicom);
  EXPECT_TRUE(filed().empty());
}

TEST_F(GeZfpRebuild, HostileHeadersAndLinesAreRefusedWithAReason) {
  message(gzip(studyJson().dump()));
  EXPECT_EQ(message("CMDGETOBJ not-a-uid#0", "text/plain").outcome, Outcome::NotDicom);
  EXPECT_EQ(message("CMDGETOBJ 1.2.3#99999999999", "text/plain").outcome, Outcome::NotDicom);
  const auto with = [](const char* key, Json value) {
    Json header = headerJson();
    header[key] = std::move(value);
    return header;
  };
  const std::vector<Json> hostile{headerJson(0, 8), headerJson(70000, 8), with("BitsAllocated", 12),
                                  with("SamplesPerPixel", 3), with("HighBit", 15), with("PixelRepresentation", "maybe")};
  for (const Json& header : hostile) {
    EXPECT_EQ(message("CMDGETOBJ " + std::string(kSop), "text/plain").outcome, Outcome::KeptForReconstruction);
    const auto result = message(header.dump(), "application/json");
    EXPECT_EQ(result.outcome, Outcome::NotDicom) << header.dump();
    EXPECT_NE(result.reason.find("cannot be kept"), std::string::npos) << result.reason;
  }
  EXPECT_TRUE(filed().empty());
}

TEST_F(GeZfpRebuild, AGzipBombStudyIsRefusedWithoutHoldingIt) {
  const std::string bomb = gzip(R"({"StudyInstanceUid":"1.2.3","PatientName":")" + std::string(40u << 20, 'A') + "\"}");
  EXPECT_LT(bomb.size(), 1u << 20);
  EXPECT_EQ(message(bomb).outcome, Outcome::KeptForReconstruction);  // recognised from its first bytes
  const auto refused = ingestor_->rebuildFromPieces();  // read whole, and refused
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(refused[0].outcome, Outcome::Rejected);
  EXPECT_NE(refused[0].reason.find("more than 16 MiB"), std::string::npos) << refused[0].reason;
  object(ramp());
  const auto results = ingestor_->rebuildFromPieces();
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].outcome, Outcome::KeptForReconstruction);  // the image still waits for a usable study
}

TEST_F(GeZfpRebuild, PiecesSurviveARestart) {
  message(gzip(studyJson().dump()));
  object(ramp());
  ingestor_.reset();
  store_.reset();
  store_.emplace(dir_.path() / "library");
  ingestor_.emplace(*store_);
  EXPECT_EQ(filed().size(), 1u);
}

TEST_F(GeZfpRebuild, MultiFrameImagesWaitForEveryFrame) {
  message(gzip(studyJson(2).dump()));
  object(ramp(), headerJson(), std::string(kSop) + "#0");
  auto results = ingestor_->rebuildFromPieces();
  ASSERT_EQ(results.size(), 1u);
  EXPECT_NE(results[0].reason.find("frames 1 of 2"), std::string::npos) << results[0].reason;
  object(ramp(), headerJson(), std::string(kSop) + "#1");
  const auto done = filed();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].info.numberOfFrames, 2u);
}

// A study that announces 10,000 frames of 512 x 512 for one image (5 GB): refused at its first frame, never read into
// memory frame after frame.
TEST_F(GeZfpRebuild, AnImageOfMoreThan2GiBIsRefusedAtItsFirstFrame) {
  message(gzip(studyJson(10000).dump()));
  object(ramp(512 * 512), headerJson(512, 512), std::string(kSop) + "#0");
  const auto results = ingestor_->rebuildFromPieces();
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].outcome, Outcome::Rejected);
  EXPECT_NE(results[0].reason.find("more than 2 GiB"), std::string::npos) << results[0].reason;
  EXPECT_EQ(ingestor_->piecesWaiting(), 0u);
}

TEST(GeZfpFormats, CommandLinesAndStudies) {
  using namespace vendor::gezfp;
  EXPECT_EQ(parseCommandLine("CMDGETOBJ 1.2.3#4")->frame, 4u);
  EXPECT_EQ(parseCommandLine("CMDGETOBJ 1.2.3")->sopInstanceUid, "1.2.3");
  for (const char* bad : {"CMDGETOBJ", "CMDGETOBJ ", "CMDGETOBJ 1.02.3#0", "CMDGETOBJ 1.2.3#", "CMDGETOBJ 1.2.3#-1",
                          "cmdgetobj 1.2.3#0", "CMDGETOBJ 1.2.3#0#0"})
    EXPECT_FALSE(parseCommandLine(bad)) << bad;
  EXPECT_THROW(parseStudy("[]"), std::invalid_argument);
  EXPECT_THROW(parseStudy(R"({"StudyInstanceUid":"x"})"), std::invalid_argument);
  const Study study = parseStudy(R"({"StudyInstanceUid":"1.2.3","Series":[{"SeriesInstanceUid":"bad"},
      {"SeriesInstanceUid":"1.2.3.4","Sops":[{"SopInstanceUid":"1.2.3.4.5"},{"SopInstanceUid":"1.2.3.4.6",
      "SopClassUid":"1.2.840.10008.5.1.4.1.1.2","NumberOfFrames":"100000"}, 5, null]}]})");
  ASSERT_EQ(study.series.size(), 1u);
  ASSERT_EQ(study.series[0].sops.size(), 1u);  // the one without a class is left out
  EXPECT_EQ(study.series[0].sops[0].frames, 1u);  // an absurd frame count is not believed
  std::string many = R"({"StudyInstanceUid":"1.2.3","Series":[{"SeriesInstanceUid":"1.2.3.4","Sops":[)";
  for (int i = 0; i < 10000; ++i)
    many += std::string(i ? "," : "") + R"({"SopInstanceUid":"1.2.3.4.)" + std::to_string(i + 1) +
            R"(","SopClassUid":"1.2.3"})";
  many += "]}]}";
  EXPECT_EQ(parseStudy(many, 5000).series[0].sops.size(), 5000u);
}

TEST(Gzip, BoundedWholeAndPrefix) {
  const std::string text(100000, 'x');
  const std::string packed = gzip(text);
  EXPECT_EQ(body::gunzip(packed, 1 << 20), text);
  std::string problem;
  EXPECT_FALSE(body::gunzip(packed, 1000, body::GunzipStop::Whole, &problem));
  EXPECT_NE(problem.find("more than"), std::string::npos);
  EXPECT_EQ(body::gunzip(packed, 1000, body::GunzipStop::Prefix)->size(), 1000u);
  EXPECT_EQ(body::gunzip(packed.substr(0, 40), 1000, body::GunzipStop::Prefix)->substr(0, 5), "xxxxx");
  EXPECT_FALSE(body::gunzip(packed.substr(0, packed.size() / 2), 1 << 20, body::GunzipStop::Whole, &problem));
  EXPECT_NE(problem.find("cut short"), std::string::npos);
  std::string damaged = packed;
  damaged[12] ^= 0x55;
  EXPECT_FALSE(body::gunzip(damaged, 1 << 20));
  EXPECT_FALSE(body::gunzip("not gzip", 1 << 20));
}

}  // namespace
}  // namespace cloudfilm
