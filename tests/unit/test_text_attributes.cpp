// dicom/text_attributes: a DICOM file from a text tag list (Hinacom's GetImageDicomTags) and pixels, written to a
// temporary file and read back with DCMTK. The list comes from a web page: every value that does not fit its VR is
// refused with a note, never a crash, and the meta header is always CloudFilm's own.
#include "dicom/text_attributes.h"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcmetinf.h>

#include <gtest/gtest.h>

#include "dicom/dicom_file.h"
#include "test_files.h"
#include "util/error.h"

namespace cloudfilm {
namespace {

using namespace cloudfilm::test;
using dicom::TextAttribute;
using dicom::TextInstance;

constexpr const char* kMr = "1.2.840.10008.5.1.4.1.1.4";
constexpr const char* kExplicitLittle = "1.2.840.10008.1.2.1";

std::string str(DcmItem& item, const DcmTagKey& tag) {
  OFString value;
  item.findAndGetOFStringArray(tag, value);
  return std::string(value.c_str(), value.length());
}

std::string vrOf(DcmItem& item, const DcmTagKey& tag) {
  DcmElement* element = nullptr;
  if (item.findAndGetElement(tag, element).bad() || element == nullptr) return "absent";
  return DcmVR(element->getVR()).getVRName();
}

// The four identity UIDs and a 4 x 2 16-bit image's description.
std::vector<TextAttribute> identity(const std::string& sop = "1.2.826.0.1.3680043.2.1143.7") {
  return {{0x0008, 0x0016, kMr},
          {0x0008, 0x0018, sop},
          {0x0020, 0x000D, "1.2.826.0.1.3680043.2.1143.1"},
          {0x0020, 0x000E, "1.2.826.0.1.3680043.2.1143.2"},
          {0x0028, 0x0002, "1"},
          {0x0028, 0x0004, "MONOCHROME2"},
          {0x0028, 0x0010, "2"},
          {0x0028, 0x0011, "4"},
          {0x0028, 0x0100, "16"},
          {0x0028, 0x0101, "12"},
          {0x0028, 0x0102, "11"},
          {0x0028, 0x0103, "0"}};
}

dicom::FramePixelData rawPixels(std::size_t bytes = 16) {
  std::string frame(bytes, '\0');
  for (std::size_t i = 0; i < bytes; ++i) frame[i] = static_cast<char>(i * 11);
  return {kExplicitLittle, {frame}};
}

class TextAttributes : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dicom::initialize().has_value());
    quietDcmtk();
  }

  fs::path target() { return dir_.path() / ("out-" + std::to_string(++count_) + ".dcm"); }

  // Writes and reads back; the file must be one DCMTK reads and CloudFilm's own inspection calls usable.
  dicom::TextRebuildNotes write(std::vector<TextAttribute> attributes, DcmFileFormat& file,
                                dicom::FramePixelData pixels = rawPixels(), std::string rebuiltFrom = "hinacom-tags") {
    const fs::path path = target();
    const auto notes = dicom::writeInstanceFromText({std::move(attributes), std::move(pixels), rebuiltFrom}, path);
    EXPECT_TRUE(file.loadFile(OFFilename(path.c_str())).good());
    const auto inspection = dicom::inspectFile(path, dicom::Framing::Part10);
    EXPECT_TRUE(inspection.usable) << inspection.reason;
    return notes;
  }

  // What a refusal of the whole file says; fails the test when the file was written.
  std::string refusal(std::vector<TextAttribute> attributes, dicom::FramePixelData pixels = rawPixels()) {
    const fs::path folder = dir_.path() / ("refused-" + std::to_string(++count_));
    fs::create_directory(folder);
    const fs::path path = folder / "out.dcm";
    try {
      dicom::writeInstanceFromText({std::move(attributes), std::move(pixels), "hinacom-tags"}, path);
    } catch (const dicom::DicomJsonError& error) {
      EXPECT_EQ(countEntries(folder), 0u) << "nothing is left behind";
      return error.what();
    }
    ADD_FAILURE() << "written";
    return {};
  }

  static bool refusedNamed(const dicom::TextRebuildNotes& notes, const std::string& tag) {
    for (const auto& line : notes.refused)
      if (line.rfind(tag, 0) == 0) return true;
    return false;
  }

  TempDir dir_;
  int count_ = 0;
};

TEST_F(TextAttributes, ParseTagText_ThreeSpellings) {
  EXPECT_EQ(dicom::parseTagText("0008,0016"), std::make_pair(std::uint16_t{0x0008}, std::uint16_t{0x0016}));
  EXPECT_EQ(dicom::parseTagText("(7FE0,0010)"), std::make_pair(std::uint16_t{0x7FE0}, std::uint16_t{0x0010}));
  EXPECT_EQ(dicom::parseTagText("0009abcd"), std::make_pair(std::uint16_t{0x0009}, std::uint16_t{0xABCD}));
  for (const char* bad : {"", "8,16", "0008,016", "0008;0016", "(0008,0016", "0008,0016)", "00080016 ", "+008,0016",
                          "-008,0016", "0x080016", "GGGG,0016", "0008,0016,0", "()", "(00080016)x"})
    EXPECT_FALSE(dicom::parseTagText(bad).has_value()) << bad;
}

TEST_F(TextAttributes, ValuesTakeTheirVrFromTheDictionary) {
  auto list = identity();
  list.push_back({0x0010, 0x0010, "WANG^XIAOMING"});
  list.push_back({0x0008, 0x0020, "20260302"});
  list.push_back({0x0008, 0x0060, "MR"});
  list.push_back({0x0018, 0x0050, "5"});
  list.push_back({0x0020, 0x0013, "7"});
  list.push_back({0x0020, 0x0032, "-125.5\\-130\\42.25"});
  list.push_back({0x0028, 0x1050, "40\\400"});
  list.push_back({0x0018, 0x1030, "t1_se_tra"});
  list.push_back({0x0008, 0x0030, "101112.5"});
  DcmFileFormat file;
  const auto notes = write(list, file);
  EXPECT_TRUE(notes.refused.empty()) << notes.refused.front();
  EXPECT_EQ(notes.transferSyntaxUid, kExplicitLittle);
  DcmDataset& ds = *file.getDataset();
  EXPECT_EQ(vrOf(ds, DCM_PatientName), "PN");
  EXPECT_EQ(vrOf(ds, DCM_StudyDate), "DA");
  EXPECT_EQ(vrOf(ds, DCM_Modality), "CS");
  EXPECT_EQ(vrOf(ds, DCM_SliceThickness), "DS");
  EXPECT_EQ(vrOf(ds, DCM_InstanceNumber), "IS");
  EXPECT_EQ(vrOf(ds, DCM_SOPInstanceUID), "UI");
  EXPECT_EQ(vrOf(ds, DCM_Rows), "US");
  EXPECT_EQ(vrOf(ds, DCM_StudyTime), "TM");
  EXPECT_EQ(vrOf(ds, DCM_ProtocolName), "LO");
  EXPECT_EQ(str(ds, DCM_PatientName), "WANG^XIAOMING");
  EXPECT_EQ(str(ds, DCM_ImagePositionPatient), "-125.5\\-130\\42.25");
  EXPECT_EQ(str(ds, DCM_WindowCenter), "40\\400") << "two values, VM 1-n";
  Uint16 rows = 0;
  EXPECT_TRUE(ds.findAndGetUint16(DCM_Rows, rows).good());
  EXPECT_EQ(rows, 2u) << "a US value from its text";
  EXPECT_EQ(str(ds, DCM_SOPInstanceUID), "1.2.826.0.1.3680043.2.1143.7");
  // The pixels as given, byte for byte.
  const Uint8* pixels = nullptr;
  unsigned long count = 0;
  ASSERT_TRUE(ds.findAndGetUint8Array(DCM_PixelData, pixels, &count).good());
  ASSERT_EQ(count, 16u);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(pixels), count), rawPixels().frames[0]);
  EXPECT_EQ(vrOf(ds, DCM_PixelData), "OW");
}

TEST_F(TextAttributes, SignedPixels_XsTagsTakeSs) {
  auto list = identity();
  list[11].value = "1";  // PixelRepresentation
  list.push_back({0x0028, 0x0106, "-2000"});  // SmallestImagePixelValue: US or SS
  DcmFileFormat file;
  const auto notes = write(list, file);
  EXPECT_TRUE(notes.refused.empty()) << notes.refused.front();
  EXPECT_EQ(vrOf(*file.getDataset(), DCM_SmallestImagePixelValue), "SS");
  Sint16 smallest = 0;
  EXPECT_TRUE(file.getDataset()->findAndGetSint16(DCM_SmallestImagePixelValue, smallest).good());
  EXPECT_EQ(smallest, -2000);
}

TEST_F(TextAttributes, PrivateTagsKeptAsLoOrUt) {
  auto list = identity();
  list.push_back({0x0009, 0x0010, "HINACOM"});
  list.push_back({0x0009, 0x1001, "short private"});
  list.push_back({0x0009, 0x1002, std::string(100, 'p')});
  list.push_back({0x0003, 0x1000, "private in a group no one may use"});
  DcmFileFormat file;
  const auto notes = write(list, file);
  DcmDataset& ds = *file.getDataset();
  EXPECT_EQ(vrOf(ds, DcmTagKey(0x0009, 0x0010)), "LO");
  EXPECT_EQ(str(ds, DcmTagKey(0x0009, 0x0010)), "HINACOM");
  EXPECT_EQ(vrOf(ds, DcmTagKey(0x0009, 0x1001)), "LO");
  EXPECT_EQ(vrOf(ds, DcmTagKey(0x0009, 0x1002)), "UT") << "longer than LO allows";
  EXPECT_EQ(str(ds, DcmTagKey(0x0009, 0x1002)), std::string(100, 'p'));
  EXPECT_TRUE(refusedNamed(notes, "(0003,1000)"));
  EXPECT_EQ(vrOf(ds, DcmTagKey(0x0003, 0x1000)), "absent");
}

TEST_F(TextAttributes, MetaHeaderRegenerated_NotTakenFromTheList) {
  auto list = identity();
  list.push_back({0x0002, 0x0010, "1.2.840.10008.1.2.4.50"});  // lies: JPEG baseline
  list.push_back({0x0002, 0x0003, "9.9.9"});                   // another instance
  list.push_back({0x0002, 0x0013, "EVIL"});
  list.push_back({0x0002, 0x0000, "1"});
  list.push_back({0x0000, 0x0000, "1"});
  list.push_back({0x0008, 0x0000, "9999"});  // a group length
  DcmFileFormat file;
  const auto notes = write(list, file);
  EXPECT_TRUE(notes.refused.empty()) << "left out silently: " << notes.refused.front();
  DcmMetaInfo& meta = *file.getMetaInfo();
  EXPECT_EQ(str(meta, DCM_TransferSyntaxUID), kExplicitLittle);
  EXPECT_EQ(str(meta, DCM_MediaStorageSOPInstanceUID), "1.2.826.0.1.3680043.2.1143.7");
  EXPECT_EQ(str(meta, DCM_MediaStorageSOPClassUID), kMr);
  EXPECT_NE(str(meta, DCM_ImplementationVersionName), "EVIL");
  EXPECT_EQ(vrOf(*file.getDataset(), DcmTagKey(0x0002, 0x0010)), "absent") << "no meta element in the dataset";
}

TEST_F(TextAttributes, RebuildNoteRecordsHowTheFileWasMade) {
  DcmFileFormat file;
  write(identity(), file, rawPixels(), "hinacom-pixels");
  DcmDataset& ds = *file.getDataset();
  EXPECT_EQ(str(ds, DcmTagKey(0x0011, 0x0010)), "CLOUDFILM REBUILD 1");
  EXPECT_EQ(str(ds, DcmTagKey(0x0011, 0x1012)), "hinacom-pixels");
  EXPECT_EQ(vrOf(ds, DcmTagKey(0x0011, 0x1012)), "LO");
}

TEST_F(TextAttributes, RebuildNote_NextFreeBlockWhenTheListUsesTheFirst) {
  auto list = identity();
  list.push_back({0x0011, 0x0010, "SOME VENDOR"});
  list.push_back({0x0011, 0x1012, "the vendor's own value"});
  DcmFileFormat file;
  write(list, file);
  DcmDataset& ds = *file.getDataset();
  EXPECT_EQ(str(ds, DcmTagKey(0x0011, 0x1012)), "the vendor's own value") << "the site's private data is not overwritten";
  EXPECT_EQ(str(ds, DcmTagKey(0x0011, 0x0011)), "CLOUDFILM REBUILD 1");
  EXPECT_EQ(str(ds, DcmTagKey(0x0011, 0x1112)), "hinacom-tags");
}

TEST_F(TextAttributes, RebuildNote_ListCannotSpoofHowTheFileWasMade) {
  auto list = identity();
  list.push_back({0x0011, 0x0010, "CLOUDFILM REBUILD 1"});
  list.push_back({0x0011, 0x1012, "dicomweb"});
  DcmFileFormat file;
  write(list, file, rawPixels(), "hinacom-tags");
  EXPECT_EQ(str(*file.getDataset(), DcmTagKey(0x0011, 0x1012)), "hinacom-tags");
}

TEST_F(TextAttributes, UnknownSequenceAndBinaryTags_RefusedWithNotes) {
  auto list = identity();
  list.push_back({0x0008, 0xFFF0, "unknown public"});
  list.push_back({0x0008, 0x1140, "1.2.3"});           // ReferencedImageSequence: SQ
  list.push_back({0x0028, 0x1201, "AAAA"});            // RedPaletteColorLookupTableData: OW
  list.push_back({0x0042, 0x0011, "%PDF-1.4"});        // EncapsulatedDocument: OB
  list.push_back({0x7FE0, 0x0010, "pixels as text"});  // Pixel Data: from the pixels, silently
  list.push_back({0xFFFE, 0xE000, "item"});
  list.push_back({0xFFFE, 0xE0DD, ""});
  DcmFileFormat file;
  const auto notes = write(list, file);
  EXPECT_TRUE(refusedNamed(notes, "(0008,FFF0)"));
  EXPECT_TRUE(refusedNamed(notes, "(0008,1140)"));
  EXPECT_TRUE(refusedNamed(notes, "(0028,1201)"));
  EXPECT_TRUE(refusedNamed(notes, "(0042,0011)"));
  EXPECT_TRUE(refusedNamed(notes, "(FFFE,E000)"));
  EXPECT_TRUE(refusedNamed(notes, "(FFFE,E0DD)"));
  EXPECT_FALSE(refusedNamed(notes, "(7FE0,0010)"));
  for (const auto& line : notes.refused) EXPECT_NE(line.find(": "), std::string::npos) << "says why: " << line;
  bool sequenceSaid = false;
  for (const auto& line : notes.refused) sequenceSaid = sequenceSaid || line.find("sequence") != std::string::npos;
  EXPECT_TRUE(sequenceSaid);
  DcmDataset& ds = *file.getDataset();
  EXPECT_EQ(vrOf(ds, DcmTagKey(0x0008, 0xFFF0)), "absent");
  EXPECT_EQ(vrOf(ds, DCM_ReferencedImageSequence), "absent");
  EXPECT_EQ(vrOf(ds, DCM_EncapsulatedDocument), "absent");
  const Uint8* pixels = nullptr;
  unsigned long count = 0;
  ASSERT_TRUE(ds.findAndGetUint8Array(DCM_PixelData, pixels, &count).good());
  EXPECT_EQ(count, 16u) << "the pixel answer's pixels, not the list's text";
}

TEST_F(TextAttributes, BadValues_RefusedOneByOne) {
  auto list = identity();
  list.push_back({0x0008, 0x0020, "2026-13-45"});            // DA
  list.push_back({0x0008, 0x0060, "mr; drop"});              // CS: lower case, ';'
  list.push_back({0x0020, 0x0013, "seven"});                 // IS
  list.push_back({0x0018, 0x0050, "5mm"});                   // DS
  list.push_back({0x0020, 0x0052, "1.02.3"});                // UI: leading zero
  list.push_back({0x0028, 0x0030, "0.5"});                   // PixelSpacing: VM 2
  list.push_back({0x0020, 0x0037, "1\\0\\0\\0\\1"});         // ImageOrientationPatient: VM 6
  list.push_back({0x0028, 0x1053, "1\\2"});                  // RescaleSlope: VM 1
  list.push_back({0x0010, 0x0010, "A^B^C^D^E^F"});           // PN: too many components
  list.push_back({0x0008, 0x0030, "25:61"});                 // TM
  DcmFileFormat file;
  const auto notes = write(list, file);
  for (const char* tag : {"(0008,0020)", "(0008,0060)", "(0020,0013)", "(0018,0050)", "(0020,0052)",
                          "(0028,0030)", "(0020,0037)", "(0028,1053)", "(0008,0030)"}) {
    EXPECT_TRUE(refusedNamed(notes, tag)) << tag;
    const unsigned group = std::stoul(std::string(tag).substr(1, 4), nullptr, 16);
    const unsigned element = std::stoul(std::string(tag).substr(6, 4), nullptr, 16);
    EXPECT_EQ(vrOf(*file.getDataset(), DcmTagKey(static_cast<Uint16>(group), static_cast<Uint16>(element))), "absent")
        << tag << " is not in the file";
  }
  EXPECT_EQ(str(*file.getDataset(), DCM_SOPInstanceUID), "1.2.826.0.1.3680043.2.1143.7") << "the rest is kept";
}

TEST_F(TextAttributes, RepeatedTag_FirstKeptSecondNoted) {
  auto list = identity();
  list.push_back({0x0010, 0x0020, "FIRST"});
  list.push_back({0x0010, 0x0020, "SECOND"});
  DcmFileFormat file;
  const auto notes = write(list, file);
  EXPECT_EQ(str(*file.getDataset(), DCM_PatientID), "FIRST");
  ASSERT_EQ(notes.refused.size(), 1u);
  EXPECT_NE(notes.refused[0].find("twice"), std::string::npos) << notes.refused[0];
}

TEST_F(TextAttributes, HostileValuesInNotes_ShortAndPrintable) {
  auto list = identity();
  list.push_back({0x0008, 0x0020, std::string("\x1B[31m") + std::string(10000, 'x') + "\n"});
  DcmFileFormat file;
  const auto notes = write(list, file);
  ASSERT_EQ(notes.refused.size(), 1u);
  EXPECT_LT(notes.refused[0].size(), 200u) << notes.refused[0];
  for (unsigned char c : notes.refused[0]) EXPECT_GE(c, 0x20) << "a control character in a note";
}

TEST_F(TextAttributes, NotesStayValidUtf8_ForTheJsonReplies) {
  std::string chinese;
  for (int i = 0; i < 30; ++i) chinese += "胸";  // 90 bytes: the note's 40-byte cut falls inside a character
  auto list = identity();
  list.push_back({0x0008, 0x0020, chinese});                         // not a DA
  list.push_back({0x0008, 0x1030, std::string("\xCD\xF5 GB18030")});  // not UTF-8
  DcmFileFormat file;
  const auto notes = write(list, file);
  ASSERT_EQ(notes.refused.size(), 2u);
  for (const auto& line : notes.refused) {
    EXPECT_NO_THROW((void)nlohmann::json(line).dump()) << "a note that is not UTF-8 breaks the reply it goes in";
  }
  EXPECT_NE(notes.refused[0].find("胸胸胸"), std::string::npos) << "valid text is shown as it is: " << notes.refused[0];
}

TEST_F(TextAttributes, ValueOverTheLimit_Refused) {
  auto list = identity();
  list.push_back({0x0020, 0x4000, std::string((1u << 20) + 1, 'c')});  // ImageComments, LT
  DcmFileFormat file;
  const auto notes = write(list, file);
  EXPECT_TRUE(refusedNamed(notes, "(0020,4000)"));
  EXPECT_EQ(vrOf(*file.getDataset(), DCM_ImageComments), "absent");
}

TEST_F(TextAttributes, TooManyAttributesOrBytes_WholeFileRefused) {
  auto list = identity();
  for (int i = 0; i < 20001; ++i) list.push_back({0x0009, static_cast<std::uint16_t>(0x1000 + (i % 0xF000)), "x"});
  EXPECT_NE(refusal(list).find("entries"), std::string::npos);
  auto heavy = identity();
  for (int i = 0; i < 17; ++i) heavy.push_back({0x0009, static_cast<std::uint16_t>(0x1000 + i), std::string(1u << 20, 'y')});
  EXPECT_NE(refusal(heavy).find("bytes of text"), std::string::npos);
}

TEST_F(TextAttributes, IdentityUidsRequired) {
  for (std::size_t missing = 0; missing < 4; ++missing) {
    auto list = identity();
    list.erase(list.begin() + static_cast<long>(missing));
    const std::string why = refusal(list);
    EXPECT_NE(why.find("has no valid"), std::string::npos) << why;
  }
  // Present but not a UID: refused as a value, then missing.
  auto list = identity();
  list[1].value = "not.a.uid";
  EXPECT_NE(refusal(list).find("SOPInstanceUID"), std::string::npos);
  list = identity();
  list[2].value = "";
  EXPECT_NE(refusal(list).find("StudyInstanceUID"), std::string::npos);
  list = identity();
  list[3].value = std::string(65, '1');
  EXPECT_NE(refusal(list).find("SeriesInstanceUID"), std::string::npos);
}

TEST_F(TextAttributes, PixelLengthChecked) {
  EXPECT_NE(refusal(identity(), rawPixels(15)).find("Rows x Columns"), std::string::npos);
  EXPECT_NE(refusal(identity(), rawPixels(18)).find("Rows x Columns"), std::string::npos);
  EXPECT_NE(refusal(identity(), rawPixels(0)).find("Rows x Columns"), std::string::npos);
  // Without Rows: nothing says how many bytes the pixels should be.
  auto noRows = identity();
  noRows.erase(noRows.begin() + 6);
  EXPECT_NE(refusal(noRows).find("Rows x Columns"), std::string::npos);
  // Rows that lie, hugely: 65535 x 65535 is compared, never allocated.
  auto huge = identity();
  huge[6].value = "65535";
  huge[7].value = "65535";
  EXPECT_NE(refusal(huge).find("8589672450"), std::string::npos);
  // Frames: two frames of 16 bytes need NumberOfFrames 2.
  auto twoFrames = identity();
  twoFrames.push_back({0x0028, 0x0008, "2"});
  DcmFileFormat file;
  dicom::FramePixelData pixels = rawPixels();
  pixels.frames.push_back(pixels.frames[0]);
  write(twoFrames, file, pixels);
  EXPECT_NE(refusal(identity(), pixels).find("32 bytes"), std::string::npos);
}

TEST_F(TextAttributes, EncapsulatedPixels_WrittenInTheirTransferSyntax) {
  const std::string codestream("\xFF\x4F\xFF\x51 not really decoded\xFF\xD9", 24);
  DcmFileFormat file;
  const auto notes = write(identity(), file, {"1.2.840.10008.1.2.4.90", {codestream}});
  EXPECT_EQ(notes.transferSyntaxUid, "1.2.840.10008.1.2.4.90");
  EXPECT_EQ(str(*file.getMetaInfo(), DCM_TransferSyntaxUID), "1.2.840.10008.1.2.4.90");
}

TEST_F(TextAttributes, UnknownTransferSyntax_Refused) {
  EXPECT_NE(refusal(identity(), {"1.2.3.4", {std::string(16, 'a')}}).find("unknown transfer syntax"),
            std::string::npos);
}

TEST_F(TextAttributes, ChineseText_DeclaredCharacterSetKeptWhereItEncodes) {
  auto list = identity();
  list.push_back({0x0008, 0x0005, "GB18030"});
  list.push_back({0x0010, 0x0010, "王^小明"});
  DcmFileFormat file;
  write(list, file);
  DcmDataset& ds = *file.getDataset();
  const std::string charset = str(ds, DCM_SpecificCharacterSet);
  const std::string name = str(ds, DCM_PatientName);
  if (charset == "GB18030") {
    EXPECT_EQ(name, "\xCD\xF5^\xD0\xA1\xC3\xF7") << "converted into the declared set";
  } else {
    EXPECT_EQ(charset, "ISO_IR 192") << "else declared as what it holds";
    EXPECT_EQ(name, "王^小明");
  }
}

TEST_F(TextAttributes, AsciiOnly_NoCharacterSetUnlessDeclared) {
  DcmFileFormat file;
  write(identity(), file);
  EXPECT_EQ(vrOf(*file.getDataset(), DCM_SpecificCharacterSet), "absent");
  auto list = identity();
  list.push_back({0x0008, 0x0005, "ISO_IR 100"});
  DcmFileFormat declared;
  write(list, declared);
  EXPECT_EQ(str(*declared.getDataset(), DCM_SpecificCharacterSet), "ISO_IR 100");
}

TEST_F(TextAttributes, HostileCharacterSet_NotWrittenAsIs) {
  for (const std::string& charset : {std::string("NOT A CHARSET"), std::string("iso_ir 100"), std::string(5000, 'X'),
                                     std::string("ISO_IR 100\x01")}) {
    auto list = identity();
    list.push_back({0x0008, 0x0005, charset});
    DcmFileFormat file;
    const auto notes = write(list, file);
    const std::string written = str(*file.getDataset(), DCM_SpecificCharacterSet);
    EXPECT_NE(written, charset) << "an invalid SpecificCharacterSet copied into the file";
    EXPECT_TRUE(refusedNamed(notes, "(0008,0005)")) << charset.substr(0, 20);
  }
}

TEST_F(TextAttributes, NonUtf8Text_RefusedNeverWrittenAsUtf8) {
  // GB18030 bytes (王小明) given where UTF-8 is promised: not UTF-8, refused; the file is still made.
  auto list = identity();
  list.push_back({0x0010, 0x0010, "\xCD\xF5\xD0\xA1\xC3\xF7"});
  list.push_back({0x0008, 0x1030, "ok \xFF\xFE"});
  DcmFileFormat file;
  const auto notes = write(list, file);
  EXPECT_TRUE(refusedNamed(notes, "(0010,0010)"));
  EXPECT_TRUE(refusedNamed(notes, "(0008,1030)"));
  EXPECT_EQ(vrOf(*file.getDataset(), DCM_PatientName), "absent");
}

TEST_F(TextAttributes, NulInsideAValue_Refused) {
  auto list = identity();
  list.push_back({0x0010, 0x0020, std::string("P1\0hidden", 9)});
  DcmFileFormat file;
  const auto notes = write(list, file);
  EXPECT_TRUE(refusedNamed(notes, "(0010,0020)"));
  EXPECT_NE(str(*file.getDataset(), DCM_PatientID), "P1") << "never cut silently at the NUL";
}

TEST_F(TextAttributes, UnwritableTarget_CloudfilmErrorNothingLeft) {
  const fs::path path = dir_.path() / "no-such-folder" / "x.dcm";
  EXPECT_THROW(dicom::writeInstanceFromText({identity(), rawPixels(), "hinacom-tags"}, path), Error);
  EXPECT_EQ(countEntries(dir_.path()), 0u);
}

}  // namespace
}  // namespace cloudfilm
