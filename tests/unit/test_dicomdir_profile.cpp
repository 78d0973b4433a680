// Which DICOMDIR application profile an export gets, from the transfer syntaxes of its files.
#include <gtest/gtest.h>

#include "dicom/dicomdir.h"

namespace cloudfilm::dicom {
namespace {

const std::string kExplicit = "1.2.840.10008.1.2.1", kImplicit = "1.2.840.10008.1.2", kJpegBaseline = "1.2.840.10008.1.2.4.50",
                  kJpegLossless = "1.2.840.10008.1.2.4.70", kJ2k = "1.2.840.10008.1.2.4.90",
                  kJpegLs = "1.2.840.10008.1.2.4.80", kRle = "1.2.840.10008.1.2.5";

// DCMTK 3.6.7 (Debian 12, the Linux host) calls the general-purpose profile STD-GEN-CD/DVD-RAM; 3.6.9 (the Windows
// host's) adds Blu-ray to its name.
bool isGeneralPurpose(const std::string& profile) {
  return profile == "STD-GEN-CD/DVD-RAM" || profile == "STD-GEN-CD/DVD-RAM/BD";
}

TEST(DicomDirProfile, ExplicitLittleEndianOnly_GeneralPurposeCd) {
  EXPECT_TRUE(isGeneralPurpose(chooseProfile({kExplicit, kExplicit})));
}

TEST(DicomDirProfile, Jpeg_UsbJpeg) {
  EXPECT_EQ(chooseProfile({kExplicit, kJpegBaseline, kJpegLossless}), "STD-GEN-USB/MMC/CF/SD-JPEG");
  EXPECT_TRUE(profileAccepts("STD-GEN-USB/MMC/CF/SD-JPEG", kJpegLossless));
  EXPECT_FALSE(profileAccepts("STD-GEN-CD/DVD-RAM", kJpegLossless));
}

TEST(DicomDirProfile, Jpeg2000_UsbJ2k) {
  EXPECT_EQ(chooseProfile({kJ2k, kExplicit}), "STD-GEN-USB/MMC/CF/SD-J2K");
}

TEST(DicomDirProfile, NoProfileFits_TheOneAcceptingMost) {
  EXPECT_TRUE(isGeneralPurpose(chooseProfile({kJpegLs, kRle, kExplicit})));
  EXPECT_EQ(chooseProfile({kJpegLs, kJpegBaseline, kJpegBaseline, kJ2k}), "STD-GEN-USB/MMC/CF/SD-JPEG");
  EXPECT_TRUE(isGeneralPurpose(chooseProfile({kImplicit})));
  EXPECT_FALSE(profileAccepts("STD-GEN-USB/MMC/CF/SD-JPEG", kJpegLs));
  EXPECT_FALSE(profileAccepts("STD-GEN-USB/MMC/CF/SD-J2K", kRle));
}

}  // namespace
}  // namespace cloudfilm::dicom
