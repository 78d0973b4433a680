// vendor/hinacom through ingest::Ingestor on a real store: Hinacom's (海纳医信) viewer never sends a DICOM file, only
// pixels (with an X-ImageFrame header), the study's image set and perhaps each image's tag list. Files are rebuilt
// from those, with the hospital's identifiers when the tag list came, else derived ones; previews and malformed
// answers are never filed, each with a reason.
#include "ingest/ingestor.h"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <set>

#include "dicom/dicom_file.h"
#include "test_files.h"
#include "vendor/hinacom.h"

namespace cloudfilm {
namespace {

using namespace cloudfilm::test;
using ingest::BodyMeta;
using ingest::Ingestor;
using ingest::ObjectResult;
using ingest::Outcome;
using Json = nlohmann::json;

const std::string kSite = "https://film.example.cn";
constexpr const char* kHospitalSop = "1.2.840.113619.2.55.3.1.1";
constexpr const char* kHospitalStudy = "1.2.840.113619.2.55.3.1";
constexpr const char* kHospitalSeries = "1.2.840.113619.2.55.3.1.7";
constexpr const char* kCtImage = "1.2.840.10008.5.1.4.1.1.2";
constexpr const char* kExplicitLittle = "1.2.840.10008.1.2.1";

std::string pixelUrl(const std::string& image, int level = 0, const char* format = "dicom") {
  return kSite + "/hinacom/imageservice/api/image/" + format + "/S1/" + image + "/0/" + std::to_string(level) +
         "?storageNodes=n1&ck=42";
}
std::string tagsUrl(const std::string& image) {
  return kSite + "/hinacom/ImageViewer/GetImageDicomTags?studyId=S1&imageId=" + image + "&frame=0&storageNodes=n1";
}
std::string imageSetUrl() {
  return kSite + "/hinacom/ImageViewer/GetImageSet?studyId=S1&accessionNumber=A123&examuid=&minThickness=5";
}

Json frameHeader(int rows = 16, int columns = 16) {
  return Json{{"compressionFormat", 1}, {"rows", rows}, {"columns", columns}, {"bitsAllocated", 16},
              {"bitsStored", 12}, {"highBit", 11}, {"signed", false}, {"samplesPerPixel", 1},
              {"photometricInterpretation", "MONOCHROME2"}, {"intercept", -1024}, {"slope", 1},
              {"windowCenter", 40}, {"windowWidth", 400}, {"imagePosition", {-120.5, -110, 37.5}},
              {"rowCosines", {1, 0, 0}}, {"columnCosines", {0, 1, 0}}, {"rowPixelSpacing", 0.75},
              {"columnPixelSpacing", 0.5}, {"sliceThickness", 5}, {"sliceLocation", 37.5},
              {"frameOfReferenceUID", "1.2.840.113619.2.55.3.9"}, {"modality", "CT"}};
}

// A 16 x 16 ramp of 12-bit values, 16 bits little endian: every pixel different.
std::string ramp(int rows = 16, int columns = 16, int salt = 0) {
  std::string bytes;
  for (int i = 0; i < rows * columns; ++i) {
    const int value = (i * 16 + salt) & 0x0FFF;
    bytes.push_back(static_cast<char>(value & 0xFF));
    bytes.push_back(static_cast<char>(value >> 8));
  }
  return bytes;
}

Json imageSet(const std::vector<std::string>& images = {"I1"}) {
  Json list = Json::array();
  for (const auto& id : images) list.push_back({{"studyId", "S1"}, {"imageId", id}, {"frame", 0}, {"nFrames", 1}});
  return Json{{"patientName", "王小明"},     {"patientId", "P123456"},
              {"studyDescription", "CT 胸部平扫"}, {"studyDate", "2026-03-02"},
              {"storageNode", "n1"},
              {"displaySets", {{{"description", "5mm"}, {"seriesNumber", 3}, {"modality", "CT"}, {"images", list}}}}};
}

Json tagList(const std::string& sop = kHospitalSop, int rows = 16) {
  const auto tag = [](const char* t, const std::string& value) { return Json{{"tag", t}, {"name", ""}, {"value", value}}; };
  return Json::array({
      tag("0002,0010", "1.2.840.10008.1.2.4.90"),  // the site's meta header: never the file's
      tag("0002,0003", "9.9.9.9"),
      tag("0008,0005", "ISO_IR 192"),
      tag("0008,0016", kCtImage),
      tag("0008,0018", sop),
      tag("0008,0020", "20260302"),
      tag("0008,0060", "CT"),
      tag("0008,103E", "Chest 5mm"),
      tag("0010,0010", "王^小明"),
      tag("0010,0020", "P123456"),
      tag("0020,000D", kHospitalStudy),
      tag("0020,000E", kHospitalSeries),
      tag("0020,0011", "3"),
      tag("0020,0013", "1"),
      tag("0020,0032", "-120.5\\-110\\37.5"),
      tag("0020,0037", "1\\0\\0\\0\\1\\0"),
      tag("0028,0002", "1"),
      tag("0028,0004", "MONOCHROME2"),
      tag("0028,0010", std::to_string(rows)),
      tag("0028,0011", "16"),
      tag("0028,0100", "16"),
      tag("0028,0101", "12"),
      tag("0028,0102", "11"),
      tag("0028,0103", "0"),
      tag("0028,1052", "-1024"),
      tag("0028,1053", "1"),
  });
}

// A JPEG 2000 codestream's main header (SOC, SIZ for one 12-bit component, COD with the 5/3 wavelet) and EOC: what
// recognition and the size check read. Never decoded.
std::string codestreamHeader(std::uint32_t width, std::uint32_t height) {
  const auto be16 = [](std::uint16_t v) { return std::string{static_cast<char>(v >> 8), static_cast<char>(v & 0xFF)}; };
  const auto be32 = [&](std::uint32_t v) { return be16(static_cast<std::uint16_t>(v >> 16)) + be16(v & 0xFFFF); };
  std::string out = std::string("\xFF\x4F\xFF\x51", 4) + be16(41) + be16(0) + be32(width) + be32(height) + be32(0) +
                    be32(0) + be32(width) + be32(height) + be32(0) + be32(0) + be16(1) + std::string("\x0B\x01\x01", 3);
  out += std::string("\xFF\x52", 2) + be16(12) + std::string("\x00\x00\x00\x01\x00\x03\x04\x04\x00\x01", 10);
  out += std::string("\xFF\xD9", 2);
  return out;
}

std::string str(DcmItem& item, const DcmTagKey& tag) {
  OFString value;
  item.findAndGetOFStringArray(tag, value);
  return std::string(value.c_str(), value.length());
}

// A DS value as a number; NaN when absent or not a number.
double number(DcmItem& item, const DcmTagKey& tag, unsigned long index = 0) {
  Float64 value = 0;
  return item.findAndGetFloat64(tag, value, index).good() ? value : std::nan("");
}

class HinacomRebuild : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dicom::initialize().has_value());
    quietDcmtk();
    open();
  }
  void TearDown() override {
    if (store_) EXPECT_EQ(countEntries(store_->workDir()), 0u) << "work folder not empty";
  }

  void open() {
    ingestor_.reset();
    store_.reset();
    store_.emplace(dir_.path() / "library");
    ingestor_.emplace(*store_);
  }

  static BodyMeta meta(const std::string& url, const std::string& contentType,
                       std::map<std::string, std::string> headers = {}) {
    BodyMeta m;
    m.url = url;
    m.status = 200;
    m.contentType = contentType;
    m.headers = std::move(headers);
    return m;
  }

  // One body through the ingestor; it must give exactly one result.
  ObjectResult ingest(const BodyMeta& m, const std::string& bytes) {
    const auto results = ingestor_->ingestBody(m, bytes);
    EXPECT_EQ(results.size(), 1u);
    return results.empty() ? ObjectResult{} : results[0];
  }
  ObjectResult pixels(const std::string& image = "I1", const Json& header = frameHeader(),
                      const std::string& bytes = ramp()) {
    return ingest(meta(pixelUrl(image), "application/octet-stream", {{"x-imageframe", header.dump()}}), bytes);
  }
  ObjectResult json(const std::string& url, const std::string& body) {
    return ingest(meta(url, "application/json; charset=utf-8"), body);
  }

  // The results of a rebuild that filed something (rebuilt) or said it waits.
  std::vector<ObjectResult> filed(const std::vector<ObjectResult>& results) {
    std::vector<ObjectResult> out;
    for (const auto& r : results)
      if (r.rebuilt) out.push_back(r);
    return out;
  }

  // The kept file of `sop`, read with DCMTK, after a commit.
  bool load(const std::string& sop, DcmFileFormat& file) {
    store_->commit();
    const auto* kept = store_->find(sop);
    if (kept == nullptr) {
      ADD_FAILURE() << sop << " is not kept";
      return false;
    }
    const fs::path path = store_->root() / platform::pathFromUtf8(kept->relativePath);
    const bool good = loadDicomFile(file, path);
    EXPECT_TRUE(good) << path;
    return good;
  }

  static std::string pixelBytes(DcmDataset& ds) {
    const Uint8* data = nullptr;
    unsigned long count = 0;
    if (ds.findAndGetUint8Array(DCM_PixelData, data, &count).bad() || data == nullptr) return {};
    return std::string(reinterpret_cast<const char*>(data), count);
  }

  std::string derivedSop(const std::string& image = "I1") {
    return vendor::Hinacom::derivedSopInstanceUid({kSite, "S1", image});
  }

  TempDir dir_;
  std::optional<store::Store> store_;
  std::optional<Ingestor> ingestor_;
};

TEST_F(HinacomRebuild, PixelsThenImageSet_DerivedFileWithTheHeadersGeometry) {
  EXPECT_EQ(pixels().outcome, Outcome::KeptForReconstruction);
  const auto waiting = ingestor_->rebuildFromPieces();
  ASSERT_EQ(waiting.size(), 1u);
  EXPECT_EQ(waiting[0].outcome, Outcome::KeptForReconstruction);
  EXPECT_NE(waiting[0].reason.find("GetImageSet"), std::string::npos) << waiting[0].reason;
  EXPECT_EQ(ingestor_->piecesWaiting(), 1u);

  EXPECT_EQ(json(imageSetUrl(), imageSet().dump()).outcome, Outcome::KeptForReconstruction);
  const auto results = filed(ingestor_->rebuildFromPieces());
  ASSERT_EQ(results.size(), 1u);
  const ObjectResult& r = results[0];
  EXPECT_EQ(r.outcome, Outcome::Stored) << r.reason;
  EXPECT_EQ(r.info.rebuiltFrom, "hinacom-pixels");
  EXPECT_TRUE(r.info.derivedIdentifiers);
  EXPECT_EQ(r.info.sopInstanceUid, derivedSop());
  EXPECT_EQ(r.info.sopInstanceUid.rfind("2.25.", 0), 0u);
  EXPECT_EQ(r.info.studyInstanceUid.rfind("2.25.", 0), 0u);
  EXPECT_EQ(r.info.seriesInstanceUid.rfind("2.25.", 0), 0u);
  EXPECT_NE(r.reason.find("derived"), std::string::npos) << r.reason;
  EXPECT_EQ(ingestor_->piecesWaiting(), 0u);

  DcmFileFormat file;
  ASSERT_TRUE(load(derivedSop(), file));
  DcmDataset& ds = *file.getDataset();
  EXPECT_EQ(pixelBytes(ds), ramp()) << "the pixels as the viewer got them";
  EXPECT_EQ(str(*file.getMetaInfo(), DCM_TransferSyntaxUID), kExplicitLittle);
  // Secondary Capture (a derived image lacks the acquisition attributes CT's or MR's class requires), or the
  // modality's own class; the meta header says the same either way.
  const std::string sopClass = str(ds, DCM_SOPClassUID);
  EXPECT_TRUE(sopClass == "1.2.840.10008.5.1.4.1.1.7" || sopClass == kCtImage) << sopClass;
  EXPECT_EQ(str(*file.getMetaInfo(), DCM_MediaStorageSOPClassUID), sopClass);
  EXPECT_EQ(str(ds, DCM_ImageType), "DERIVED\\SECONDARY");
  EXPECT_NE(str(ds, DCM_DerivationDescription).find("derived"), std::string::npos);
  EXPECT_EQ(str(ds, DcmTagKey(0x0011, 0x0010)), "CLOUDFILM REBUILD 1");
  EXPECT_EQ(str(ds, DcmTagKey(0x0011, 0x1012)), "hinacom-pixels");
  EXPECT_EQ(str(ds, DCM_Rows), "16");
  EXPECT_EQ(str(ds, DCM_Columns), "16");
  EXPECT_EQ(str(ds, DCM_BitsAllocated), "16");
  EXPECT_EQ(str(ds, DCM_BitsStored), "12");
  EXPECT_EQ(str(ds, DCM_HighBit), "11");
  EXPECT_EQ(str(ds, DCM_PixelRepresentation), "0");
  // Numbers as DS text: compared as numbers (any valid DS spelling of the header's value).
  EXPECT_EQ(number(ds, DCM_RescaleIntercept), -1024.0);
  EXPECT_EQ(number(ds, DCM_RescaleSlope), 1.0);
  EXPECT_EQ(number(ds, DCM_WindowCenter), 40.0);
  EXPECT_EQ(number(ds, DCM_WindowWidth), 400.0);
  EXPECT_EQ(number(ds, DCM_ImagePositionPatient, 0), -120.5);
  EXPECT_EQ(number(ds, DCM_ImagePositionPatient, 1), -110.0);
  EXPECT_EQ(number(ds, DCM_ImagePositionPatient, 2), 37.5);
  for (unsigned long i = 0; i < 6; ++i)
    EXPECT_EQ(number(ds, DCM_ImageOrientationPatient, i), (i == 0 || i == 4) ? 1.0 : 0.0) << i;
  EXPECT_EQ(number(ds, DCM_PixelSpacing, 0), 0.75);
  EXPECT_EQ(number(ds, DCM_PixelSpacing, 1), 0.5);
  EXPECT_EQ(number(ds, DCM_SliceThickness), 5.0);
  EXPECT_EQ(number(ds, DCM_SliceLocation), 37.5);
  EXPECT_EQ(str(ds, DCM_FrameOfReferenceUID), "1.2.840.113619.2.55.3.9");
  EXPECT_EQ(str(ds, DCM_Modality), "CT");
  EXPECT_EQ(str(ds, DCM_PatientID), "P123456");
  EXPECT_EQ(str(ds, DCM_StudyDate), "20260302");
  EXPECT_EQ(str(ds, DCM_AccessionNumber), "A123");
  EXPECT_EQ(str(ds, DCM_SeriesDescription), "5mm");
  EXPECT_EQ(str(ds, DCM_SeriesNumber), "3");
  EXPECT_EQ(str(ds, DCM_InstanceNumber), "1");
  EXPECT_EQ(str(ds, DCM_SpecificCharacterSet), "ISO_IR 192");
  EXPECT_EQ(str(ds, DCM_PatientName), "王小明");
  const auto* kept = store_->find(derivedSop());
  ASSERT_NE(kept, nullptr);
  EXPECT_TRUE(kept->info.derivedIdentifiers) << "the index keeps it";
  EXPECT_EQ(kept->info.rebuiltFrom, "hinacom-pixels");
}

TEST_F(HinacomRebuild, ImageSetThenPixels_SameDerivedFile) {
  json(imageSetUrl(), imageSet().dump());
  EXPECT_TRUE(filed(ingestor_->rebuildFromPieces()).empty());
  pixels();
  const auto results = filed(ingestor_->rebuildFromPieces());
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].info.sopInstanceUid, derivedSop()) << "the same image always gets the same UID";
}

TEST_F(HinacomRebuild, TwoImages_OneDerivedSeriesNumberedInOrder) {
  json(imageSetUrl(), imageSet({"I1", "I2"}).dump());
  pixels("I2", frameHeader(), ramp(16, 16, 5));
  pixels("I1");
  const auto results = filed(ingestor_->rebuildFromPieces());
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].info.studyInstanceUid, results[1].info.studyInstanceUid);
  EXPECT_EQ(results[0].info.seriesInstanceUid, results[1].info.seriesInstanceUid);
  EXPECT_NE(results[0].info.sopInstanceUid, results[1].info.sopInstanceUid);
  DcmFileFormat second;
  ASSERT_TRUE(load(derivedSop("I2"), second));
  EXPECT_EQ(str(*second.getDataset(), DCM_InstanceNumber), "2");
  EXPECT_EQ(pixelBytes(*second.getDataset()), ramp(16, 16, 5));
}

TEST_F(HinacomRebuild, TagListAfterDerived_HospitalsFileReplacesIt) {
  pixels();
  json(imageSetUrl(), imageSet().dump());
  ASSERT_EQ(filed(ingestor_->rebuildFromPieces()).size(), 1u);
  store_->commit();
  ASSERT_NE(store_->find(derivedSop()), nullptr);

  EXPECT_EQ(json(tagsUrl("I1"), tagList().dump()).outcome, Outcome::KeptForReconstruction);
  const auto results = filed(ingestor_->rebuildFromPieces());
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].outcome, Outcome::Stored) << results[0].reason;
  EXPECT_EQ(results[0].info.rebuiltFrom, "hinacom-tags");
  EXPECT_FALSE(results[0].info.derivedIdentifiers);
  EXPECT_EQ(results[0].info.sopInstanceUid, kHospitalSop);
  EXPECT_EQ(store_->find(derivedSop()), nullptr) << "the derived file is superseded";
  DcmFileFormat file;
  ASSERT_TRUE(load(kHospitalSop, file));
  EXPECT_EQ(listDicomFiles(store_->root()).size(), 1u) << "one file for the one image";
  DcmDataset& ds = *file.getDataset();
  EXPECT_EQ(pixelBytes(ds), ramp());
  EXPECT_EQ(str(ds, DCM_StudyInstanceUID), kHospitalStudy);
  EXPECT_EQ(str(ds, DCM_SeriesInstanceUID), kHospitalSeries);
  EXPECT_EQ(str(ds, DCM_PatientName), "王^小明");
  EXPECT_EQ(str(ds, DcmTagKey(0x0011, 0x1012)), "hinacom-tags");
  EXPECT_EQ(str(*file.getMetaInfo(), DCM_TransferSyntaxUID), kExplicitLittle) << "not the list's 0002,0010";
  EXPECT_EQ(str(*file.getMetaInfo(), DCM_MediaStorageSOPInstanceUID), kHospitalSop);
  EXPECT_EQ(str(ds, DCM_ImageType), "") << "the hospital's file is not called derived";
  // Nothing left to rebuild; a further rebuild files nothing again.
  EXPECT_EQ(ingestor_->piecesWaiting(), 0u);
  EXPECT_TRUE(filed(ingestor_->rebuildFromPieces()).empty());
}

TEST_F(HinacomRebuild, TagsFirstThenPixels_HospitalsFileWithoutImageSet) {
  json(tagsUrl("I1"), tagList().dump());
  const auto waiting = ingestor_->rebuildFromPieces();
  ASSERT_EQ(waiting.size(), 1u);
  EXPECT_EQ(waiting[0].outcome, Outcome::KeptForReconstruction);
  EXPECT_NE(waiting[0].reason.find("pixels"), std::string::npos) << waiting[0].reason;
  EXPECT_EQ(waiting[0].info.sopInstanceUid, kHospitalSop) << "named from its tag list while it waits";

  pixels();
  const auto results = filed(ingestor_->rebuildFromPieces());
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].outcome, Outcome::Stored) << results[0].reason;
  EXPECT_EQ(results[0].info.rebuiltFrom, "hinacom-tags");
  EXPECT_EQ(results[0].info.sopInstanceUid, kHospitalSop);
  EXPECT_EQ(store_->find(derivedSop()), nullptr);
  DcmFileFormat file;
  ASSERT_TRUE(load(kHospitalSop, file));
  EXPECT_EQ(pixelBytes(*file.getDataset()), ramp());
  EXPECT_EQ(ingestor_->piecesWaiting(), 0u);
}

TEST_F(HinacomRebuild, TagListThatDisagreesWithThePixels_DerivedFileSaysWhy) {
  json(tagsUrl("I1"), tagList(kHospitalSop, 32).dump());  // says 32 rows; the pixels are 16
  json(imageSetUrl(), imageSet().dump());
  pixels();
  const auto results = filed(ingestor_->rebuildFromPieces());
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].info.rebuiltFrom, "hinacom-pixels");
  EXPECT_NE(results[0].reason.find("the tag list says"), std::string::npos) << results[0].reason;
  EXPECT_EQ(store_->find(kHospitalSop), nullptr);
}

TEST_F(HinacomRebuild, UnusableTagLists_DerivedFileOrWaitNeverACrash) {
  json(imageSetUrl(), imageSet({"I1", "I2", "I3", "I4"}).dump());
  json(tagsUrl("I1"), "<html>502 Bad Gateway</html>");
  json(tagsUrl("I2"), "[]");
  Json noSop = tagList();
  noSop.erase(4);  // (0008,0018)
  json(tagsUrl("I3"), noSop.dump());
  json(tagsUrl("I4"), R"({"tag":"0008,0018"})");
  for (const char* image : {"I1", "I2", "I3", "I4"}) pixels(image);
  const auto results = filed(ingestor_->rebuildFromPieces());
  ASSERT_EQ(results.size(), 4u);
  for (const auto& r : results) {
    EXPECT_EQ(r.outcome, Outcome::Stored) << r.reason;
    EXPECT_EQ(r.info.rebuiltFrom, "hinacom-pixels") << r.reason;
    EXPECT_NE(r.reason.find("identifiers derived"), std::string::npos) << r.reason;
  }
}

TEST_F(HinacomRebuild, RawPreview_NeverFiled) {
  // Level 1: 8 x 8 pixels, while X-ImageFrame gives the full image's 16 x 16.
  const auto r = ingest(meta(pixelUrl("I1", 1), "application/octet-stream", {{"x-imageframe", frameHeader().dump()}}),
                        ramp(8, 8));
  EXPECT_EQ(r.outcome, Outcome::Preview);
  EXPECT_NE(r.reason.find("preview"), std::string::npos) << r.reason;
  EXPECT_NE(r.reason.find("16 x 16"), std::string::npos) << r.reason;
  EXPECT_FALSE(ingestor_->hasPieces());
  json(imageSetUrl(), imageSet().dump());
  EXPECT_TRUE(filed(ingestor_->rebuildFromPieces()).empty());
  store_->commit();
  EXPECT_TRUE(listDicomFiles(store_->root()).empty());
}

TEST_F(HinacomRebuild, Jpeg2000PreviewOfTheWrongSize_NeverFiled) {
  const auto r = ingest(
      meta(pixelUrl("I1", 1, "j2k"), "application/octet-stream", {{"x-imageframe", frameHeader().dump()}}),
      codestreamHeader(8, 8));
  EXPECT_EQ(r.outcome, Outcome::Preview);
  EXPECT_NE(r.reason.find("8 x 8 of 16 x 16"), std::string::npos) << r.reason;
  EXPECT_FALSE(ingestor_->hasPieces());
}

TEST_F(HinacomRebuild, Jpeg2000OfTheFullSize_EncapsulatedAsItCame) {
  const std::string codestream = codestreamHeader(16, 16);
  const auto r = ingest(
      meta(pixelUrl("I1", 0, "j2k"), "application/octet-stream", {{"x-imageframe", frameHeader().dump()}}),
      codestream);
  EXPECT_EQ(r.outcome, Outcome::KeptForReconstruction) << r.reason;
  json(imageSetUrl(), imageSet().dump());
  const auto results = filed(ingestor_->rebuildFromPieces());
  ASSERT_EQ(results.size(), 1u);
  DcmFileFormat file;
  ASSERT_TRUE(load(derivedSop(), file));
  EXPECT_EQ(str(*file.getMetaInfo(), DCM_TransferSyntaxUID), "1.2.840.10008.1.2.4.90") << "reversible 5/3";
}

TEST_F(HinacomRebuild, PixelsWithoutXImageFrame_RefusedWithAReason) {
  const auto r = ingest(meta(pixelUrl("I1"), "application/octet-stream"), ramp());
  EXPECT_EQ(r.outcome, Outcome::NotDicom);
  EXPECT_NE(r.reason.find("X-ImageFrame"), std::string::npos) << r.reason;
  EXPECT_FALSE(ingestor_->hasPieces());
  // A header of another name is not it.
  const auto other = ingest(meta(pixelUrl("I1"), "application/octet-stream", {{"x-image-frame", frameHeader().dump()}}),
                            ramp());
  EXPECT_EQ(other.outcome, Outcome::NotDicom);
}

TEST_F(HinacomRebuild, HeaderThatLiesAboutTheSize_Refused) {
  // More bytes than 16 x 16 x 2: not a preview, not the image.
  const auto more = pixels("I1", frameHeader(), ramp() + "extra bytes");
  EXPECT_EQ(more.outcome, Outcome::NotDicom);
  EXPECT_NE(more.reason.find("more than"), std::string::npos) << more.reason;
  // A header that claims the largest image: the body is far smaller, so a preview at most, never kept as the image.
  const auto huge = pixels("I1", frameHeader(65535, 65535), ramp());
  EXPECT_NE(huge.outcome, Outcome::KeptForReconstruction);
  EXPECT_FALSE(ingestor_->hasPieces());
  store_->commit();
  EXPECT_TRUE(listDicomFiles(store_->root()).empty());
}

TEST_F(HinacomRebuild, HostileHeaders_RefusedWithReasons) {
  Json overflow = frameHeader();
  overflow["rows"] = 4294967297.0;
  Json bits = frameHeader();
  bits["bitsAllocated"] = 64;
  Json negative = frameHeader();
  negative["columns"] = -16;
  for (const std::string& header : {std::string("not json"), std::string("[16,16]"), overflow.dump(), bits.dump(),
                                    negative.dump(), std::string(1 << 20, '{'), std::string("{\"rows\":\"16") + '\0' + "\"}"}) {
    const auto r = ingest(meta(pixelUrl("I1"), "application/octet-stream", {{"x-imageframe", header}}), ramp());
    EXPECT_EQ(r.outcome, Outcome::NotDicom) << header.substr(0, 40);
    EXPECT_NE(r.reason.find("Hinacom"), std::string::npos) << r.reason;
  }
  EXPECT_FALSE(ingestor_->hasPieces());
}

TEST_F(HinacomRebuild, GarbageImageSet_PixelsStillWait) {
  pixels();
  EXPECT_EQ(json(imageSetUrl(), "{\"displaySets\": 5").outcome, Outcome::KeptForReconstruction);
  const auto results = ingestor_->rebuildFromPieces();
  EXPECT_TRUE(filed(results).empty());
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].outcome, Outcome::KeptForReconstruction);
  // The right image set then makes the file.
  json(imageSetUrl(), imageSet().dump());
  EXPECT_EQ(filed(ingestor_->rebuildFromPieces()).size(), 1u);
}

TEST_F(HinacomRebuild, Restart_RebuildsFromThePiecesKeptOnDisk) {
  pixels();
  json(imageSetUrl(), imageSet().dump());
  EXPECT_TRUE(ingestor_->hasPieces());
  open();  // a new host: a new store object and ingestor on the same folder
  EXPECT_TRUE(ingestor_->hasPieces()) << "the pieces survived";
  const auto results = filed(ingestor_->rebuildFromPieces());
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].info.sopInstanceUid, derivedSop());
  DcmFileFormat file;
  ASSERT_TRUE(load(derivedSop(), file));
  EXPECT_EQ(pixelBytes(*file.getDataset()), ramp());

  // And after another restart, the tag list still replaces the derived file (its pixels were kept for it).
  open();
  json(tagsUrl("I1"), tagList().dump());
  const auto replaced = filed(ingestor_->rebuildFromPieces());
  ASSERT_EQ(replaced.size(), 1u);
  EXPECT_EQ(replaced[0].info.sopInstanceUid, kHospitalSop);
  store_->commit();
  EXPECT_EQ(store_->find(derivedSop()), nullptr);
  EXPECT_EQ(listDicomFiles(store_->root()).size(), 1u);
}

TEST_F(HinacomRebuild, EUnityBody_NotDicomNamingEUnity) {
  for (const char* type : {"application/clowrapper", "application/CLOpixel; charset=binary"}) {
    const auto r = ingest(meta("https://eunity.example/eUnity/servlet/AmicasImage?x=1", type), "whatever bytes");
    EXPECT_EQ(r.outcome, Outcome::NotDicom);
    EXPECT_EQ(r.reason.rfind("eUnity's own image format (CLO)", 0), 0u) << r.reason;
  }
  const auto byMagic = ingest(meta("https://eunity.example/x", "application/octet-stream"), "CLOHEADERZ01...");
  EXPECT_EQ(byMagic.outcome, Outcome::NotDicom);
  EXPECT_NE(byMagic.reason.find("eUnity"), std::string::npos) << byMagic.reason;
  EXPECT_FALSE(ingestor_->hasPieces());
}

TEST_F(HinacomRebuild, HugeJsonAnswer_Refused) {
  const std::string big((16u << 20) + 1, ' ');
  const auto r = json(imageSetUrl(), big);
  EXPECT_EQ(r.outcome, Outcome::NotDicom);
  EXPECT_NE(r.reason.find("16 MiB"), std::string::npos) << r.reason;
  EXPECT_FALSE(ingestor_->hasPieces());
}

// Images still waiting (here for their second frame) are listed under the series CloudFilm will file them in: one
// waiting entry per display set, never all of a study's waiting images merged under an empty series UID.
TEST_F(HinacomRebuild, WaitingImagesOfTwoDisplaySets_TwoSeries) {
  Json set = imageSet();
  Json first = {{"studyId", "S1"}, {"imageId", "I1"}, {"frame", 0}, {"nFrames", 2}};
  Json second = {{"studyId", "S1"}, {"imageId", "I2"}, {"frame", 0}, {"nFrames", 2}};
  set["displaySets"] = {{{"description", "5mm"}, {"seriesNumber", 3}, {"modality", "CT"}, {"images", {first}}},
                        {{"description", "1mm"}, {"seriesNumber", 4}, {"modality", "CT"}, {"images", {second}}}};
  json(imageSetUrl(), set.dump());
  pixels("I1");
  pixels("I2");
  std::set<std::string> series;
  for (const auto& result : ingestor_->rebuildFromPieces()) {
    ASSERT_EQ(result.outcome, Outcome::KeptForReconstruction) << result.reason;
    EXPECT_EQ(result.info.seriesInstanceUid.rfind("2.25.", 0), 0u) << result.reason;
    series.insert(result.info.seriesInstanceUid);
  }
  EXPECT_EQ(series.size(), 2u);
}

}  // namespace
}  // namespace cloudfilm
