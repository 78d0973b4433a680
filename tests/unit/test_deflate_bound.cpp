// dicom/nesting_scan: a deflated dataset is inflated at most max(16 MiB, 64 x its size) before it is refused, so a
// deflate bomb (1 MB claiming 1 GiB) costs little CPU and no memory, and DCMTK never inflates it a second time.
#include <gtest/gtest.h>
#include <zlib.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "dicom/dicom_file.h"
#include "dicom/nesting_scan.h"
#include "platform/platform.h"

namespace cloudfilm {
namespace {

namespace fs = std::filesystem;

// Raw deflate of `mebibytes` MiB of zeros, made fast: one full-flushed block of 1 MiB of zeros (about 1 KB, byte
// aligned, no back reference across it) repeated, then an empty final block.
std::string deflateBomb(std::size_t mebibytes) {
  z_stream stream{};
  EXPECT_EQ(deflateInit2(&stream, 9, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string zeros(1 << 20, '\0'), block(64 * 1024, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(zeros.data());
  stream.avail_in = static_cast<uInt>(zeros.size());
  stream.next_out = reinterpret_cast<Bytef*>(block.data());
  stream.avail_out = static_cast<uInt>(block.size());
  EXPECT_EQ(deflate(&stream, Z_FULL_FLUSH), Z_OK);
  block.resize(block.size() - stream.avail_out);
  deflateEnd(&stream);
  std::string bomb;
  bomb.reserve(block.size() * mebibytes + 2);
  for (std::size_t i = 0; i < mebibytes; ++i) bomb += block;
  bomb += std::string("\x03\x00", 2);  // final fixed-Huffman block, empty
  return bomb;
}

std::string element(std::uint16_t group, std::uint16_t elem, const char* vr, std::string value) {
  if (value.size() % 2) value.push_back(vr[0] == 'U' && vr[1] == 'I' ? '\0' : ' ');
  std::string out;
  out += static_cast<char>(group & 0xFF), out += static_cast<char>(group >> 8);
  out += static_cast<char>(elem & 0xFF), out += static_cast<char>(elem >> 8);
  out += vr[0], out += vr[1];
  if (vr[0] == 'O' && vr[1] == 'B') {
    out += std::string(2, '\0');
    for (int shift = 0; shift < 32; shift += 8) out += static_cast<char>((value.size() >> shift) & 0xFF);
  } else {
    out += static_cast<char>(value.size() & 0xFF), out += static_cast<char>(value.size() >> 8);
  }
  return out + value;
}

// A Part-10 file in Deflated Explicit VR Little Endian whose dataset is `deflated`.
std::string deflatedPart10(const std::string& deflated) {
  const std::string meta = element(0x0002, 0x0001, "OB", std::string("\0\1", 2)) +
                           element(0x0002, 0x0002, "UI", "1.2.840.10008.5.1.4.1.1.7") +
                           element(0x0002, 0x0003, "UI", "1.2.3.4.5.6.7.8.9") +
                           element(0x0002, 0x0010, "UI", "1.2.840.10008.1.2.1.99");
  std::string length(4, '\0');
  for (int i = 0; i < 4; ++i) length[i] = static_cast<char>((meta.size() >> (8 * i)) & 0xFF);
  return std::string(128, '\0') + "DICM" + element(0x0002, 0x0000, "UL", length) + meta + deflated;
}

class DeflateBound : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = cloudfilm::platform::createPrivateFolder(fs::temp_directory_path(), "cloudfilm-deflate-");
    ASSERT_FALSE(dir_.empty());
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path write(const std::string& name, const std::string& bytes) {
    std::ofstream(dir_ / name, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return dir_ / name;
  }
  fs::path dir_;
};

TEST_F(DeflateBound, BoundIsTheFloorOrSixtyFourTimesTheCompressedSize) {
  EXPECT_EQ(dicom::maxInflatedBytes(0), dicom::kMaxInflatedFloorBytes);
  EXPECT_EQ(dicom::maxInflatedBytes(1000), dicom::kMaxInflatedFloorBytes);
  EXPECT_EQ(dicom::maxInflatedBytes(1ull << 20), 64ull << 20);
  EXPECT_EQ(dicom::maxInflatedBytes(UINT64_MAX), UINT64_MAX);
}

TEST_F(DeflateBound, AOneMegabyteBombStopsAtTheBoundQuickly) {
  const std::string bomb = deflateBomb(1024);  // 1 GiB of zeros
  ASSERT_LT(bomb.size(), 1100u * 1024);
  const fs::path file = write("bomb.raw", bomb);
  const auto start = std::chrono::steady_clock::now();
  const auto scan = dicom::scanDataset(file, {0, true, false, true});
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  EXPECT_TRUE(scan.inflatesTooFar);
  EXPECT_EQ(scan.compressedBytes, bomb.size());
  EXPECT_LE(scan.inflatedBytes, dicom::maxInflatedBytes(bomb.size()) + (256u << 10));  // one output buffer over
  EXPECT_LT(ms, 2000.0);  // under 0.2 s here; the whole GiB took seconds, twice, before
  std::printf("a %zu-byte deflate bomb (1 GiB): refused after %llu MiB inflated, %.1f ms\n", bomb.size(),
              static_cast<unsigned long long>(scan.inflatedBytes >> 20), ms);
}

TEST_F(DeflateBound, InspectionRefusesTheBombWithItsReason) {
  ASSERT_FALSE(dicom::initialize().has_value());
  const fs::path file = write("bomb.dcm", deflatedPart10(deflateBomb(64)));  // 64 KB claiming 64 MiB
  const auto inspection = dicom::inspectFile(file, dicom::Framing::Part10);
  EXPECT_FALSE(inspection.usable);
  EXPECT_NE(inspection.reason.find("deflate bomb"), std::string::npos) << inspection.reason;
}

TEST_F(DeflateBound, SmallDeflatedDatasetsAreNotBoundedByRatio) {
  // 8 MiB of zeros deflate about 1000:1, yet stay under the floor: a blank image is not a bomb.
  const fs::path file = write("blank.raw", deflateBomb(8));
  const auto scan = dicom::scanDataset(file, {0, true, false, true});
  EXPECT_FALSE(scan.inflatesTooFar);
  EXPECT_EQ(scan.inflatedBytes, 8u << 20);
}

}  // namespace
}  // namespace cloudfilm
