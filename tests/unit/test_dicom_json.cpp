// dicom/dicom_json: DICOM JSON (PS3.18 Annex F) read into a DCMTK dataset and written as Part-10 with frames.
#include "dicom/dicom_json.h"
#include "dicom/dicom_json_dcmtk.h"
#include "dicom/dicom_file.h"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcpixel.h>
#include <dcmtk/dcmdata/dcpixseq.h>
#include <dcmtk/dcmdata/dcpxitem.h>
#include <dcmtk/dcmdata/dcsequen.h>
#include <dcmtk/dcmdata/dcvrsv.h>
#include <dcmtk/dcmdata/dcvruv.h>

#include <gtest/gtest.h>

#include "test_files.h"

namespace cloudfilm {
namespace {

using nlohmann::json;
using namespace cloudfilm::test;

std::string str(DcmItem& item, const DcmTagKey& tag) {
  OFString value;
  item.findAndGetOFStringArray(tag, value);
  return std::string(value.c_str(), value.length());
}

std::unique_ptr<DcmDataset> read(const json& j, std::vector<std::string>* omitted = nullptr,
                                 const dicom::BulkDataResolver& resolve = {}) {
  return dicom::datasetFromJson(j, resolve, omitted);
}

json identity(const std::string& sop = "1.2.3.4.5") {
  return {{"00080016", {{"vr", "UI"}, {"Value", {"1.2.840.10008.5.1.4.1.1.4"}}}},
          {"00080018", {{"vr", "UI"}, {"Value", {sop}}}},
          {"0020000D", {{"vr", "UI"}, {"Value", {"1.2.3"}}}},
          {"0020000E", {{"vr", "UI"}, {"Value", {"1.2.3.4"}}}}};
}

class DicomJson : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_FALSE(dicom::initialize().has_value()); }
  TempDir dir_;
};

TEST_F(DicomJson, EveryTextVr) {
  const json j = {
      {"00080054", {{"vr", "AE"}, {"Value", {"ORTHANC", "PACS"}}}},
      {"00101010", {{"vr", "AS"}, {"Value", {"045Y"}}}},
      {"00080060", {{"vr", "CS"}, {"Value", {"MR"}}}},
      {"00080020", {{"vr", "DA"}, {"Value", {"20240102"}}}},
      {"0008002A", {{"vr", "DT"}, {"Value", {"20240102123000.5"}}}},
      {"00081030", {{"vr", "LO"}, {"Value", {"Brain"}}}},
      {"00204000", {{"vr", "LT"}, {"Value", {"line one\r\nline two"}}}},
      {"00081010", {{"vr", "SH"}, {"Value", {"STATION"}}}},
      {"00321060", {{"vr", "LO"}, {"Value", {nullptr, "second"}}}},
      {"00080081", {{"vr", "ST"}, {"Value", {"Main street 1"}}}},
      {"00080030", {{"vr", "TM"}, {"Value", {"123000"}}}},
      {"00080119", {{"vr", "UC"}, {"Value", {"a long code value"}}}},
      {"00080018", {{"vr", "UI"}, {"Value", {"1.2.3.4.5"}}}},
      {"0008010E", {{"vr", "UR"}, {"Value", {"http://example.org/x"}}}},
      {"00181030", {{"vr", "LO"}}},  // present, empty
      {"00287FE0", {{"vr", "UR"}, {"Value", {"https://example.org/pixels"}}}},
      {"00400280", {{"vr", "ST"}, {"Value", {"comment"}}}},
      {"00081080", {{"vr", "LO"}, {"Value", {"a", "b", "c"}}}},
      {"00189004", {{"vr", "CS"}, {"Value", {"RESEARCH"}}}},
      {"0040A160", {{"vr", "UT"}, {"Value", {"unlimited text"}}}},
  };
  auto ds = read(j);
  EXPECT_EQ(str(*ds, DCM_RetrieveAETitle), "ORTHANC\\PACS");
  EXPECT_EQ(str(*ds, DCM_PatientAge), "045Y");
  EXPECT_EQ(str(*ds, DCM_StudyDate), "20240102");
  EXPECT_EQ(str(*ds, DCM_AcquisitionDateTime), "20240102123000.5");
  EXPECT_EQ(str(*ds, DCM_ImageComments), "line one\r\nline two");
  EXPECT_EQ(str(*ds, DCM_RequestedProcedureDescription), "\\second");
  EXPECT_EQ(str(*ds, DCM_TextValue), "unlimited text");
  EXPECT_EQ(str(*ds, DCM_AdmittingDiagnosesDescription), "a\\b\\c");
  EXPECT_EQ(str(*ds, DCM_PixelDataProviderURL), "https://example.org/pixels");
  DcmElement* empty = nullptr;
  ASSERT_TRUE(ds->findAndGetElement(DCM_ProtocolName, empty).good());
  EXPECT_EQ(empty->getLength(), 0u);
}

TEST_F(DicomJson, NumbersAndTags) {
  const json j = {
      {"00280010", {{"vr", "US"}, {"Value", {512}}}},
      {"00280106", {{"vr", "SS"}, {"Value", {-32768}}}},
      {"00181310", {{"vr", "US"}, {"Value", {0, 256, 256, 0}}}},
      {"00280008", {{"vr", "IS"}, {"Value", {3}}}},
      {"00200013", {{"vr", "IS"}, {"Value", {"7"}}}},
      {"00280030", {{"vr", "DS"}, {"Value", {0.3125, 0.3125}}}},
      {"00180050", {{"vr", "DS"}, {"Value", {63.924339}}}},
      {"00181314", {{"vr", "DS"}, {"Value", {90}}}},
      {"00189087", {{"vr", "FD"}, {"Value", {1000.5}}}},
      {"00189180", {{"vr", "FL"}, {"Value", {1.5, -2.25}}}},  // wrong VR for the tag on purpose: JSON's vr wins
      {"00209057", {{"vr", "UL"}, {"Value", {4294967295u}}}},
      {"00189219", {{"vr", "SL"}, {"Value", {-2147483648ll}}}},
      {"00720082", {{"vr", "SV"}, {"Value", {"-9007199254740993"}}}},
      {"00720083", {{"vr", "UV"}, {"Value", {"18446744073709551615"}}}},
      {"00209165", {{"vr", "AT"}, {"Value", {"00280010", "7FE00010"}}}},
  };
  auto ds = read(j);
  Uint16 rows = 0;
  EXPECT_TRUE(ds->findAndGetUint16(DCM_Rows, rows).good());
  EXPECT_EQ(rows, 512);
  Sint16 smallest = 0;
  EXPECT_TRUE(ds->findAndGetSint16(DCM_SmallestImagePixelValue, smallest).good());
  EXPECT_EQ(smallest, -32768);
  Uint16 matrix = 0;
  EXPECT_TRUE(ds->findAndGetUint16(DCM_AcquisitionMatrix, matrix, 2).good());
  EXPECT_EQ(matrix, 256);
  EXPECT_EQ(str(*ds, DCM_NumberOfFrames), "3");
  EXPECT_EQ(str(*ds, DCM_InstanceNumber), "7");
  EXPECT_EQ(str(*ds, DCM_PixelSpacing), "0.3125\\0.3125");
  EXPECT_EQ(str(*ds, DCM_SliceThickness), "63.924339");
  EXPECT_EQ(str(*ds, DCM_FlipAngle), "90");
  Float64 fd = 0;
  EXPECT_TRUE(ds->findAndGetFloat64(DcmTagKey(0x0018, 0x9087), fd).good());
  EXPECT_DOUBLE_EQ(fd, 1000.5);
  Float32 fl = 0;
  EXPECT_TRUE(ds->findAndGetFloat32(DcmTagKey(0x0018, 0x9180), fl, 1).good());
  EXPECT_FLOAT_EQ(fl, -2.25f);
  Uint32 ul = 0;
  EXPECT_TRUE(ds->findAndGetUint32(DcmTagKey(0x0020, 0x9057), ul).good());
  EXPECT_EQ(ul, 4294967295u);
  Sint32 sl = 0;
  EXPECT_TRUE(ds->findAndGetSint32(DcmTagKey(0x0018, 0x9219), sl).good());
  EXPECT_EQ(sl, std::numeric_limits<Sint32>::min());
  DcmElement* element = nullptr;
  ASSERT_TRUE(ds->findAndGetElement(DcmTagKey(0x0072, 0x0082), element).good());
  Sint64 sv = 0;
  EXPECT_TRUE(dynamic_cast<DcmSigned64bitVeryLong*>(element)->getSint64(sv).good());
  EXPECT_EQ(sv, -9007199254740993ll);
  ASSERT_TRUE(ds->findAndGetElement(DcmTagKey(0x0072, 0x0083), element).good());
  Uint64 uv = 0;
  EXPECT_TRUE(dynamic_cast<DcmUnsigned64bitVeryLong*>(element)->getUint64(uv).good());
  EXPECT_EQ(uv, std::numeric_limits<Uint64>::max());
  EXPECT_EQ(str(*ds, DcmTagKey(0x0020, 0x9165)), "(0028,0010)\\(7fe0,0010)");
}

TEST_F(DicomJson, PersonNameGroups) {
  const json j = {
      {"00100010",
       {{"vr", "PN"},
        {"Value", {{{"Alphabetic", "Yamada^Tarou"}, {"Ideographic", "山田^太郎"}, {"Phonetic", "やまだ^たろう"}}}}}},
      {"00080090", {{"vr", "PN"}, {"Value", {{{"Alphabetic", "Smith^John"}}, {{"Ideographic", "王^小明"}}}}}},
      {"00081050", {{"vr", "PN"}, {"Value", {{{"Alphabetic", "Doe"}, {"Phonetic", "doe"}}}}}},
  };
  bool nonAscii = false;
  auto ds = dicom::datasetFromJson(j, {}, nullptr, &nonAscii);
  EXPECT_TRUE(nonAscii);
  EXPECT_EQ(str(*ds, DCM_PatientName), "Yamada^Tarou=山田^太郎=やまだ^たろう");
  EXPECT_EQ(str(*ds, DCM_ReferringPhysicianName), "Smith^John\\=王^小明");
  EXPECT_EQ(str(*ds, DCM_PerformingPhysicianName), "Doe==doe");
}

TEST_F(DicomJson, NestedSequences) {
  json inner = {{"00081150", {{"vr", "UI"}, {"Value", {"1.2.840.10008.5.1.4.1.1.4"}}}},
                {"00081155", {{"vr", "UI"}, {"Value", {"1.2.3.9"}}}}};
  json code = {{"00080100", {{"vr", "SH"}, {"Value", {"T-A0100"}}}},
               {"00080104", {{"vr", "LO"}, {"Value", {"Brain"}}}},
               {"00082228", {{"vr", "SQ"}, {"Value", {{{"00080100", {{"vr", "SH"}, {"Value", {"X"}}}}}}}}}};
  const json j = {{"00081140", {{"vr", "SQ"}, {"Value", {inner, inner}}}},
                  {"00082218", {{"vr", "SQ"}, {"Value", {code}}}},
                  {"00081250", {{"vr", "SQ"}, {"Value", json::array()}}},
                  {"00400275", {{"vr", "SQ"}}}};
  auto ds = read(j);
  DcmSequenceOfItems* sequence = nullptr;
  ASSERT_TRUE(ds->findAndGetSequence(DCM_ReferencedImageSequence, sequence).good());
  EXPECT_EQ(sequence->card(), 2u);
  EXPECT_EQ(str(*sequence->getItem(1), DCM_ReferencedSOPInstanceUID), "1.2.3.9");
  DcmItem* item = nullptr;
  ASSERT_TRUE(ds->findAndGetSequenceItem(DCM_AnatomicRegionSequence, item, 0).good());
  EXPECT_EQ(str(*item, DCM_CodeMeaning), "Brain");
  DcmItem* nested = nullptr;
  ASSERT_TRUE(item->findAndGetSequenceItem(DCM_PrimaryAnatomicStructureSequence, nested, 0).good());
  EXPECT_EQ(str(*nested, DCM_CodeValue), "X");
  ASSERT_TRUE(ds->findAndGetSequence(DCM_RelatedSeriesSequence, sequence).good());
  EXPECT_EQ(sequence->card(), 0u);
  ASSERT_TRUE(ds->findAndGetSequence(DCM_RequestAttributesSequence, sequence).good());
  EXPECT_EQ(sequence->card(), 0u);
}

TEST_F(DicomJson, InlineBinaryAndBulkData) {
  const std::string words("\x01\x02\x03\x04", 4);
  const json j = {
      {"00091010", {{"vr", "OB"}, {"InlineBinary", base64Encode(std::string("\x00\xff\x10", 3))}}},
      {"00283006", {{"vr", "OW"}, {"InlineBinary", base64Encode(words)}}},
      {"00660016", {{"vr", "OF"}, {"InlineBinary", base64Encode(std::string("\x00\x00\xc0\x3f", 4))}}},
      {"00091011", {{"vr", "UN"}, {"BulkDataURI", "http://orthanc:8042/bulk/00091011"}}},
      {"00091012", {{"vr", "OB"}, {"BulkDataURI", "http://orthanc:8042/bulk/missing"}}},
      {"00280106", {{"vr", "US"}, {"InlineBinary", base64Encode(std::string("\x10\x00", 2))}}},
  };
  std::vector<std::string> omitted;
  auto ds = read(j, &omitted, [](const std::string& uri) -> std::optional<std::string> {
    if (uri.find("00091011") != std::string::npos) return std::string("bulk", 4);
    return std::nullopt;
  });
  const Uint8* bytes = nullptr;
  unsigned long count = 0;
  ASSERT_TRUE(ds->findAndGetUint8Array(DcmTagKey(0x0009, 0x1010), bytes, &count).good());
  ASSERT_EQ(count, 4u);  // padded to even length
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(bytes), 4), std::string("\x00\xff\x10\x00", 4));
  const Uint16* lut = nullptr;
  ASSERT_TRUE(ds->findAndGetUint16Array(DCM_LUTData, lut, &count).good());
  ASSERT_EQ(count, 2u);
  EXPECT_EQ(lut[0], 0x0201);
  EXPECT_EQ(lut[1], 0x0403);
  const Float32* floats = nullptr;
  ASSERT_TRUE(ds->findAndGetFloat32Array(DcmTagKey(0x0066, 0x0016), floats, &count).good());
  EXPECT_FLOAT_EQ(floats[0], 1.5f);
  ASSERT_TRUE(ds->findAndGetUint8Array(DcmTagKey(0x0009, 0x1011), bytes, &count).good());
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(bytes), count), "bulk");
  EXPECT_FALSE(ds->tagExists(DcmTagKey(0x0009, 0x1012)));
  ASSERT_EQ(omitted.size(), 1u);
  EXPECT_EQ(omitted[0], "(0009,1012)");
  Uint16 smallest = 0;
  EXPECT_TRUE(ds->findAndGetUint16(DCM_SmallestImagePixelValue, smallest).good());
  EXPECT_EQ(smallest, 16);
}

TEST_F(DicomJson, MetaAndGroupLengthAttributesAreSkipped) {
  json j = identity();
  j["00020010"] = {{"vr", "UI"}, {"Value", {"1.2.840.10008.1.2.4.80"}}};
  j["00080000"] = {{"vr", "UL"}, {"Value", {12}}};
  auto ds = read(j);
  EXPECT_FALSE(ds->tagExists(DCM_TransferSyntaxUID));
  EXPECT_FALSE(ds->tagExists(DcmTagKey(0x0008, 0x0000)));
  EXPECT_EQ(str(*ds, DCM_SOPInstanceUID), "1.2.3.4.5");
}

struct Hostile {
  const char* name;
  json value;
  const char* expectInMessage;
};

class DicomJsonHostile : public DicomJson, public ::testing::WithParamInterface<Hostile> {};

json deepSequence(int depth) {
  json item = json::object();
  for (int i = 0; i < depth; ++i) item = json{{"00081140", {{"vr", "SQ"}, {"Value", {item}}}}};
  return item;
}

INSTANTIATE_TEST_SUITE_P(
    Errors, DicomJsonHostile,
    ::testing::Values(
        Hostile{"NotAnObject", json::array({1, 2}), "expected an object"},
        Hostile{"AttributeNotObject", json{{"00100010", "Smith"}}, "expected an attribute object"},
        Hostile{"BadKey", json{{"0010001G", {{"vr", "LO"}}}}, "not 8 hex digits"},
        Hostile{"ShortKey", json{{"10", {{"vr", "LO"}}}}, "not 8 hex digits"},
        Hostile{"UnknownVr", json{{"00100010", {{"vr", "XX"}, {"Value", {"a"}}}}}, "unknown VR"},
        Hostile{"VrNotString", json{{"00100010", {{"vr", 5}}}}, "\"vr\" must be a string"},
        Hostile{"ValueNotArray", json{{"00100020", {{"vr", "LO"}, {"Value", "abc"}}}}, "Value must be an array"},
        Hostile{"NumberForText", json{{"00100020", {{"vr", "LO"}, {"Value", {12}}}}}, "expected a string"},
        Hostile{"StringForUs", json{{"00280010", {{"vr", "US"}, {"Value", {"512"}}}}}, "expected an integer"},
        Hostile{"FractionForUs", json{{"00280010", {{"vr", "US"}, {"Value", {1.5}}}}}, "expected an integer"},
        Hostile{"UsOutOfRange", json{{"00280010", {{"vr", "US"}, {"Value", {70000}}}}}, "out of range"},
        Hostile{"NegativeUl", json{{"00209057", {{"vr", "UL"}, {"Value", {-1}}}}}, "out of range"},
        Hostile{"HugeNumberIs", json{{"00200013", {{"vr", "IS"}, {"Value", {1e300}}}}}, "out of range"},
        Hostile{"ObjectForFd", json{{"00189087", {{"vr", "FD"}, {"Value", {json::object()}}}}}, "expected a number"},
        Hostile{"NullForUs", json{{"00280010", {{"vr", "US"}, {"Value", {nullptr}}}}}, "expected an integer"},
        Hostile{"PnNotObject", json{{"00100010", {{"vr", "PN"}, {"Value", {42}}}}}, "person name must be"},
        Hostile{"PnGroupNotString", json{{"00100010", {{"vr", "PN"}, {"Value", {{{"Alphabetic", 1}}}}}}},
                "Alphabetic must be a string"},
        Hostile{"ItemNotObject", json{{"00081140", {{"vr", "SQ"}, {"Value", {"x"}}}}}, "expected an object"},
        Hostile{"DeepNesting", deepSequence(500), "nested deeper"},
        Hostile{"BadBase64", json{{"00091010", {{"vr", "OB"}, {"InlineBinary", "@@not base64@@"}}}}, "not valid base64"},
        Hostile{"InlineNotString", json{{"00091010", {{"vr", "OB"}, {"InlineBinary", 3}}}}, "must be a string"},
        Hostile{"OwOddLength", json{{"00283006", {{"vr", "OW"}, {"InlineBinary", "AAEC"}}}}, "whole number"},
        Hostile{"ValueForOb", json{{"00091010", {{"vr", "OB"}, {"Value", {1, 2}}}}}, "not Value"},
        Hostile{"ValueAndInline",
                json{{"00091010", {{"vr", "OB"}, {"InlineBinary", "AA=="}, {"BulkDataURI", "http://x/y"}}}},
                "more than one"},
        Hostile{"TooLongForShortVr", json{{"00100020", {{"vr", "LO"}, {"Value", {std::string(70000, 'a')}}}}},
                "longer than 65534"},
        Hostile{"TwoValuesForLt", json{{"00204000", {{"vr", "LT"}, {"Value", {"a", "b"}}}}}, "single value"},
        Hostile{"NulInText", json{{"00100020", {{"vr", "LO"}, {"Value", {std::string("a\0b", 3)}}}}}, "NUL"},
        Hostile{"ItemTag", json{{"FFFEE000", {{"vr", "OB"}}}}, "not an attribute"},
        Hostile{"BadAt", json{{"00209165", {{"vr", "AT"}, {"Value", {7}}}}}, "AT value"},
        Hostile{"NoVrPrivate", json{{"00091010", {{"Value", {"x"}}}}}, "no \"vr\""}),
    [](const auto& info) { return std::string(info.param.name); });

TEST_P(DicomJsonHostile, ClearError) {
  try {
    read(GetParam().value);
    FAIL() << "accepted";
  } catch (const dicom::DicomJsonError& error) {
    EXPECT_NE(std::string(error.what()).find(GetParam().expectInMessage), std::string::npos) << error.what();
  }
}

TEST_F(DicomJson, SizeLimitsAreCheckedBeforeDecoding) {
  dicom::DicomJsonLimits limits;
  limits.maxValueBytes = 1000;
  const json j = {{"00091010", {{"vr", "OB"}, {"InlineBinary", std::string(4000, 'A')}}}};
  EXPECT_THROW(dicom::datasetFromJson(j, {}, nullptr, nullptr, limits), dicom::DicomJsonError);
}

json imageJson(const std::string& sop, int rows, int columns, int bits, int frames) {
  json j = identity(sop);
  j["00280002"] = {{"vr", "US"}, {"Value", {1}}};
  j["00280004"] = {{"vr", "CS"}, {"Value", {"MONOCHROME2"}}};
  j["00280010"] = {{"vr", "US"}, {"Value", {rows}}};
  j["00280011"] = {{"vr", "US"}, {"Value", {columns}}};
  j["00280100"] = {{"vr", "US"}, {"Value", {bits}}};
  j["00280101"] = {{"vr", "US"}, {"Value", {bits}}};
  j["00280102"] = {{"vr", "US"}, {"Value", {bits - 1}}};
  j["00280103"] = {{"vr", "US"}, {"Value", {0}}};
  if (frames > 1) j["00280008"] = {{"vr", "IS"}, {"Value", {frames}}};
  j["7FE00010"] = {{"vr", "OW"}, {"BulkDataURI", "http://orthanc/bulk/7fe00010"}};
  return j;
}

TEST_F(DicomJson, NativeFramesConcatenated) {
  const auto j = imageJson("1.2.3.4.10", 4, 3, 16, 2);
  dicom::FramePixelData pixels{"1.2.840.10008.1.2.1", {std::string(24, '\x01'), std::string(24, '\x02')}};
  const auto file = dir_ / "native.dcm";
  const auto notes = dicom::writeInstanceFromJson(j, {}, pixels, file);
  EXPECT_EQ(notes.transferSyntaxUid, "1.2.840.10008.1.2.1");
  EXPECT_TRUE(notes.omittedBulkData.empty());  // pixel data came from the frames
  const auto inspection = dicom::inspectFile(file, dicom::Framing::Part10);
  ASSERT_TRUE(inspection.usable) << inspection.reason;
  EXPECT_EQ(inspection.info.numberOfFrames, 2u);
  DcmFileFormat ff;
  ASSERT_TRUE(ff.loadFile(file.c_str()).good());
  const Uint8* bytes = nullptr;
  unsigned long count = 0;
  ASSERT_TRUE(ff.getDataset()->findAndGetUint8Array(DCM_PixelData, bytes, &count).good());
  ASSERT_EQ(count, 48u);
  EXPECT_EQ(bytes[23], 1);
  EXPECT_EQ(bytes[24], 2);
  EXPECT_EQ(str(*ff.getMetaInfo(), DCM_MediaStorageSOPInstanceUID), "1.2.3.4.10");
  EXPECT_EQ(str(*ff.getMetaInfo(), DCM_TransferSyntaxUID), "1.2.840.10008.1.2.1");
  EXPECT_EQ(str(*ff.getMetaInfo(), DCM_ImplementationClassUID), "2.25.298463114914755701403702446513668780696");
}

TEST_F(DicomJson, EncapsulatedFramesWithOffsetTable) {
  const auto j = imageJson("1.2.3.4.11", 4, 3, 8, 3);
  const std::string jls1("\xFF\xD8\xFF\xF7 one frame\xFF\xD9", 15);  // odd length: padded
  const std::string jls2("\xFF\xD8\xFF\xF7 two!\xFF\xD9", 10);
  dicom::FramePixelData pixels{"1.2.840.10008.1.2.4.80", {jls1, jls2, jls1}};
  const auto file = dir_ / "jls.dcm";
  dicom::writeInstanceFromJson(j, {}, pixels, file);
  const auto inspection = dicom::inspectFile(file, dicom::Framing::Part10);
  ASSERT_TRUE(inspection.usable) << inspection.reason;
  EXPECT_EQ(inspection.info.transferSyntaxUid, "1.2.840.10008.1.2.4.80");
  EXPECT_TRUE(inspection.info.encapsulatedPixelData);

  DcmFileFormat ff;
  ASSERT_TRUE(ff.loadFile(file.c_str()).good());
  DcmElement* element = nullptr;
  ASSERT_TRUE(ff.getDataset()->findAndGetElement(DCM_PixelData, element).good());
  DcmPixelSequence* sequence = nullptr;
  ASSERT_TRUE(dynamic_cast<DcmPixelData*>(element)
                  ->getEncapsulatedRepresentation(EXS_JPEGLSLossless, nullptr, sequence).good());
  ASSERT_EQ(sequence->card(), 4u);  // offset table + one fragment per frame
  DcmPixelItem* item = nullptr;
  ASSERT_TRUE(sequence->getItem(item, 0).good());
  Uint8* table = nullptr;
  ASSERT_TRUE(item->getUint8Array(table).good());
  ASSERT_EQ(item->getLength(), 12u);
  const auto offset = [&](int i) {
    return Uint32(table[4 * i]) | Uint32(table[4 * i + 1]) << 8 | Uint32(table[4 * i + 2]) << 16 |
           Uint32(table[4 * i + 3]) << 24;
  };
  EXPECT_EQ(offset(0), 0u);
  EXPECT_EQ(offset(1), 8u + 16u);
  EXPECT_EQ(offset(2), 8u + 16u + 8u + 10u);
  ASSERT_TRUE(sequence->getItem(item, 2).good());
  Uint8* fragment = nullptr;
  ASSERT_TRUE(item->getUint8Array(fragment).good());
  EXPECT_EQ(std::string(reinterpret_cast<char*>(fragment), item->getLength()), jls2);
}

TEST_F(DicomJson, TextIsWrittenInTheDeclaredCharacterSet) {
  json j = identity("1.2.3.4.12");
  j["00080005"] = {{"vr", "CS"}, {"Value", {"GB18030"}}};
  j["00100010"] = {{"vr", "PN"}, {"Value", {{{"Alphabetic", "WANG^XIAOMING"}, {"Ideographic", "王^小明"}}}}};
  const auto file = dir_ / "gb.dcm";
  dicom::writeInstanceFromJson(j, {}, std::nullopt, file);
  const auto raw = readFile(file);
  EXPECT_NE(raw.find("WANG^XIAOMING=\xCD\xF5^\xD0\xA1\xC3\xF7"), std::string::npos);
  const auto inspection = dicom::inspectFile(file, dicom::Framing::Part10);
  ASSERT_TRUE(inspection.usable) << inspection.reason;
  EXPECT_EQ(inspection.info.patientName, "WANG^XIAOMING=王^小明");
}

TEST_F(DicomJson, UndeclaredNonAsciiTextBecomesUtf8) {
  json j = identity("1.2.3.4.13");
  j["00081030"] = {{"vr", "LO"}, {"Value", {"Gehirn \xC3\xBC"}}};
  const auto file = dir_ / "utf8.dcm";
  dicom::writeInstanceFromJson(j, {}, std::nullopt, file);
  EXPECT_EQ(dicomString(file, DCM_SpecificCharacterSet), "ISO_IR 192");
}

TEST_F(DicomJson, MissingSopInstanceUidIsAnError) {
  json j = identity();
  j.erase("00080018");
  EXPECT_THROW(dicom::writeInstanceFromJson(j, {}, std::nullopt, dir_ / "x.dcm"), dicom::DicomJsonError);
  EXPECT_FALSE(fs::exists(dir_ / "x.dcm"));
}

}  // namespace
}  // namespace cloudfilm
