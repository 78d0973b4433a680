// body/recognize: what a captured response body is, from its Content-Type, URL and first bytes.
#include "body/recognize.h"

#include <gtest/gtest.h>

#include "test_files.h"

namespace cloudfilm {
namespace {

using body::BodyKind;
using namespace cloudfilm::test;

body::Recognition recognize(const std::string& contentType, const std::string& url, const std::string& bytes) {
  return body::recognizeBody(body::parseContentType(contentType), url,
                             std::string_view(bytes).substr(0, body::kRecognitionHeadBytes), bytes.size());
}

std::string part10Bytes() {
  static const std::string bytes = makePart10(SyntheticImage{});
  return bytes;
}

const std::string kPng("\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10\0\0\0\x10\x08\x02\0\0\0", 29);
const std::string kJpeg("\xff\xd8\xff\xe0\0\x10JFIF\0\x01\x01\0\0\x01\0\x01\0\0", 20);

TEST(Recognize, Part10_WithDicomContentType_IsPart10) {
  EXPECT_EQ(recognize("application/dicom", "https://pacs/wado?objectUID=1", part10Bytes()).kind, BodyKind::Part10);
}

TEST(Recognize, Part10_LabelledAsPngOrHtml_StillPart10) {
  for (const char* type : {"image/png", "text/html; charset=utf-8", "application/octet-stream", "text/plain", ""}) {
    EXPECT_EQ(recognize(type, "https://pacs/render/1.png", part10Bytes()).kind, BodyKind::Part10) << type;
  }
}

TEST(Recognize, RealBrainSlice_WithPaddedPreamble_IsPart10) {
  CF_REQUIRE_FILE(brainSlice(1));
  EXPECT_EQ(recognize("image/png", "x", readFile(brainSlice(1))).kind, BodyKind::Part10);
}

TEST(Recognize, Multipart_WithBoundaryParameter_KeepsBoundary) {
  const std::string body = makeMultipart({part10Bytes()}, "XyZ-123");
  const auto r = recognize("multipart/related; type=\"application/dicom\"; boundary=XyZ-123",
                           "https://pacs/dicom-web/studies/1/series/2", body);
  EXPECT_EQ(r.kind, BodyKind::Multipart);
  EXPECT_EQ(r.boundary, "XyZ-123");
}

TEST(Recognize, Multipart_QuotedBoundary_Unquoted) {
  const auto r = recognize("multipart/related; boundary=\"a b:c\"; type=application/dicom", "x",
                           makeMultipart({part10Bytes()}, "a b:c"));
  EXPECT_EQ(r.kind, BodyKind::Multipart);
  EXPECT_EQ(r.boundary, "a b:c");
}

TEST(Recognize, Multipart_WithoutBoundaryParameter_EmptyBoundaryFromBody) {
  const auto r = recognize("multipart/related", "x", makeMultipart({part10Bytes()}, "b1"));
  EXPECT_EQ(r.kind, BodyKind::Multipart);
  EXPECT_TRUE(r.boundary.empty());
}

TEST(Recognize, Multipart_NoContentTypeButDashLine_Multipart) {
  const auto r = recognize("", "x", makeMultipart({part10Bytes()}, "b1"));
  EXPECT_EQ(r.kind, BodyKind::Multipart);
  EXPECT_TRUE(r.boundary.empty());
}

TEST(Recognize, DicomJsonContentType_DicomJson) {
  EXPECT_EQ(recognize("application/dicom+json", "https://pacs/dicom-web/studies/1/metadata",
                      R"([{"00080018":{"vr":"UI","Value":["1.2.3"]}}])")
                .kind,
            BodyKind::DicomJson);
  EXPECT_EQ(recognize("application/dicom+json; charset=utf-8", "https://pacs/anything", "[]").kind,
            BodyKind::DicomJson);
}

TEST(Recognize, PlainJsonFromMetadataUrl_DicomJson) {
  EXPECT_EQ(recognize("application/json", "https://pacs/dicom-web/studies/1.2/series/3.4/metadata",
                      "  [{\"0020000D\":{\"vr\":\"UI\"}}]")
                .kind,
            BodyKind::DicomJson);
}

// A viewer's own REST calls share the DICOMweb paths (Orthanc's /series/{id} answers plain JSON): counting them as
// metadata would hide "this site only sends pictures" from the person.
TEST(Recognize, RestJsonOnSeriesPath_NotDicom) {
  const auto r = recognize("application/json", "https://hospital/orthanc/series/5f2c/instances",
                           R"([{"ID":"a1","MainDicomTags":{"SOPInstanceUID":"1.2"}}])");
  EXPECT_EQ(r.kind, BodyKind::NotDicom);
  EXPECT_EQ(recognize("application/json", "https://hospital/dicom-web/studies/1/metadata", "[]").kind,
            BodyKind::NotDicom);
}

TEST(Recognize, OrdinaryJsonApi_NotDicom) {
  const auto r = recognize("application/json", "https://hospital/api/user/profile", R"({"name":"x"})");
  EXPECT_EQ(r.kind, BodyKind::NotDicom);
  EXPECT_FALSE(r.reason.empty());
}

TEST(Recognize, FramesUrl_JpegLsOrOctetStream_Frames) {
  const std::string url = "https://pacs/dicom-web/studies/1/series/2/instances/3/frames/1";
  EXPECT_EQ(recognize("image/jls", url, std::string("\xff\xd8\xff\xf7", 4)).kind, BodyKind::Frames);
  EXPECT_EQ(recognize("application/octet-stream; transfer-syntax=1.2.840.10008.1.2.1", url, std::string(512, '\0'))
                .kind,
            BodyKind::Frames);
  EXPECT_EQ(recognize("image/jp2", url, "\0\0\0\x0cjP  ").kind, BodyKind::Frames);
}

TEST(Recognize, JpegLsWithoutFramesUrl_StillFrames) {
  EXPECT_EQ(recognize("image/jls", "https://pacs/x", std::string("\xff\xd8\xff\xf7", 4)).kind, BodyKind::Frames);
}

TEST(Recognize, RenderedJpegAndPng_NotDicom_SaysRenderedPicture) {
  for (const auto& [type, bytes] : {std::pair{std::string("image/jpeg"), kJpeg}, {std::string("image/png"), kPng}}) {
    const auto r = recognize(type, "https://pacs/wado?requestType=WADO&objectUID=1", bytes);
    EXPECT_EQ(r.kind, BodyKind::NotDicom) << type;
    EXPECT_NE(r.reason.find("rendered picture"), std::string::npos) << r.reason;
    EXPECT_NE(r.reason.find(type), std::string::npos) << r.reason;
  }
}

TEST(Recognize, HtmlPage_NotDicom_SaysWebPage) {
  const auto r = recognize("text/html; charset=utf-8", "https://hospital/viewer", "<!doctype html><html>");
  EXPECT_EQ(r.kind, BodyKind::NotDicom);
  EXPECT_NE(r.reason.find("web page"), std::string::npos) << r.reason;
}

TEST(Recognize, JavaScriptAndCss_NotDicom_SaysPageCode) {
  for (const char* type : {"application/javascript", "text/javascript", "text/css"}) {
    const auto r = recognize(type, "https://hospital/app.js", "function f(){return 1}");
    EXPECT_EQ(r.kind, BodyKind::NotDicom) << type;
    EXPECT_NE(r.reason.find("page code"), std::string::npos) << r.reason;
  }
}

TEST(Recognize, EmptyBody_NotDicom_SaysEmpty) {
  const auto r = recognize("application/dicom", "https://pacs/wado", "");
  EXPECT_EQ(r.kind, BodyKind::NotDicom);
  EXPECT_NE(r.reason.find("empty"), std::string::npos) << r.reason;
}

TEST(Recognize, LabelledDicomButGarbage_NotDicom_SaysSo) {
  const auto r = recognize("application/dicom", "https://pacs/wado", std::string(600, 'z'));
  EXPECT_EQ(r.kind, BodyKind::NotDicom);
  EXPECT_NE(r.reason.find("application/dicom"), std::string::npos) << r.reason;
}

TEST(Recognize, UnknownTypeNoSignature_NotDicom_ReadableReason) {
  const auto r = recognize("", "https://x/y", "hello world, this is not dicom at all");
  EXPECT_EQ(r.kind, BodyKind::NotDicom);
  EXPECT_FALSE(r.reason.empty());
  for (char c : r.reason) EXPECT_GE(static_cast<unsigned char>(c), 0x20) << "printable reason";
}

TEST(Recognize, BareDatasets_Dataset_WhenTypeAllowsIt) {
  const SyntheticImage image;
  for (E_TransferSyntax xfer : {EXS_LittleEndianImplicit, EXS_LittleEndianExplicit, EXS_BigEndianExplicit}) {
    const std::string bare = makeBareDataset(image, xfer);
    for (const char* type : {"application/dicom", "application/octet-stream", ""}) {
      EXPECT_EQ(recognize(type, "https://pacs/wado", bare).kind, BodyKind::Dataset) << type << " xfer " << xfer;
    }
    EXPECT_EQ(recognize("text/html", "https://pacs/wado", bare).kind, BodyKind::NotDicom)
        << "a page is not trusted to be a dataset";
  }
}

TEST(Recognize, PydicomNoMetaFiles_Dataset) {
  for (const char* file : {"ExplVR_LitEndNoMeta.dcm", "ExplVR_BigEndNoMeta.dcm", "rtstruct.dcm"}) {
    const auto path = pydicomDir() / file;
    CF_REQUIRE_FILE(path);
    EXPECT_EQ(recognize("application/octet-stream", "x", readFile(path)).kind, BodyKind::Dataset) << file;
  }
}

TEST(Recognize, ShortHead_DoesNotCrash) {
  for (std::size_t n = 0; n < 132; ++n) {  // "DICM" ends at byte 132
    const std::string bytes = part10Bytes().substr(0, n);
    const auto r = recognize("application/dicom", "x", bytes);
    EXPECT_NE(r.kind, BodyKind::Part10) << n;
  }
}

TEST(Recognize, BodyKindNames_Stable) {
  EXPECT_STREQ(body::bodyKindName(BodyKind::Part10), "part10");
  EXPECT_STREQ(body::bodyKindName(BodyKind::Dataset), "dataset");
  EXPECT_STREQ(body::bodyKindName(BodyKind::Multipart), "multipart");
  EXPECT_STREQ(body::bodyKindName(BodyKind::DicomJson), "dicom-json");
  EXPECT_STREQ(body::bodyKindName(BodyKind::Frames), "frames");
  EXPECT_STREQ(body::bodyKindName(BodyKind::NotDicom), "not-dicom");
}

}  // namespace
}  // namespace cloudfilm
