// vendor/hinacom_formats: what Hinacom's (海纳医信) viewer fetches, read into plain values. Every input here stands
// for something a web page sent: each hostile one must be refused (an exception with a reason, or nothing), never
// read as something it is not, and never crash.
#include "vendor/hinacom_formats.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace cloudfilm::vendor::hinacom {
namespace {

using Json = nlohmann::json;

// ---- pixel URLs -------------------------------------------------------------------------------------------------

TEST(HinacomPixelUrl, DicomAnswer_ReadWithSiteIdsFrameAndLevel) {
  const auto url = parsePixelUrl(
      "https://Film.Example.cn:8443/hinacom/imageservice/api/image/dicom/S-1001/IMG77/0/0?storageNodes=n1&ck=abc");
  ASSERT_TRUE(url.has_value());
  EXPECT_EQ(url->image.site, "https://film.example.cn:8443");
  EXPECT_EQ(url->image.studyId, "S-1001");
  EXPECT_EQ(url->image.imageId, "IMG77");
  EXPECT_EQ(url->frame, 0u);
  EXPECT_EQ(url->level, 0u);
  EXPECT_FALSE(url->j2k);
  EXPECT_EQ(url->image.key(), "https://film.example.cn:8443|S-1001|IMG77");
}

TEST(HinacomPixelUrl, J2kAnswer_FrameAndLevelRead) {
  const auto url = parsePixelUrl("https://h/imageservice/api/image/j2k/7/8/3/2");
  ASSERT_TRUE(url.has_value());
  EXPECT_TRUE(url->j2k);
  EXPECT_EQ(url->frame, 3u);
  EXPECT_EQ(url->level, 2u);
}

TEST(HinacomPixelUrl, AnyPrefix_NoPrefixOrDeepPrefix) {
  EXPECT_TRUE(parsePixelUrl("https://h/imageservice/api/image/dicom/1/2/0/0").has_value());
  EXPECT_TRUE(parsePixelUrl("https://h/a/b/c/d/e/imageservice/api/image/dicom/1/2/0/0").has_value());
  EXPECT_TRUE(parsePixelUrl("/relative/imageservice/api/image/dicom/1/2/0/0").has_value());
}

TEST(HinacomPixelUrl, CaseOfTheFixedSegments_Ignored) {
  const auto url = parsePixelUrl("https://h/ImageService/API/Image/J2K/Ab/Cd/0/1");
  ASSERT_TRUE(url.has_value());
  EXPECT_TRUE(url->j2k);
  EXPECT_EQ(url->image.studyId, "Ab") << "ids keep their case: they are the vendor's";
  EXPECT_EQ(url->image.imageId, "Cd");
}

TEST(HinacomPixelUrl, QueryAndFragment_NotPartOfTheIds) {
  const auto url = parsePixelUrl("https://h/imageservice/api/image/dicom/1/2/0/0?ck=/x/y&storageNodes=a#frag/1");
  ASSERT_TRUE(url.has_value());
  EXPECT_EQ(url->level, 0u);
  // A pixel URL shape inside the query is not the path.
  EXPECT_FALSE(parsePixelUrl("https://h/viewer?next=/imageservice/api/image/dicom/1/2/0/0").has_value());
  EXPECT_FALSE(parsePixelUrl("https://h/viewer#/imageservice/api/image/dicom/1/2/0/0").has_value());
}

TEST(HinacomPixelUrl, LookAlikes_Refused) {
  for (const char* url : {
           "https://h/imageservice/api/image/png/1/2/0/0",        // another format
           "https://h/imageservice/api/images/dicom/1/2/0/0",     // images
           "https://h/imageservice/api/image/dicom/1/2/0",        // a segment short
           "https://h/imageservice/api/image/dicom/1/2",          //
           "https://h/imageservice/image/dicom/1/2/0/0",          // no api
           "https://h/api/image/dicom/1/2/0/0",                   // no imageservice
           "https://h/imageservice/api/image/dicom/1/2/x/0",      // frame not a number
           "https://h/imageservice/api/image/dicom/1/2/0/x",      // level not a number
           "https://h/imageservice/api/image/dicom/1/2/-1/0",     // negative
           "https://h/imageservice/api/image/dicom/1/2/+1/0",     // signed
           "https://h/imageservice/api/image/dicom/1/2/0/1.5",    // fraction
           "https://h/imageservice/api/image/dicom/1/2/0x1/0",    // hexadecimal
           "https://h/imageservice/api/image/dicom/1/2/ 1/0",     // space
           "https://h/ImageViewer/GetImageSet?studyId=1",         // the JSON endpoints are not pixels
           "", "/", "imageservice", "https://h",
       })
    EXPECT_FALSE(parsePixelUrl(url).has_value()) << url;
}

TEST(HinacomPixelUrl, HugeFrameOrLevel_Refused) {
  EXPECT_TRUE(parsePixelUrl("https://h/imageservice/api/image/dicom/1/2/1000000/0").has_value());
  EXPECT_FALSE(parsePixelUrl("https://h/imageservice/api/image/dicom/1/2/1000001/0").has_value());
  EXPECT_FALSE(parsePixelUrl("https://h/imageservice/api/image/dicom/1/2/0/4294967296").has_value());
  EXPECT_FALSE(parsePixelUrl("https://h/imageservice/api/image/dicom/1/2/99999999999999999999999/0").has_value());
}

TEST(HinacomPixelUrl, HugeIds_Refused) {
  const std::string ok(256, 'a'), huge(257, 'a');
  EXPECT_TRUE(parsePixelUrl("https://h/imageservice/api/image/dicom/" + ok + "/" + ok + "/0/0").has_value());
  EXPECT_FALSE(parsePixelUrl("https://h/imageservice/api/image/dicom/" + huge + "/2/0/0").has_value());
  EXPECT_FALSE(parsePixelUrl("https://h/imageservice/api/image/dicom/1/" + huge + "/0/0").has_value());
  // A megabyte of path: read and refused without trouble.
  EXPECT_FALSE(parsePixelUrl("https://h/imageservice/api/image/dicom/" + std::string(1 << 20, '7') + "/2/0/0")
                   .has_value());
}

TEST(HinacomPixelUrl, PercentEncodedIds_DecodedAndChecked) {
  const auto url = parsePixelUrl("https://h/imageservice/api/image/dicom/s%2D1/a%41/0/0");
  ASSERT_TRUE(url.has_value());
  EXPECT_EQ(url->image.studyId, "s-1");
  EXPECT_EQ(url->image.imageId, "aA");
  // Ids are printable ASCII (numbers, hashes): they are shown in reasons sent as JSON, where a byte that is not
  // UTF-8 would break the reply.
  EXPECT_FALSE(parsePixelUrl("https://h/imageservice/api/image/dicom/a%FFb/2/0/0").has_value());
  EXPECT_FALSE(parsePixelUrl("https://h/imageservice/api/image/dicom/%E7%8E%8B/2/0/0").has_value());
  EXPECT_FALSE(parseJsonUrl("https://h/ImageViewer/GetImageSet?studyId=%C3").has_value());
  // A space or a control character (decoded) is not an id; neither is the key's separator.
  EXPECT_FALSE(parsePixelUrl("https://h/imageservice/api/image/dicom/a%00b/2/0/0").has_value());
  EXPECT_FALSE(parsePixelUrl("https://h/imageservice/api/image/dicom/a%0Ab/2/0/0").has_value());
  EXPECT_FALSE(parsePixelUrl("https://h/imageservice/api/image/dicom/a%7Cb/2/0/0").has_value());
  EXPECT_FALSE(parsePixelUrl("https://h/imageservice/api/image/dicom/1/2|3/0/0").has_value());
}

TEST(HinacomPixelUrl, EncodedSlashOrQuestionMark_NeverMakesAnotherShape) {
  // Seven raw segments: the server sees study "1/2", image "0", frame "0" and no level. Not a pixel answer, whatever
  // its decoded text looks like (the extension reads the raw path the same way).
  EXPECT_FALSE(parsePixelUrl("https://h/imageservice/api/image/dicom/1%2F2/0/0").has_value());
  // An encoded '?' is part of a segment, not the start of a query.
  const auto url = parsePixelUrl("https://h/imageservice/api/image/dicom/1/2/0/0%3Fx");
  EXPECT_FALSE(url.has_value());
}

TEST(HinacomPixelUrl, NulInsideTheUrl_Refused) {
  const std::string withNul = std::string("https://h/imageservice/api/image/dicom/1\0x/2/0/0", 48);
  ASSERT_EQ(withNul.size(), 48u);
  EXPECT_FALSE(parsePixelUrl(withNul).has_value());
}

TEST(HinacomPixelUrl, DotSegments_NeverBecomeAnId) {
  // A browser resolves "." and ".." before it fetches; an encoded one that reaches us names no image.
  EXPECT_FALSE(parsePixelUrl("https://h/imageservice/api/image/dicom/%2E%2E/2/0/0").has_value());
  EXPECT_FALSE(parsePixelUrl("https://h/imageservice/api/image/dicom/1/./0/0").has_value());
}

// ---- JSON endpoint URLs -----------------------------------------------------------------------------------------

TEST(HinacomJsonUrl, TagList_StudyAndImageFromTheQuery) {
  const auto url =
      parseJsonUrl("https://H/hinacom/ImageViewer/GetImageDicomTags?studyId=S%2D1&imageId=I2&frame=0&storageNodes=x");
  ASSERT_TRUE(url.has_value());
  EXPECT_EQ(url->endpoint, JsonEndpoint::ImageDicomTags);
  EXPECT_EQ(url->ref.site, "https://h");
  EXPECT_EQ(url->ref.studyId, "S-1") << "percent-decoded";
  EXPECT_EQ(url->ref.imageId, "I2");
  // '+' is a space in a query value, and a space is no id character.
  EXPECT_FALSE(parseJsonUrl("https://h/ImageViewer/GetImageDicomTags?studyId=S1&imageId=I+2").has_value());
}

TEST(HinacomJsonUrl, TagList_IdsReadAndRequired) {
  const auto url = parseJsonUrl("https://h/ImageViewer/GetImageDicomTags?studyId=S1&imageId=I2&frame=0");
  ASSERT_TRUE(url.has_value());
  EXPECT_EQ(url->ref.studyId, "S1");
  EXPECT_EQ(url->ref.imageId, "I2");
  EXPECT_FALSE(parseJsonUrl("https://h/ImageViewer/GetImageDicomTags?studyId=S1").has_value());
  EXPECT_FALSE(parseJsonUrl("https://h/ImageViewer/GetImageDicomTags?imageId=I2").has_value());
  EXPECT_FALSE(parseJsonUrl("https://h/ImageViewer/GetImageDicomTags?studyId=&imageId=I2").has_value());
  EXPECT_FALSE(parseJsonUrl("https://h/ImageViewer/GetImageDicomTags").has_value());
}

TEST(HinacomJsonUrl, ImageSet_StudyAndAccessionNumber) {
  const auto url = parseJsonUrl("https://h/x/imageviewer/getimageset?STUDYID=42&accessionNumber=A7&minThickness=5");
  ASSERT_TRUE(url.has_value());
  EXPECT_EQ(url->endpoint, JsonEndpoint::ImageSet);
  EXPECT_EQ(url->ref.studyId, "42");
  EXPECT_EQ(url->ref.imageId, "");
  EXPECT_EQ(url->accessionNumber, "A7");
  // AccessionNumber is SH: at most 16 characters are kept.
  const auto longer = parseJsonUrl("https://h/GetImageSet?studyId=1&accessionNumber=" + std::string(500, '9'));
  ASSERT_TRUE(longer.has_value());
  EXPECT_EQ(longer->accessionNumber.size(), 16u);
}

TEST(HinacomJsonUrl, LookAlikesAndHostileIds_Refused) {
  for (const std::string& url : {
           std::string("https://h/ImageViewer/GetImageSetX?studyId=1"),
           std::string("https://h/ImageViewer/GetImageSet/more?studyId=1"),
           std::string("https://h/ImageViewer/GetImageDicomTagsAll?studyId=1&imageId=2"),
           std::string("https://h/page?go=GetImageSet&studyId=1"),
           std::string("https://h/ImageViewer/GetImageSet?studyId=a%00b"),
           std::string("https://h/ImageViewer/GetImageSet?studyId=a%7Cb"),
           std::string("https://h/ImageViewer/GetImageSet?studyId=") + std::string(257, '1'),
           std::string("https://h/ImageViewer/GetImageDicomTags?studyId=1&imageId=") + std::string(100000, 'x'),
       })
    EXPECT_FALSE(parseJsonUrl(url).has_value()) << url.substr(0, 120);
}

// ---- X-ImageFrame -----------------------------------------------------------------------------------------------

Json goodHeader() {
  return Json{{"compressionFormat", 1}, {"rows", 512}, {"columns", 256}, {"bitsAllocated", 16},
              {"bitsStored", 12}, {"highBit", 11}, {"signed", false}, {"samplesPerPixel", 1},
              {"photometricInterpretation", "MONOCHROME2"}, {"intercept", -1024}, {"slope", 1},
              {"windowCenter", 40}, {"windowWidth", 400}, {"imagePosition", {-125.5, -130, 42.25}},
              {"rowCosines", {1, 0, 0}}, {"columnCosines", {0, 1, 0}}, {"rowPixelSpacing", 0.48828125},
              {"columnPixelSpacing", 0.5}, {"sliceThickness", 5}, {"sliceLocation", 42.25},
              {"frameOfReferenceUID", "1.2.840.113619.2.55.3.1"}, {"modality", "CT"}};
}

// Parses, and turns a refusal into its reason (empty when accepted).
std::string refusalOf(const std::string& text) {
  try {
    parsePixelHeader(text);
    return {};
  } catch (const std::invalid_argument& error) {
    EXPECT_NE(std::string(error.what()), "") << "a refusal always says why";
    return error.what();
  }
}

std::string refusalOf(const Json& header) { return refusalOf(header.dump()); }

TEST(HinacomPixelHeader, FullHeader_EveryFieldRead) {
  const PixelHeader header = parsePixelHeader(goodHeader().dump());
  EXPECT_EQ(header.rows, 512u);
  EXPECT_EQ(header.columns, 256u);
  EXPECT_EQ(header.bitsAllocated, 16u);
  EXPECT_EQ(header.bitsStored, 12u);
  EXPECT_EQ(header.samplesPerPixel, 1u);
  EXPECT_FALSE(header.isSigned);
  EXPECT_EQ(header.photometric, "MONOCHROME2");
  EXPECT_EQ(header.intercept, -1024.0);
  EXPECT_EQ(header.slope, 1.0);
  EXPECT_EQ(header.windowCenter, 40.0);
  EXPECT_EQ(header.windowWidth, 400.0);
  ASSERT_TRUE(header.imagePosition.has_value());
  EXPECT_EQ(*header.imagePosition, (std::array<double, 3>{-125.5, -130, 42.25}));
  ASSERT_TRUE(header.orientation.has_value());
  EXPECT_EQ(*header.orientation, (std::array<double, 6>{1, 0, 0, 0, 1, 0}));
  EXPECT_EQ(header.rowSpacing, 0.48828125);
  EXPECT_EQ(header.columnSpacing, 0.5);
  EXPECT_EQ(header.sliceThickness, 5.0);
  EXPECT_EQ(header.sliceLocation, 42.25);
  EXPECT_EQ(header.frameOfReferenceUid, "1.2.840.113619.2.55.3.1");
  EXPECT_EQ(header.modality, "CT");
  EXPECT_EQ(header.frameBytes(), 512u * 256u * 2u);
}

TEST(HinacomPixelHeader, OnlyTheSize_DefaultsForTheRest) {
  const PixelHeader header = parsePixelHeader(R"({"rows":4,"columns":3})");
  EXPECT_EQ(header.bitsAllocated, 16u);
  EXPECT_EQ(header.bitsStored, 16u);
  EXPECT_EQ(header.samplesPerPixel, 1u);
  EXPECT_EQ(header.photometric, "MONOCHROME2");
  EXPECT_FALSE(header.intercept.has_value());
  EXPECT_FALSE(header.imagePosition.has_value());
  EXPECT_FALSE(header.orientation.has_value());
  EXPECT_EQ(header.frameOfReferenceUid, "");
  EXPECT_EQ(header.frameBytes(), 24u);
}

TEST(HinacomPixelHeader, NumbersAsText_Read) {
  const PixelHeader header =
      parsePixelHeader(R"({"rows":"64","columns":"32","bitsAllocated":"8","intercept":"-1024.5","signed":1})");
  EXPECT_EQ(header.rows, 64u);
  EXPECT_EQ(header.columns, 32u);
  EXPECT_EQ(header.bitsAllocated, 8u);
  EXPECT_EQ(header.intercept, -1024.5);
  EXPECT_TRUE(header.isSigned);
  EXPECT_EQ(header.frameBytes(), 64u * 32u);
}

TEST(HinacomPixelHeader, WindowGivenPerValue_FirstTaken) {
  Json json = goodHeader();
  json["windowCenter"] = {40, 400};
  json["windowWidth"] = {"350", "2000"};
  const PixelHeader header = parsePixelHeader(json.dump());
  EXPECT_EQ(header.windowCenter, 40.0);
  EXPECT_EQ(header.windowWidth, 350.0);
}

TEST(HinacomPixelHeader, SignedSpellings_ReadOrDefaulted) {
  for (const auto& [value, expected] : std::vector<std::pair<Json, bool>>{
           {true, true}, {false, false}, {1, true}, {0, false}, {"1", true}, {"0", false}, {"true", true},
           {"false", false}, {nullptr, false}}) {
    Json json = goodHeader();
    json["signed"] = value;
    EXPECT_EQ(parsePixelHeader(json.dump()).isSigned, expected) << value.dump();
  }
  Json json = goodHeader();
  json["bitsAllocated"] = nullptr;  // null: as if absent
  EXPECT_EQ(parsePixelHeader(json.dump()).bitsAllocated, 16u);
}

TEST(HinacomPixelHeader, ColourImage_RgbAndThreeSamples) {
  Json json = goodHeader();
  json["samplesPerPixel"] = 3;
  json["bitsAllocated"] = 8;
  json["bitsStored"] = 8;
  json["photometricInterpretation"] = "RGB";
  const PixelHeader header = parsePixelHeader(json.dump());
  EXPECT_EQ(header.samplesPerPixel, 3u);
  EXPECT_EQ(header.frameBytes(), 512u * 256u * 3u);
  json.erase("photometricInterpretation");
  EXPECT_EQ(parsePixelHeader(json.dump()).photometric, "RGB") << "three samples without a name: RGB";
}

TEST(HinacomPixelHeader, MissingOrUnusableSize_Refused) {
  for (const char* text : {
           R"({})", R"({"rows":512})", R"({"columns":512})", R"({"rows":0,"columns":512})",
           R"({"rows":512,"columns":0})", R"({"rows":-512,"columns":512})", R"({"rows":512,"columns":-1})",
           R"({"rows":65536,"columns":512})", R"({"rows":512,"columns":4294967808})",
           R"({"rows":1e300,"columns":512})", R"({"rows":512.5,"columns":512})", R"({"rows":"abc","columns":512})",
           R"({"rows":"512px","columns":512})", R"({"rows":null,"columns":512})", R"({"rows":true,"columns":512})",
           R"({"rows":{},"columns":512})", R"({"rows":[],"columns":512})", R"({"rows":"","columns":512})",
           R"({"rows":"NaN","columns":512})", R"({"rows":"inf","columns":512})",
       }) {
    const std::string reason = refusalOf(std::string(text));
    EXPECT_NE(reason.find("rows and columns"), std::string::npos) << text << " -> " << reason;
  }
}

TEST(HinacomPixelHeader, LargestSize_NoOverflowInFrameBytes) {
  // 65535 x 65535 x 3 samples x 2 bytes does not fit 32 bits: frameBytes() counts in 64.
  const PixelHeader header = parsePixelHeader(
      R"({"rows":65535,"columns":65535,"samplesPerPixel":3,"bitsAllocated":16,"photometricInterpretation":"RGB"})");
  EXPECT_EQ(header.frameBytes(), 65535ull * 65535ull * 3ull * 2ull);
  EXPECT_GT(header.frameBytes(), 0xFFFFFFFFull);
}

TEST(HinacomPixelHeader, AbsurdEncoding_Refused) {
  struct Case {
    const char* field;
    Json value;
    const char* said;
  };
  const Case cases[] = {
      {"bitsAllocated", 12, "bits allocated"},  {"bitsAllocated", 32, "bits allocated"},
      {"bitsAllocated", 0, "bits allocated"},   {"bitsAllocated", -16, "bits allocated"},
      {"bitsAllocated", 1e18, "bits allocated"}, {"bitsStored", 17, "bits stored"},
      {"bitsStored", 0, "bits stored"},         {"bitsStored", -1, "bits stored"},
      {"samplesPerPixel", 2, "samples per pixel"}, {"samplesPerPixel", 0, "samples per pixel"},
      {"samplesPerPixel", 4, "samples per pixel"}, {"samplesPerPixel", -3, "samples per pixel"},
      {"photometricInterpretation", "RGB", "photometric"},         // one sample
      {"photometricInterpretation", "MONOCHROME3", "photometric"},
      {"photometricInterpretation", "monochrome2", "photometric"},
      {"photometricInterpretation", std::string(1000, 'M'), "photometric"},
      {"bitsAllocated", "sixteen", "bits allocated"}, {"bitsAllocated", 16.5, "bits allocated"},
      {"bitsStored", "12 bits", "bits stored"},   {"samplesPerPixel", Json::array(), "samples per pixel"},
      {"signed", "yes", "signed"},                {"signed", 2, "signed"},
      {"signed", Json::object(), "signed"},
  };
  for (const auto& c : cases) {
    Json json = goodHeader();
    json[c.field] = c.value;
    const std::string reason = refusalOf(json);
    EXPECT_NE(reason.find(c.said), std::string::npos) << c.field << "=" << c.value.dump().substr(0, 40) << " -> "
                                                      << reason;
    EXPECT_LT(reason.size(), 300u) << "a refusal never repeats a hostile value at length";
  }
}

TEST(HinacomPixelHeader, NotJsonOrNotAnObject_Refused) {
  EXPECT_NE(refusalOf(std::string("")).find("not JSON"), std::string::npos);
  EXPECT_NE(refusalOf(std::string("rows=512; columns=512")).find("not JSON"), std::string::npos);
  EXPECT_NE(refusalOf(std::string(R"({"rows":512,"columns":512)")).find("not JSON"), std::string::npos);
  EXPECT_NE(refusalOf(std::string("\xFF\xFE{}")).find("not JSON"), std::string::npos);
  EXPECT_NE(refusalOf(std::string(R"({"rows":512,"columns":512,"modality":"\xC3"})")).find("not JSON"),
            std::string::npos)
      << "not UTF-8";
  EXPECT_NE(refusalOf(std::string("[512,512]")).find("not a JSON object"), std::string::npos);
  EXPECT_NE(refusalOf(std::string("512")).find("not a JSON object"), std::string::npos);
  EXPECT_NE(refusalOf(std::string("null")).find("not a JSON object"), std::string::npos);
}

TEST(HinacomPixelHeader, MegabyteHeader_RefusedUnread) {
  std::string huge = R"({"rows":512,"columns":512,"pad":")" + std::string(1 << 20, 'x') + "\"}";
  EXPECT_NE(refusalOf(huge).find("too long"), std::string::npos);
  // Deep nesting within the limit: refused or read, never a crash.
  std::string deep = std::string(30000, '[') + std::string(30000, ']');
  EXPECT_NE(refusalOf(deep), "");
}

TEST(HinacomPixelHeader, BadOptionalFields_LeftOutNotFatal) {
  Json json = goodHeader();
  json["intercept"] = "abc";
  json["slope"] = 1e300;                                 // past any real slope
  json["windowCenter"] = nullptr;
  json["windowWidth"] = Json::object();
  json["imagePosition"] = {1, 2};                        // two of three
  json["rowCosines"] = {1, 0, 0, 0};                     // four of three
  json["columnCosines"] = {0, 1, 0};
  json["rowPixelSpacing"] = "0.5mm";
  json["sliceThickness"] = "NaN";
  json["sliceLocation"] = "1e999";
  json["frameOfReferenceUID"] = "1.2.abc";
  json["modality"] = "ct; DROP TABLE";
  const PixelHeader header = parsePixelHeader(json.dump());
  EXPECT_EQ(header.rows, 512u);
  EXPECT_FALSE(header.intercept.has_value());
  EXPECT_FALSE(header.slope.has_value());
  EXPECT_FALSE(header.windowCenter.has_value());
  EXPECT_FALSE(header.windowWidth.has_value());
  EXPECT_FALSE(header.imagePosition.has_value());
  EXPECT_FALSE(header.orientation.has_value()) << "orientation needs both cosines";
  EXPECT_FALSE(header.rowSpacing.has_value());
  EXPECT_FALSE(header.sliceThickness.has_value());
  EXPECT_FALSE(header.sliceLocation.has_value());
  EXPECT_EQ(header.frameOfReferenceUid, "");
  EXPECT_EQ(header.modality, "");
}

TEST(HinacomPixelHeader, UidSyntax_LeadingZerosAndLengthChecked) {
  for (const char* bad : {"1.02.3", "1..2", ".1.2", "1.2.", "", "1.2.3 ", "01.2"}) {
    Json json = goodHeader();
    json["frameOfReferenceUID"] = bad;
    EXPECT_EQ(parsePixelHeader(json.dump()).frameOfReferenceUid, "") << bad;
  }
  Json json = goodHeader();
  json["frameOfReferenceUID"] = "1.0.2";
  EXPECT_EQ(parsePixelHeader(json.dump()).frameOfReferenceUid, "1.0.2") << "a lone 0 is a component";
  json["frameOfReferenceUID"] = "1." + std::string(63, '2');
  EXPECT_EQ(parsePixelHeader(json.dump()).frameOfReferenceUid, "") << "65 characters";
}

// ---- tag lists --------------------------------------------------------------------------------------------------

TEST(HinacomTagList, GoodList_EveryEntryRead) {
  const auto list = parseTagList(R"J([
    {"tag":"0008,0016","name":"SOPClassUID","value":"1.2.840.10008.5.1.4.1.1.4"},
    {"tag":"(0010,0010)","name":"PatientName","value":"王^小明"},
    {"tag":"00280010","value":512},
    {"tag":"0028,1050","value":"40\\400"},
    {"tag":"0018,0050","value":2.5},
    {"tag":"0008,0090","value":null},
    {"tag":"0002,0010","value":"1.2.840.10008.1.2.1"}
  ])J");
  EXPECT_EQ(list.malformed, 0u);
  ASSERT_EQ(list.attributes.size(), 7u);
  EXPECT_EQ(list.attributes[0].group, 0x0008);
  EXPECT_EQ(list.attributes[0].element, 0x0016);
  EXPECT_EQ(list.attributes[0].value, "1.2.840.10008.5.1.4.1.1.4");
  EXPECT_EQ(list.attributes[1].value, "王^小明");
  EXPECT_EQ(list.attributes[2].group, 0x0028);
  EXPECT_EQ(list.attributes[2].value, "512");
  EXPECT_EQ(list.attributes[3].value, "40\\400") << "several values stay joined with a backslash";
  EXPECT_EQ(list.attributes[4].value, "2.5");
  EXPECT_EQ(list.attributes[5].value, "") << "null: an empty value";
  EXPECT_EQ(list.attributes[6].group, 0x0002) << "the list's meta header is read (the writer leaves it out)";
}

TEST(HinacomTagList, UnknownTagsAndBadValues_KeptForTheWriterToJudge) {
  const auto list = parseTagList(R"([
    {"tag":"0009,1001","value":"private"},
    {"tag":"0008,FFF0","value":"unknown public"},
    {"tag":"0008,0020","value":"2026-13-45"},
    {"tag":"0028,0010","value":"1\\2\\3"}
  ])");
  EXPECT_EQ(list.malformed, 0u);
  EXPECT_EQ(list.attributes.size(), 4u);
}

TEST(HinacomTagList, MalformedEntries_CountedNotKept) {
  const auto list = parseTagList(R"J([
    "0008,0016", 42, null, [], {},
    {"tag":"8,16","value":"x"}, {"tag":"0008-0016","value":"x"}, {"tag":"GGGG,0016","value":"x"},
    {"tag":"0008,00160","value":"x"}, {"tag":"(0008,0016","value":"x"}, {"tag":" 0008,0016","value":"x"},
    {"tag":"0x08,0016","value":"x"}, {"tag":8,"value":"x"}, {"tag":null,"value":"x"},
    {"tag":"0008,0016","value":true}, {"tag":"0008,0016","value":["a","b"]}, {"tag":"0008,0016","value":{"a":1}},
    {"tag":"0008,0018","value":"1.2.3"}
  ])J");
  ASSERT_EQ(list.attributes.size(), 1u);
  EXPECT_EQ(list.attributes[0].element, 0x0018);
  EXPECT_EQ(list.malformed, 17u);
}

TEST(HinacomTagList, EmptyList_NoAttributes) {
  const auto list = parseTagList("[]");
  EXPECT_TRUE(list.attributes.empty());
  EXPECT_EQ(list.malformed, 0u);
}

TEST(HinacomTagList, NotAnArrayOrNotJson_Refused) {
  for (const std::string& text : {std::string(R"({"tag":"0008,0016","value":"1.2"})"), std::string("\"[]\""),
                                  std::string("null"), std::string(""), std::string("<html>error</html>"),
                                  std::string(R"([{"tag":"0008,0016","value":"1.2"})")}) {
    try {
      parseTagList(text);
      ADD_FAILURE() << "accepted: " << text;
    } catch (const std::invalid_argument& error) {
      EXPECT_NE(std::string(error.what()).find("tag list"), std::string::npos) << error.what();
    }
  }
}

TEST(HinacomTagList, NonUtf8Text_RefusedAsNotUtf8) {
  // GB18030 bytes for 王 (CD F5) inside a JSON string: not UTF-8, so not JSON.
  try {
    parseTagList("[{\"tag\":\"0010,0010\",\"value\":\"\xCD\xF5\"}]");
    ADD_FAILURE() << "accepted";
  } catch (const std::invalid_argument& error) {
    EXPECT_NE(std::string(error.what()).find("UTF-8"), std::string::npos) << error.what();
  }
}

TEST(HinacomTagList, TenThousandEntries_AllRead) {
  Json list = Json::array();
  for (int i = 0; i < 10000; ++i) {
    char tag[16];
    std::snprintf(tag, sizeof tag, "0009,%04X", i);
    list.push_back({{"tag", tag}, {"value", std::to_string(i)}});
  }
  const auto parsed = parseTagList(list.dump());
  ASSERT_EQ(parsed.attributes.size(), 10000u);
  EXPECT_EQ(parsed.attributes[9999].element, 9999);
  EXPECT_EQ(parsed.attributes[9999].value, "9999");
}

TEST(HinacomTagList, MoreEntriesThanTheLimit_Refused) {
  Json list = Json::array();
  for (int i = 0; i < 101; ++i) list.push_back({{"tag", "0008,0016"}, {"value", "1"}});
  EXPECT_NO_THROW(parseTagList(list.dump(), 101));
  try {
    parseTagList(list.dump(), 100);
    ADD_FAILURE() << "accepted";
  } catch (const std::invalid_argument& error) {
    EXPECT_NE(std::string(error.what()).find("101 entries"), std::string::npos) << error.what();
  }
}

TEST(HinacomTagList, HugeNumbersAndEscapes_ReadAsText) {
  const auto list = parseTagList(
      R"([{"tag":"0028,0010","value":1e308},{"tag":"0028,0011","value":-9223372036854775808},)"
      R"({"tag":"0010,0010","value":"a\u0000b"}])");
  ASSERT_EQ(list.attributes.size(), 3u);
  EXPECT_FALSE(list.attributes[0].value.empty());
  EXPECT_EQ(list.attributes[1].value, "-9223372036854775808");
  EXPECT_EQ(list.attributes[2].value, std::string("a\0b", 3)) << "a NUL inside is kept for the writer to refuse";
}

// ---- image sets -------------------------------------------------------------------------------------------------

Json goodImageSet() {
  return Json{{"patientName", "王小明"},
              {"patientId", "P123456"},
              {"studyDescription", "CT 胸部平扫"},
              {"studyDate", "2026-03-02 10:11:12"},
              {"storageNode", "node1"},
              {"displaySets",
               {{{"description", "5mm"},
                 {"seriesNumber", 2},
                 {"modality", "CT"},
                 {"images",
                  {{{"studyId", "S1"}, {"imageId", "I1"}, {"frame", 0}, {"nFrames", 1}},
                   {{"studyId", "S1"}, {"imageId", 1002}, {"frame", 0}, {"nFrames", 3}}}}},
                {{"description", "scout"}, {"seriesNumber", "1"}, {"images", {{{"imageId", "I9"}}}}}}}};
}

TEST(HinacomImageSet, GoodSet_StudySeriesAndImagesRead) {
  const ImageSet set = parseImageSet(goodImageSet().dump());
  EXPECT_EQ(set.patientName, "王小明");
  EXPECT_EQ(set.patientId, "P123456");
  EXPECT_EQ(set.studyDescription, "CT 胸部平扫");
  EXPECT_EQ(set.studyDate, "20260302");
  ASSERT_EQ(set.displaySets.size(), 2u);
  EXPECT_EQ(set.displaySets[0].description, "5mm");
  EXPECT_EQ(set.displaySets[0].seriesNumber, 2L);
  EXPECT_EQ(set.displaySets[0].modality, "CT");
  EXPECT_EQ(set.displaySets[1].seriesNumber, 1L) << "a number given as text";
  EXPECT_EQ(set.displaySets[1].modality, "");
  ASSERT_EQ(set.images.size(), 3u);
  EXPECT_EQ(set.images[0].imageId, "I1");
  EXPECT_EQ(set.images[0].instanceNumber, 1u);
  EXPECT_EQ(set.images[1].imageId, "1002") << "a numeric id, as text";
  EXPECT_EQ(set.images[1].instanceNumber, 2u);
  EXPECT_EQ(set.images[1].frames, 3u);
  EXPECT_EQ(set.images[2].displaySet, 1u);
  EXPECT_EQ(set.images[2].instanceNumber, 1u) << "numbered within its own display set";
  EXPECT_EQ(set.images[2].studyId, "") << "no studyId: the URL's study applies";
}

TEST(HinacomImageSet, MissingFields_EmptyNotFatal) {
  const ImageSet set = parseImageSet(R"({"displaySets":[{"images":[{"imageId":"1"}]}]})");
  EXPECT_EQ(set.patientName, "");
  EXPECT_EQ(set.studyDate, "");
  ASSERT_EQ(set.displaySets.size(), 1u);
  EXPECT_FALSE(set.displaySets[0].seriesNumber.has_value());
  ASSERT_EQ(set.images.size(), 1u);
  EXPECT_EQ(set.images[0].frames, 1u);
}

TEST(HinacomImageSet, NotAnImageSet_Refused) {
  for (const std::string& text : {std::string("[]"), std::string("{}"), std::string(R"({"displaySets":{}})"),
                                  std::string(R"({"displaySets":"a"})"), std::string("<html>"), std::string(""),
                                  std::string("{\"patientName\":\"\xCD\xF5\",\"displaySets\":[]}")}) {
    try {
      parseImageSet(text);
      ADD_FAILURE() << "accepted: " << text;
    } catch (const std::invalid_argument& error) {
      EXPECT_NE(std::string(error.what()).find("image set"), std::string::npos) << error.what();
    }
  }
}

TEST(HinacomImageSet, BadImagesAndDisplaySets_Skipped) {
  const ImageSet set = parseImageSet(R"({"displaySets":[
      42, "x", null,
      {"description":"a","images":"nope"},
      {"description":"b","images":[1, "I", null, {}, {"imageId":""}, {"imageId":"a|b"}, {"imageId":"a b"},
                                   {"imageId":true}, {"imageId":1.5}, {"imageId":"ok"}]}
  ]})");
  ASSERT_EQ(set.displaySets.size(), 2u) << "only objects are display sets";
  ASSERT_EQ(set.images.size(), 1u);
  EXPECT_EQ(set.images[0].imageId, "ok");
  EXPECT_EQ(set.images[0].displaySet, 1u);
  EXPECT_EQ(set.images[0].instanceNumber, 1u);
}

TEST(HinacomImageSet, HostileSizes_Bounded) {
  Json json = goodImageSet();
  json["patientName"] = std::string(1 << 20, 'A');
  json["patientId"] = std::string(5000, '1');
  json["studyDescription"] = std::string(5000, 'D');
  json["studyDate"] = "2026030299";
  json["displaySets"][0]["description"] = std::string(5000, 'S');
  json["displaySets"][0]["seriesNumber"] = 1e100;
  json["displaySets"][0]["modality"] = std::string(17, 'C');
  json["displaySets"][0]["images"][0]["nFrames"] = 4294967297.0;
  json["displaySets"][0]["images"][1]["nFrames"] = -5;
  const ImageSet set = parseImageSet(json.dump());
  EXPECT_LE(set.patientName.size(), 1024u);
  EXPECT_LE(set.patientId.size(), 64u);
  EXPECT_LE(set.studyDescription.size(), 64u);
  EXPECT_EQ(set.studyDate, "") << "ten digits are not a date";
  EXPECT_LE(set.displaySets[0].description.size(), 64u);
  EXPECT_FALSE(set.displaySets[0].seriesNumber.has_value());
  EXPECT_EQ(set.displaySets[0].modality, "");
  EXPECT_EQ(set.images[0].frames, 1u);
  EXPECT_EQ(set.images[1].frames, 1u);
}

TEST(HinacomImageSet, CutNames_StayValidUtf8) {
  // 100 three-byte characters (300 bytes) in fields kept to 64 bytes: cut on a character boundary, never inside one.
  std::string chinese;
  for (int i = 0; i < 100; ++i) chinese += "胸";
  Json json = goodImageSet();
  json["patientId"] = chinese;
  json["studyDescription"] = chinese;
  json["displaySets"][0]["description"] = chinese;
  std::string longName;
  for (int i = 0; i < 400; ++i) longName += "王";  // 1200 bytes, over the 1024 kept of a name
  json["patientName"] = longName;
  const ImageSet set = parseImageSet(json.dump());
  for (const std::string* field :
       {&set.patientId, &set.studyDescription, &set.displaySets[0].description, &set.patientName}) {
    EXPECT_FALSE(field->empty());
    EXPECT_EQ(field->size() % 3, 0u) << "cut inside a character: " << field->size() << " bytes";
    EXPECT_NO_THROW((void)Json(*field).dump()) << "not valid UTF-8";
  }
}

TEST(HinacomImageSet, MoreImagesThanTheLimit_Refused) {
  Json images = Json::array();
  for (int i = 0; i < 11; ++i) images.push_back({{"imageId", std::to_string(i)}});
  const Json json{{"displaySets", {{{"images", images}}}}};
  EXPECT_EQ(parseImageSet(json.dump(), 11).images.size(), 11u);
  try {
    parseImageSet(json.dump(), 10);
    ADD_FAILURE() << "accepted";
  } catch (const std::invalid_argument& error) {
    EXPECT_NE(std::string(error.what()).find("too many images"), std::string::npos) << error.what();
  }
}

TEST(HinacomImageSet, ManyImages_Read) {
  Json images = Json::array();
  for (int i = 0; i < 5000; ++i) images.push_back({{"studyId", "S"}, {"imageId", std::to_string(i)}, {"nFrames", 1}});
  const Json json{{"patientName", "x"}, {"displaySets", {{{"description", "d"}, {"images", images}}}}};
  const ImageSet set = parseImageSet(json.dump());
  ASSERT_EQ(set.images.size(), 5000u);
  EXPECT_EQ(set.images[4999].instanceNumber, 5000u);
}

}  // namespace
}  // namespace cloudfilm::vendor::hinacom
