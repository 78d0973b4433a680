// body/jpeg2000: what a JPEG 2000 file or codestream says of itself, from its headers. Real files come from Debian's
// opj_compress (libopenjp2-tools) run on images written here; hostile ones are those files cut, patched or replaced.
#include "body/jpeg2000.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "opj_tool.h"
#include "test_files.h"

namespace cloudfilm {
namespace {

using namespace cloudfilm::test;
using body::Jpeg2000Read;
using body::readJpeg2000;

constexpr std::size_t kSiz = 4;  // SIZ's marker starts after SOC

class Jpeg2000 : public ::testing::Test {
 protected:
  void SetUp() override { CF_REQUIRE_OPJ_COMPRESS(); }

  // A 64 x 48 grey image of `maxValue` as a JP2 file or a codestream.
  std::string grey(const std::string& output, std::uint32_t maxValue = 255, const std::string& options = "") {
    return runOpjCompress(dir_.path(), "in.pgm", makePgm(64, 48, maxValue, rampSamples(64, 48, maxValue)), output,
                          "-n 3 " + options);
  }

  // Reads and expects success; the facts' codestream must lie inside `bytes`.
  body::Jpeg2000Facts read(const std::string& bytes, Jpeg2000Read mode = Jpeg2000Read::Whole) {
    std::string problem;
    const auto facts = readJpeg2000(bytes, &problem, mode);
    EXPECT_TRUE(facts.has_value()) << problem;
    if (!facts) return {};
    EXPECT_GE(facts->codestream.data(), bytes.data());
    EXPECT_LE(facts->codestream.data() + facts->codestream.size(), bytes.data() + bytes.size());
    return *facts;
  }

  // Reads and expects a refusal; returns its reason.
  static std::string refusal(const std::string& bytes, Jpeg2000Read mode = Jpeg2000Read::Whole) {
    std::string problem;
    const auto facts = readJpeg2000(bytes, &problem, mode);
    EXPECT_FALSE(facts.has_value()) << "read as " << facts->width << " x " << facts->height;
    EXPECT_FALSE(problem.empty()) << "a refusal says why";
    return problem;
  }

  TempDir dir_;
};

TEST_F(Jpeg2000, Codestream_ReversibleByDefault) {
  const std::string j2k = grey("a.j2k");
  ASSERT_FALSE(j2k.empty());
  EXPECT_TRUE(body::looksLikeJpeg2000(j2k));
  const auto facts = read(j2k);
  EXPECT_EQ(facts.width, 64u);
  EXPECT_EQ(facts.height, 48u);
  EXPECT_EQ(facts.components, 1u);
  EXPECT_EQ(facts.bitDepth, 8u);
  EXPECT_FALSE(facts.isSigned);
  EXPECT_TRUE(facts.reversible) << "opj_compress's default: the 5/3 wavelet";
  EXPECT_FALSE(facts.jp2File);
  EXPECT_EQ(facts.codestream, j2k) << "a bare codestream is all of it";
}

TEST_F(Jpeg2000, Jp2File_CodestreamUnwrappedByteForByte) {
  const std::string jp2 = grey("a.jp2"), j2k = grey("a.j2k");
  ASSERT_FALSE(jp2.empty());
  EXPECT_TRUE(body::looksLikeJpeg2000(jp2));
  const auto facts = read(jp2);
  EXPECT_TRUE(facts.jp2File);
  EXPECT_EQ(facts.width, 64u);
  EXPECT_EQ(facts.height, 48u);
  EXPECT_TRUE(facts.reversible);
  EXPECT_EQ(facts.codestream.substr(0, 4), std::string("\xFF\x4F\xFF\x51", 4));
  EXPECT_EQ(facts.codestream.substr(facts.codestream.size() - 2), std::string("\xFF\xD9", 2)) << "ends with EOC";
  EXPECT_EQ(facts.codestream, j2k) << "the jp2c box holds the same codestream opj_compress writes bare";
}

TEST_F(Jpeg2000, Irreversible_NineSevenWavelet) {
  const auto jp2 = grey("a.jp2", 255, "-I -r 10");
  const auto facts = read(jp2);
  EXPECT_FALSE(facts.reversible);
  EXPECT_EQ(facts.width, 64u);
  EXPECT_FALSE(read(grey("b.j2k", 255, "-I")).reversible);
}

TEST_F(Jpeg2000, BitDepthFromTheImage_12And16Bits) {
  EXPECT_EQ(read(grey("a12.j2k", 4095)).bitDepth, 12u);
  EXPECT_EQ(read(grey("a16.jp2", 65535)).bitDepth, 16u);
}

TEST_F(Jpeg2000, SignedSamples) {
  // 12-bit signed samples, little endian (.rawl), as a CT's pixels.
  std::string raw;
  for (int i = 0; i < 64 * 48; ++i) {
    const auto value = static_cast<std::int16_t>((i % 4096) - 2048);
    raw.push_back(static_cast<char>(value & 0xFF));
    raw.push_back(static_cast<char>((value >> 8) & 0xFF));
  }
  const std::string j2k = runOpjCompress(dir_.path(), "in.rawl", raw, "s.j2k", "-n 3 -F 64,48,1,12,s");
  const auto facts = read(j2k);
  EXPECT_TRUE(facts.isSigned);
  EXPECT_EQ(facts.bitDepth, 12u);
  EXPECT_TRUE(facts.reversible);
}

TEST_F(Jpeg2000, ColourImage_ThreeComponents) {
  std::string ppm = "P6\n40 30\n255\n";
  for (int i = 0; i < 40 * 30 * 3; ++i) ppm.push_back(static_cast<char>(i * 13));
  const std::string jp2 = runOpjCompress(dir_.path(), "in.ppm", ppm, "c.jp2", "-n 3");
  const auto facts = read(jp2);
  EXPECT_EQ(facts.components, 3u);
  EXPECT_EQ(facts.width, 40u);
  EXPECT_EQ(facts.height, 30u);
}

TEST_F(Jpeg2000, ImageOffset_SizeIsTheImageArea) {
  // -d 10,20: the image starts at (10, 20) of the reference grid; Xsiz/Ysiz count from the grid's origin.
  const std::string j2k = grey("o.j2k", 255, "-d 10,20");
  const auto facts = read(j2k);
  EXPECT_EQ(facts.width, 64u);
  EXPECT_EQ(facts.height, 48u);
}

TEST_F(Jpeg2000, SizeOnly_FirstBytesEnough) {
  const std::string jp2 = grey("a.jp2");
  const std::size_t jp2c = jp2.find("jp2c");
  ASSERT_NE(jp2c, std::string::npos);
  // The boxes, SOC and SIZ: nothing more.
  const std::string head = jp2.substr(0, jp2c + 4 + 2 + 2 + 0x29);
  const auto facts = read(head, Jpeg2000Read::SizeOnly);
  EXPECT_EQ(facts.width, 64u);
  EXPECT_EQ(facts.height, 48u);
  EXPECT_EQ(facts.bitDepth, 8u);
  EXPECT_TRUE(facts.jp2File);
  // The same head is not a whole file.
  refusal(head, Jpeg2000Read::Whole);
  // One byte short of SIZ: not enough even for its size.
  EXPECT_NE(refusal(head.substr(0, head.size() - 1), Jpeg2000Read::SizeOnly).find("SIZ"), std::string::npos);
}

TEST_F(Jpeg2000, TruncatedFiles_NeverReadAsWhole) {
  for (const std::string name : {"t.jp2", "t.j2k"}) {
    const std::string file = grey(name);
    ASSERT_GT(file.size(), 200u);
    // Every cut: in the boxes, in SIZ, in the main header, in the tile data, and the last byte (EOC's second).
    for (std::size_t keep = 0; keep < file.size(); ++keep) {
      std::string problem;
      const auto facts = readJpeg2000(std::string_view(file).substr(0, keep), &problem, Jpeg2000Read::Whole);
      EXPECT_FALSE(facts.has_value()) << name << " cut to " << keep << " of " << file.size() << " bytes read whole";
      EXPECT_FALSE(problem.empty()) << name << " cut to " << keep;
    }
  }
}

TEST_F(Jpeg2000, ZeroPaddingAfterEoc_NotPartOfTheCodestream) {
  // A codestream taken out of a DICOM fragment keeps the one 0x00 that made its length even.
  const std::string j2k = grey("p.j2k");
  const std::string padded = j2k + std::string(1, '\0');
  const auto facts = read(padded);
  EXPECT_EQ(facts.codestream, j2k);
  // Anything else after EOC is not padding.
  refusal(j2k + "x");
}

TEST_F(Jpeg2000, TruncatedTileData_SizeOnlyStillReadsTheSize) {
  const std::string j2k = grey("t.j2k");
  const auto facts = read(j2k.substr(0, j2k.size() / 2), Jpeg2000Read::SizeOnly);
  EXPECT_EQ(facts.width, 64u);
}

TEST_F(Jpeg2000, SizThatLies_SizeAsItSaysOrRefused) {
  const std::string j2k = grey("a.j2k");
  ASSERT_EQ(j2k.substr(0, 4), std::string("\xFF\x4F\xFF\x51", 4));
  const auto patched = [&](std::size_t at, std::string bytes) {
    std::string copy = j2k;
    copy.replace(at, bytes.size(), bytes);
    return copy;
  };
  // Xsiz says 4096: the reader reports what the header says (the caller compares it with X-ImageFrame).
  EXPECT_EQ(read(patched(kSiz + 4, std::string("\x00\x00\x10\x00", 4))).width, 4096u);
  // Lsiz that does not fit Csiz.
  EXPECT_NE(refusal(patched(kSiz, std::string("\x00\x2C", 2))).find("malformed"), std::string::npos);
  // No components; more components than the marker holds.
  EXPECT_NE(refusal(patched(kSiz + 36, std::string("\x00\x00", 2))).find("malformed"), std::string::npos);
  EXPECT_NE(refusal(patched(kSiz + 36, std::string("\xFF\xFF", 2))).find("malformed"), std::string::npos);
  // An empty image area: origin at or past the far edge.
  EXPECT_NE(refusal(patched(kSiz + 12, std::string("\x00\x00\x00\x40", 4))).find("empty"), std::string::npos);
  EXPECT_NE(refusal(patched(kSiz + 4, std::string("\x00\x00\x00\x00", 4))).find("empty"), std::string::npos);
  // A bit depth past 38.
  EXPECT_NE(refusal(patched(kSiz + 38, std::string("\x7F", 1))).find("bit depth"), std::string::npos);
  // The largest size the fields hold: read, never allocated for.
  const auto huge = read(patched(kSiz + 4, std::string("\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF", 8)));
  EXPECT_EQ(huge.width, 0xFFFFFFFFu);
  EXPECT_EQ(huge.height, 0xFFFFFFFFu);
}

TEST_F(Jpeg2000, MainHeaderDamage_Refused) {
  const std::string j2k = grey("a.j2k");
  const std::size_t cod = j2k.find(std::string("\xFF\x52", 2), kSiz + 0x29);
  ASSERT_NE(cod, std::string::npos);
  std::string noCod = j2k;
  noCod[cod + 1] = '\x64';  // COD becomes COM
  EXPECT_NE(refusal(noCod).find("COD"), std::string::npos);
  std::string shortCod = j2k;
  shortCod[cod + 2] = 0;
  shortCod[cod + 3] = 4;  // Lcod 4: too short to hold the wavelet
  EXPECT_FALSE(readJpeg2000(shortCod).has_value());
  std::string notAMarker = j2k;
  notAMarker[kSiz + 0x29] = 0x12;  // where the next marker must start
  EXPECT_NE(refusal(notAMarker).find("malformed"), std::string::npos);
  std::string longMarker = j2k;
  longMarker[cod + 2] = '\xFF';
  longMarker[cod + 3] = '\xFF';  // Lcod past the end
  EXPECT_NE(refusal(longMarker).find("cut off"), std::string::npos);
}

TEST_F(Jpeg2000, Jp2Boxes_HostileLengths) {
  const std::string jp2 = grey("a.jp2");
  const std::size_t ftyp = 12;
  // A box whose length runs past the file, before any jp2c.
  std::string past = jp2;
  past.replace(ftyp, 4, std::string("\x7F\xFF\xFF\xFF", 4));
  EXPECT_NE(refusal(past).find("codestream box"), std::string::npos);
  // A 64-bit length of 2^64 - 1.
  std::string xl = jp2;
  xl.replace(ftyp, 4, std::string("\x00\x00\x00\x01", 4));
  xl.insert(ftyp + 8, std::string(8, '\xFF'));
  EXPECT_NE(refusal(xl).find("codestream box"), std::string::npos);
  // A length under the box's own header.
  std::string tiny = jp2;
  tiny.replace(ftyp, 4, std::string("\x00\x00\x00\x04", 4));
  EXPECT_NE(refusal(tiny).find("codestream box"), std::string::npos);
  // Two thousand empty boxes before the codestream: the walk stops, refused.
  std::string many = jp2;
  std::string empty;
  for (int i = 0; i < 2000; ++i) empty += std::string("\x00\x00\x00\x08skip", 8);
  many.insert(ftyp, empty);
  EXPECT_NE(refusal(many).find("codestream box"), std::string::npos);
  // No jp2c at all.
  const std::size_t jp2c = jp2.find("jp2c");
  std::string none = jp2;
  none.replace(jp2c, 4, "xxxx");
  EXPECT_NE(refusal(none).find("codestream box"), std::string::npos);
  // A jp2c box that holds something else.
  std::string other = jp2.substr(0, jp2c + 4) + std::string(200, 'A');
  other.replace(jp2c - 4, 4, std::string("\x00\x00\x00\xD0", 4));
  EXPECT_NE(refusal(other).find("not a JPEG 2000 codestream"), std::string::npos);
}

TEST_F(Jpeg2000, Garbage_Refused) {
  std::mt19937 random(14);
  for (int round = 0; round < 200; ++round) {
    std::string bytes(random() % 600, '\0');
    for (auto& c : bytes) c = static_cast<char>(random());
    if (round % 2 == 0 && bytes.size() >= 4) bytes.replace(0, 4, std::string("\xFF\x4F\xFF\x51", 4));
    if (round % 4 == 1 && bytes.size() >= 12)
      bytes.replace(0, 12, std::string("\x00\x00\x00\x0C\x6A\x50\x20\x20\x0D\x0A\x87\x0A", 12));
    std::string problem;
    const auto facts = readJpeg2000(bytes, &problem);  // never a crash; mostly refused
    if (!facts) EXPECT_FALSE(problem.empty());
  }
  for (const std::string& bytes : {std::string(), std::string("\xFF\x4F", 2), std::string("\xFF\x4F\xFF\x51", 4),
                                   std::string("\x89PNG\r\n\x1A\n"), std::string(132, '\0') + "DICM",
                                   std::string("\x00\x00\x00\x0C\x6A\x50\x20\x20\x0D\x0A\x87\x0A", 12)})
    refusal(bytes);
}

TEST_F(Jpeg2000, LooksLikeJpeg2000_SignaturesOnly) {
  EXPECT_TRUE(body::looksLikeJpeg2000(std::string("\x00\x00\x00\x0C\x6A\x50\x20\x20\x0D\x0A\x87\x0A", 12)));
  EXPECT_TRUE(body::looksLikeJpeg2000(std::string("\xFF\x4F\xFF\x51", 4)));
  EXPECT_FALSE(body::looksLikeJpeg2000(std::string("\xFF\x4F\xFF\x52", 4)));
  EXPECT_FALSE(body::looksLikeJpeg2000(std::string("\xFF\x4F", 2)));
  EXPECT_FALSE(body::looksLikeJpeg2000(std::string("\xFF\xD8\xFF\xE0", 4)));
  EXPECT_FALSE(body::looksLikeJpeg2000(""));
  EXPECT_FALSE(body::looksLikeJpeg2000(std::string("\x00\x00\x00\x0C\x6A\x50\x20\x20", 8)));
}

}  // namespace
}  // namespace cloudfilm
