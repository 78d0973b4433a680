// store/layout: the human folder names Patient / Study / Series, and that they are always one safe component.
#include "store/layout.h"

#include <gtest/gtest.h>

#include "store/path_policy.h"
#include "test_files.h"

namespace cloudfilm {
namespace {

using dicom::InstanceInfo;
using namespace cloudfilm::store;

InstanceInfo sample() {
  InstanceInfo info;
  info.sopInstanceUid = "1.2.3.4.5";
  info.studyInstanceUid = "1.2.3.4";
  info.seriesInstanceUid = "1.2.3.4.1";
  info.patientName = "DOE^JOHN";
  info.patientId = "P123";
  info.studyDate = "20260302";
  info.studyDescription = "Chest";
  info.modality = "CT";
  info.seriesDescription = "5mm";
  info.seriesNumber = 2;
  return info;
}

// One component, safe on every OS: no separators, no control characters, not . or .., bounded length.
void expectSafeComponent(const std::string& name) {
  SCOPED_TRACE(name.substr(0, 200));
  EXPECT_FALSE(name.empty());
  EXPECT_NE(name, ".");
  EXPECT_NE(name, "..");
  EXPECT_EQ(name.find('/'), std::string::npos);
  EXPECT_EQ(name.find('\\'), std::string::npos);
  EXPECT_LE(name.size(), kMaxComponentBytes);
  for (char c : name) {
    EXPECT_GE(static_cast<unsigned char>(c), 0x20);
    EXPECT_NE(c, '\x7f');
    EXPECT_EQ(std::string("<>:\"|?*").find(c), std::string::npos);
  }
  EXPECT_NE(name.back(), '.');
  EXPECT_NE(name.back(), ' ');
  EXPECT_NE(name.front(), ' ');
  const std::filesystem::path root = "/library";
  EXPECT_TRUE(isInside(root, root / name));
  const std::filesystem::path joined = (root / name).lexically_normal();
  EXPECT_EQ(std::distance(joined.begin(), joined.end()), 3) << "root, library, one component";
}

TEST(Layout, OrdinaryNames_Readable) {
  const auto info = sample();
  EXPECT_EQ(patientFolderName(info), "DOE JOHN (P123)");
  EXPECT_EQ(studyFolderName(info), "2026-03-02 CT Chest");
  EXPECT_EQ(seriesFolderName(info), "002 CT 5mm");
}

TEST(Layout, ChineseName_JoinedWithoutSpaces) {
  auto info = sample();
  info.patientName = "王^小明";
  EXPECT_EQ(readablePersonName("王^小明"), "王小明");
  EXPECT_EQ(patientFolderName(info), "王小明 (P123)");
}

TEST(Layout, AlphabeticAndIdeographic_PicksIdeographic) {
  EXPECT_EQ(readablePersonName("WANG^XIAOMING=王^小明"), "王小明");
  EXPECT_EQ(readablePersonName("WANG^XIAOMING=王^小明=おう^しょうめい"), "王小明") << "not the phonetic group";
  EXPECT_EQ(readablePersonName("Yamada^Tarou=山田^太郎=やまだ^たろう"), "山田太郎");
}

TEST(Layout, IdeographicGroupEmpty_FallsBackToAlphabetic) {
  EXPECT_EQ(readablePersonName("WANG^XIAOMING="), "WANG XIAOMING");
  EXPECT_EQ(readablePersonName("WANG^XIAOMING=="), "WANG XIAOMING");
}

TEST(Layout, PersonName_DropsPrefixSuffixAndEmptyComponents) {
  EXPECT_EQ(readablePersonName("Doe^John^^Dr^PhD"), "Doe John");
  EXPECT_EQ(readablePersonName("Doe^^"), "Doe");
  EXPECT_EQ(readablePersonName("  Doe ^ John "), "Doe John");
}

TEST(Layout, MultiValuedName_UsesFirstValue) {
  EXPECT_EQ(readablePersonName("Doe^John\\Roe^Richard"), "Doe John");
}

TEST(Layout, ChineseStudyAndSeries_Kept) {
  auto info = sample();
  info.studyDescription = "胸部平扫";
  info.seriesDescription = "胸部平扫 5mm";
  EXPECT_EQ(studyFolderName(info), "2026-03-02 CT 胸部平扫");
  EXPECT_EQ(seriesFolderName(info), "002 CT 胸部平扫 5mm");
}

TEST(Layout, ModalityAlreadyInDescription_NotRepeated) {
  auto info = sample();
  info.studyDescription = "CT Chest";
  EXPECT_EQ(studyFolderName(info), "2026-03-02 CT Chest");
}

TEST(Layout, OldDottedDate_Normalised) {
  auto info = sample();
  info.studyDate = "2026.03.02";
  EXPECT_EQ(studyFolderName(info), "2026-03-02 CT Chest");
}

TEST(Layout, MissingNames_ReadableFallbacks) {
  InstanceInfo info;
  info.studyInstanceUid = "1.2.3";
  info.seriesInstanceUid = "1.2.3.4";
  EXPECT_EQ(patientFolderName(info), "Unknown patient");
  const std::string study = studyFolderName(info);
  EXPECT_NE(study.find("Undated"), std::string::npos) << study;
  EXPECT_NE(study.find("Study"), std::string::npos) << study;
  const std::string series = seriesFolderName(info);
  EXPECT_NE(series.find("Series"), std::string::npos) << series;
  expectSafeComponent(patientFolderName(info));
  expectSafeComponent(study);
  expectSafeComponent(series);
}

TEST(Layout, IdOnly_UnknownPatientWithId) {
  InstanceInfo info;
  info.patientId = "12345";
  EXPECT_EQ(patientFolderName(info), "Unknown patient (12345)");
}

TEST(Layout, HostileNames_SafeSingleComponents) {
  const std::vector<std::string> hostile = {
      "../../x",       "..",          ".",         "/etc/passwd",   "..\\..\\windows", "CON",        "con.txt",
      "NUL",           "COM1",        "LPT9",      "AUX^PRN",       "a\x01\x02\x1f" "b", "line\nbreak",
      "tab\there",     "q?u*e<r>y|\"", "C:\\x",     "trailing. . .", "   ",             std::string(2000, 'A'),
      std::string(2000, '/'),          "\xff\xfe\xfd invalid utf8",   std::string(700, '\xe7') /* cut UTF-8 */,
      std::string("nul\0inside", 10)};
  for (const auto& text : hostile) {
    auto info = sample();
    info.patientName = text;
    info.patientId = text;
    info.studyDescription = text;
    info.seriesDescription = text;
    info.modality = text.substr(0, 16);
    expectSafeComponent(patientFolderName(info));
    expectSafeComponent(studyFolderName(info));
    expectSafeComponent(seriesFolderName(info));
  }
}

TEST(Layout, ReservedDeviceName_NotUsedAsIs) {
  auto info = sample();
  info.patientName = "CON";
  info.patientId = "";
  const std::string name = patientFolderName(info);
  EXPECT_NE(name, "CON");
  expectSafeComponent(name);
}

TEST(Layout, LongChineseName_CutOnCharacterBoundary) {
  std::string longName;
  for (int i = 0; i < 200; ++i) longName += "王";
  auto info = sample();
  info.patientName = longName;
  const std::string name = patientFolderName(info);
  expectSafeComponent(name);
  EXPECT_EQ(name.size() % 3, 0u) << "whole three-byte characters only";
  EXPECT_EQ(name.substr(0, 3), "王");
}

TEST(Layout, NumberedVariant_DistinctAndSafe) {
  EXPECT_EQ(numberedVariant("002 CT 5mm", 1), "002 CT 5mm");
  EXPECT_EQ(numberedVariant("002 CT 5mm", 2), "002 CT 5mm (2)");
  EXPECT_EQ(numberedVariant("002 CT 5mm", 3), "002 CT 5mm (3)");
  const std::string longName(kMaxComponentBytes, 'x');
  const std::string second = numberedVariant(longName, 2);
  EXPECT_LE(second.size(), kMaxComponentBytes);
  EXPECT_NE(second, longName);
  EXPECT_NE(second.find("(2)"), std::string::npos);
  EXPECT_NE(numberedVariant(longName, 12), numberedVariant(longName, 13));
}

TEST(Layout, SliceFileNames_ZeroPaddedAndWiderForHugeSeries) {
  EXPECT_EQ(sliceFileName(0, 1), "0001.dcm");
  EXPECT_EQ(sliceFileName(19, 20), "0020.dcm");
  EXPECT_EQ(sliceFileName(9998, 9999), "9999.dcm");
  EXPECT_EQ(sliceFileName(0, 12000), "00001.dcm");
  EXPECT_EQ(sliceFileName(11999, 12000), "12000.dcm");
}

TEST(Layout, SeriesWithoutNumber_NoLeadingNumber) {
  auto info = sample();
  info.seriesNumber.reset();
  EXPECT_EQ(seriesFolderName(info), "CT 5mm");
}

}  // namespace
}  // namespace cloudfilm
