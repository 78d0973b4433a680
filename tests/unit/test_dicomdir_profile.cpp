// Which DICOMDIR application profile an export gets, from the transfer syntaxes of its files.
#include <gtest/gtest.h>

#include "dicom/dicomdir.h"

namespace cloudfilm::dicom {
namespace {

const std::string kExplicit = "1.2.840.10008.1.2.1", kImplicit = "1.2.840.10008.1.2", kJpegBaseline = "1.2.840.10008.1.2.4.50",
                  kJpegLossless = "1.2.840.10008.1.2.4.70", kJ2k = "1.2.840.10008.1.2.4.90",
                  kJpegLs = "1.2.840.10008.1.2.4.80", kRle = "1.2.840.10008.1.2.5";

TEST(DicomDirProfile, ExplicitLittleEndianOnly_GeneralPurposeCd) {
  EXPECT_EQ(chooseProfile({kExplicit, kExplicit}), "STD-GEN-CD/DVD-RAM");
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
  EXPECT_EQ(chooseProfile({kJpegLs, kRle, kExplicit}), "STD-GEN-CD/DVD-RAM");
  EXPECT_EQ(chooseProfile({kJpegLs, kJpegBaseline, kJpegBaseline, kJ2k}), "STD-GEN-USB/MMC/CF/SD-JPEG");
  EXPECT_EQ(chooseProfile({kImplicit}), "STD-GEN-CD/DVD-RAM");
  EXPECT_FALSE(profileAccepts("STD-GEN-USB/MMC/CF/SD-JPEG", kJpegLs));
  EXPECT_FALSE(profileAccepts("STD-GEN-USB/MMC/CF/SD-J2K", kRle));
}

}  // namespace
}  // namespace cloudfilm::dicom
