#include "dicom/dicom_file.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdict.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcpixel.h>
#include <dcmtk/dcmdata/dcpixseq.h>
#include <dcmtk/dcmdata/dcspchrs.h>
#include <dcmtk/dcmdata/dcxfer.h>
#include <dcmtk/oflog/oflog.h>


#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <string_view>
#include <vector>

#include "dicom/dcmtk_compat.h"
#include "dicom/dataset_sniff.h"
#include "dicom/nesting_scan.h"
#include "platform/platform.h"
#include "util/error.h"
#include "util/fd_io.h"

namespace cloudfilm::dicom {
namespace {

// A UUID-derived UID (ISO/IEC 9834-8), so CloudFilm names itself in the meta headers it writes without borrowing
// anybody's registered root.
constexpr const char* kImplementationClassUid = "2.25.298463114914755701403702446513668780696";
constexpr const char* kImplementationVersionName = "CLOUDFILM_" CLOUDFILM_VERSION;

// Values above this many bytes are not read into memory while inspecting: DCMTK keeps a handle on the file and
// reads them only if asked, which we never do. Inspection memory is therefore independent of the pixel data size.
constexpr Uint32 kLazyValueThreshold = 4096;

// Dataset bytes copied at a time behind a meta header we write.
constexpr std::size_t kCopyBlockBytes = 1 << 20;

std::string getString(DcmItem& item, const DcmTagKey& tag) {
  OFString value;
  if (item.findAndGetOFStringArray(tag, value).good()) return std::string(value.c_str(), value.length());
  return {};
}

std::string trimmed(std::string value) {
  const auto notSpace = [](unsigned char c) { return c != ' ' && c != '\0'; };
  value.erase(value.begin(), std::find_if(value.begin(), value.end(), notSpace));
  value.erase(std::find_if(value.rbegin(), value.rend(), notSpace).base(), value.end());
  return value;
}

std::optional<long> getInteger(DcmItem& item, const DcmTagKey& tag) {
  Sint32 value = 0;
  if (item.findAndGetSint32(tag, value).good()) return static_cast<long>(value);
  return std::nullopt;
}

template <std::size_t N>
std::optional<std::array<double, N>> getDoubles(DcmItem& item, const DcmTagKey& tag) {
  std::array<double, N> values{};
  for (std::size_t i = 0; i < N; ++i) {
    Float64 value = 0;
    if (item.findAndGetFloat64(tag, value, static_cast<unsigned long>(i)).bad() || !std::isfinite(value))
      return std::nullopt;
    values[i] = value;
  }
  return values;
}

bool isValidUtf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const std::size_t continuation = lead < 0x80           ? 0
                                     : (lead >> 5) == 0x06 ? 1
                                     : (lead >> 4) == 0x0E ? 2
                                     : (lead >> 3) == 0x1E ? 3
                                                           : 4;
    if (continuation == 4 || i + continuation >= text.size() + (continuation == 0 ? 1 : 0)) return false;
    for (std::size_t k = 1; k <= continuation; ++k)
      if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return false;
    i += continuation + 1;
  }
  return true;
}

bool isAscii(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// Decodes text values through the dataset's SpecificCharacterSet. Chinese hospitals often send GB18030 or GBK,
// and some omit SpecificCharacterSet altogether while still sending GB18030 bytes: when the declared repertoire
// cannot explain the bytes, GB18030 is tried before giving up and replacing what cannot be decoded.
class TextDecoder {
 public:
  explicit TextDecoder(DcmItem& dataset) {
    OFString declared;
    dataset.findAndGetOFStringArray(DCM_SpecificCharacterSet, declared);
    declared_ = trimmed(std::string(declared.c_str(), declared.length()));
    declaredOk_ = converter_.selectCharacterSet(declared_.c_str()).good();
  }

  std::string decode(const std::string& raw, const char* delimiters) {
    if (isAscii(raw)) return raw;
    OFString converted;
    if (declaredOk_ && !declared_.empty() &&
        converter_.convertString(OFString(raw.data(), raw.size()), converted, delimiters).good())
      return std::string(converted.c_str(), converted.length());
    if (isValidUtf8(raw)) return raw;  // undeclared UTF-8 is common too
    DcmSpecificCharacterSet gb;
    if (gb.selectCharacterSet("GB18030").good() &&
        gb.convertString(OFString(raw.data(), raw.size()), converted, delimiters).good())
      return std::string(converted.c_str(), converted.length());
    std::string replaced = raw;
    for (char& c : replaced)
      if (static_cast<unsigned char>(c) >= 0x80) c = '?';
    return replaced;
  }

 private:
  DcmSpecificCharacterSet converter_;
  std::string declared_;
  bool declaredOk_ = false;
};

std::string pixelDataProblem(DcmDataset& dataset, const DcmXfer& xfer, InstanceInfo& info) {
  DcmElement* pixelElement = nullptr;
  if (dataset.findAndGetElement(DCM_PixelData, pixelElement).bad() || pixelElement == nullptr) return {};
  info.hasPixelData = true;
  Uint16 rows = 0, columns = 0, samples = 1, bitsAllocated = 0;
  dataset.findAndGetUint16(DCM_Rows, rows);
  dataset.findAndGetUint16(DCM_Columns, columns);
  dataset.findAndGetUint16(DCM_SamplesPerPixel, samples);
  dataset.findAndGetUint16(DCM_BitsAllocated, bitsAllocated);
  info.rows = rows;
  info.columns = columns;
  const long frames = getInteger(dataset, DCM_NumberOfFrames).value_or(1);
  if (frames < 1) return "NumberOfFrames is " + std::to_string(frames);
  info.numberOfFrames = static_cast<std::uint32_t>(frames);
  if (rows == 0 || columns == 0) return "pixel data without Rows and Columns";
  if (bitsAllocated == 0 || (bitsAllocated != 1 && bitsAllocated % 8 != 0))
    return "BitsAllocated is " + std::to_string(bitsAllocated);

  if (encapsulatedPixels(xfer)) {
    info.encapsulatedPixelData = true;
    auto* pixelData = dynamic_cast<DcmPixelData*>(pixelElement);
    DcmPixelSequence* sequence = nullptr;
    if (pixelData == nullptr ||
        pixelData->getEncapsulatedRepresentation(xfer.getXfer(), nullptr, sequence).bad() || sequence == nullptr)
      return "compressed pixel data without a pixel sequence";
    if (sequence->card() < 2) return "compressed pixel data without any fragment";
    return {};
  }

  // Native pixel data: the length follows from the image geometry. YBR_FULL_422 stores two chroma samples per
  // pair of pixels, so three samples take the room of two.
  std::string photometric = trimmed(getString(dataset, DCM_PhotometricInterpretation));
  std::uint64_t samplesStored = static_cast<std::uint64_t>(rows) * columns * samples;
  if (photometric == "YBR_FULL_422" && samples == 3) samplesStored = samplesStored * 2 / 3;
  // The header's numbers are the file's to choose: a product that wraps past 64 bits would "need" a few bytes.
  std::uint64_t bits = 0;
  if (__builtin_mul_overflow(samplesStored, static_cast<std::uint64_t>(bitsAllocated), &bits) ||
      __builtin_mul_overflow(bits, static_cast<std::uint64_t>(frames), &bits) || bits > UINT64_MAX - 7)
    return "Rows x Columns x samples x bits x frames is too large to be an image";
  const std::uint64_t expected = (bits + 7) / 8;
  const std::uint64_t actual = pixelElement->getLength();
  // Longer pixel data (trailing padding) still shows: viewers read the first `expected` bytes. Shorter cannot.
  if (actual >= expected) return {};
  return "pixel data is " + std::to_string(actual) + " bytes where Rows x Columns x samples x bits x frames needs " +
         std::to_string(expected);
}

}  // namespace

std::optional<std::string> initialize() {
  // DCMTK logs warnings for harmless quirks (trailing padding, odd lengths) to the console; the host's stdout is
  // its message channel, and the command line reports problems itself.
  OFLog::configure(OFLogger::OFF_LOG_LEVEL);
  if (!dcmDataDict.isDictionaryLoaded()) {
    return std::string("the DICOM data dictionary is not loaded (expected ") + DCM_DICT_DEFAULT_PATH +
           "; on Debian install libdcmtk17, or set DCMDICTPATH)";
  }
  return std::nullopt;
}

namespace {

// DCMTK reads nested sequences recursively: a hostile body nesting them thousands of levels deep would overflow the
// stack inside DCMTK. Walk the element headers first (see nesting_scan.h). Where the encoding is not known for sure,
// walk it both ways: DCMTK guesses too, and must not be able to guess differently from us.
std::string nestingProblem(const std::filesystem::path& file, Framing framing, const DatasetSniff& sniff) {
  std::vector<DatasetLayout> layouts;
  if (framing == Framing::Part10) {
    const std::uint64_t offset = sniff.datasetOffset;
    if (sniff.metaTransferSyntax == "1.2.840.10008.1.2.1.99") layouts.push_back({offset, true, false, true});
    if (sniff.encodingKnown) layouts.push_back({offset, sniff.explicitVr, sniff.bigEndian, false});
    else layouts.insert(layouts.end(), {{offset, true, false, false}, {offset, false, false, false}, {offset, true, true, false}});
  } else {
    std::string head(256, '\0');
    std::ifstream in(file, std::ios::binary);
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    head.resize(static_cast<std::size_t>(in.gcount()));
    const DatasetEncoding encoding = guessDatasetEncoding(head);
    if (encoding.known) layouts.push_back({0, encoding.explicitVr, encoding.bigEndian, false});
    else layouts.insert(layouts.end(), {{0, true, false, false}, {0, false, false, false}, {0, true, true, false}});
  }
  for (const auto& layout : layouts) {
    const DatasetScan scan = scanDataset(file, layout);
    if (scan.depth > kMaxSequenceNesting)
      return "sequences nested deeper than " + std::to_string(kMaxSequenceNesting) +
             " levels (no real image needs that; refused before parsing)";
    if (scan.inflatesTooFar)  // see kMaxInflateRatio in nesting_scan.h
      return "the deflated dataset inflates to more than " +
             std::to_string(maxInflatedBytes(scan.compressedBytes) >> 20) + " MiB from " +
             std::to_string(scan.compressedBytes) + " bytes (a deflate bomb; refused before parsing)";
  }
  return {};
}

// Why a meta header's transfer syntax cannot describe the dataset as sniffed (explicit or implicit VR, byte order);
// empty when they agree or when either is not known for sure.
std::string metaContradiction(const DatasetSniff& sniff, const DcmXfer& metaXfer) {
  if (!sniff.encodingKnown || metaXfer.getXfer() == EXS_Unknown || metaXfer.getStreamCompression() != ESC_none)
    return {};
  if (sniff.explicitVr == metaXfer.isExplicitVR() && sniff.bigEndian == (metaXfer.getByteOrder() == EBO_BigEndian))
    return {};
  return "the meta header says " + std::string(metaXfer.getXferName()) + " but the dataset is encoded otherwise";
}

}  // namespace

std::optional<InstanceInfo> usablePart10Instance(const std::filesystem::path& file) {
  Inspection inspection = inspectFile(file, Framing::Part10);
  if (!inspection.usable) return std::nullopt;
  return std::move(inspection.info);
}

Inspection inspectFile(const std::filesystem::path& file, Framing framing) {
  Inspection result;
  result.framing = framing;

  std::error_code ec;
  const auto fileSize = std::filesystem::file_size(file, ec);
  if (ec) {
    result.reason = "cannot read " + platform::utf8Of(file) + ": " + ec.message();
    return result;
  }

  DatasetSniff sniff;
  if (framing == Framing::Part10) {
    sniff = sniffPart10Dataset(file);
    if (!sniff.problem.empty()) {
      result.reason = sniff.problem;
      return result;
    }
  }

  // A meta header that contradicts how the dataset is encoded usually makes DCMTK fail half-way with a misleading
  // "premature end of stream": say what is wrong before parsing.
  if (framing == Framing::Part10 && !sniff.metaTransferSyntax.empty()) {
    if (std::string contradiction = metaContradiction(sniff, DcmXfer(sniff.metaTransferSyntax.c_str()));
        !contradiction.empty()) {
      result.reason = contradiction;
      return result;
    }
  }

  if (const std::string deep = nestingProblem(file, framing, sniff); !deep.empty()) {
    result.reason = deep;
    return result;
  }

  DcmFileFormat fileFormat;
  // A Part-10 file is read with auto-detection so a meta header missing an element does not hide a good dataset.
  const E_FileReadMode mode = framing == Framing::Part10 ? ERM_autoDetect : ERM_dataset;
  OFCondition status =
      fileFormat.loadFile(OFFilename(file.c_str()), EXS_Unknown, EGL_noChange, kLazyValueThreshold, mode);
  // Zero padding after the last element (some writers leave it after the pixel data) reads as empty elements and
  // ends in "Item Delimitation Item missing" with DCMTK 3.6.9 (the Windows build), where 3.6.7 (Debian 12) reads past
  // it with warnings. The same file is kept on both: when the dataset read so far holds its pixel data, the tail is
  // not the image's.
  if (status == EC_ItemDelimitationItemMissing && fileFormat.getDataset()->tagExistsWithValue(DCM_PixelData))
    status = EC_Normal;
  if (status.bad()) {
    result.reason = std::string("not a readable DICOM dataset: ") + status.text();
    if (status == EC_StreamNotifyClient || status == EC_InvalidStream)
      result.reason = "truncated or corrupt DICOM (" + std::string(status.text()) + ")";
    return result;
  }
  DcmDataset& dataset = *fileFormat.getDataset();
  DcmMetaInfo& meta = *fileFormat.getMetaInfo();
  InstanceInfo& info = result.info;

  const DcmXfer datasetXfer(dataset.getOriginalXfer());
  if (datasetXfer.getXfer() == EXS_Unknown) {
    result.reason = "the dataset's transfer syntax cannot be determined";
    return result;
  }
  info.transferSyntaxUid = datasetXfer.getXferID();

  if (framing == Framing::Part10) {
    std::string metaTransferSyntax = trimmed(getString(meta, DCM_TransferSyntaxUID));
    if (!metaTransferSyntax.empty()) {
      const DcmXfer metaXfer(metaTransferSyntax.c_str());
      if (metaXfer.getXfer() == EXS_Unknown) {
        result.reason = "the meta header names an unknown transfer syntax " + metaTransferSyntax;
        return result;
      }
      if (std::string contradiction = metaContradiction(sniff, metaXfer); !contradiction.empty()) {
        result.reason = contradiction;
        return result;
      }
      info.transferSyntaxUid = metaTransferSyntax;
    }
  }

  info.sopInstanceUid = trimmed(getString(dataset, DCM_SOPInstanceUID));
  info.sopClassUid = trimmed(getString(dataset, DCM_SOPClassUID));
  info.studyInstanceUid = trimmed(getString(dataset, DCM_StudyInstanceUID));
  info.seriesInstanceUid = trimmed(getString(dataset, DCM_SeriesInstanceUID));
  const std::pair<const char*, const std::string*> uids[] = {{"SOPInstanceUID", &info.sopInstanceUid},
                                                             {"StudyInstanceUID", &info.studyInstanceUid},
                                                             {"SeriesInstanceUID", &info.seriesInstanceUid}};
  for (const auto& [name, value] : uids) {
    if (value->empty()) {
      result.reason = std::string("no ") + name;
      return result;
    }
    if (!isValidUid(*value)) {
      result.reason = std::string("malformed ") + name + " \"" + value->substr(0, 80) + "\"";
      return result;
    }
  }
  if (!info.sopClassUid.empty() && !isValidUid(info.sopClassUid)) {
    result.reason = "malformed SOPClassUID";
    return result;
  }

  if (framing == Framing::Part10) {
    const std::string mediaSop = trimmed(getString(meta, DCM_MediaStorageSOPInstanceUID));
    const std::string mediaClass = trimmed(getString(meta, DCM_MediaStorageSOPClassUID));
    if (!mediaSop.empty() && mediaSop != info.sopInstanceUid) {
      result.reason = "the meta header's SOP Instance UID differs from the dataset's";
      return result;
    }
    if (!mediaClass.empty() && !info.sopClassUid.empty() && mediaClass != info.sopClassUid) {
      result.reason = "the meta header's SOP Class UID differs from the dataset's";
      return result;
    }
  }

  if (std::string problem = pixelDataProblem(dataset, DcmXfer(info.transferSyntaxUid.c_str()), info);
      !problem.empty()) {
    result.reason = problem;
    return result;
  }

  TextDecoder text(dataset);
  info.patientName = trimmed(text.decode(getString(dataset, DCM_PatientName), "\\^="));
  info.patientId = trimmed(text.decode(getString(dataset, DCM_PatientID), "\\"));
  info.studyDate = trimmed(getString(dataset, DCM_StudyDate));
  info.studyTime = trimmed(getString(dataset, DCM_StudyTime));
  info.studyDescription = trimmed(text.decode(getString(dataset, DCM_StudyDescription), "\\"));
  info.accessionNumber = trimmed(text.decode(getString(dataset, DCM_AccessionNumber), "\\"));
  info.modality = trimmed(getString(dataset, DCM_Modality));
  info.seriesDescription = trimmed(text.decode(getString(dataset, DCM_SeriesDescription), "\\"));
  info.bodyPartExamined = trimmed(text.decode(getString(dataset, DCM_BodyPartExamined), "\\"));
  info.seriesNumber = getInteger(dataset, DCM_SeriesNumber);
  info.instanceNumber = getInteger(dataset, DCM_InstanceNumber);
  info.imagePositionPatient = getDoubles<3>(dataset, DCM_ImagePositionPatient);
  info.imageOrientationPatient = getDoubles<6>(dataset, DCM_ImageOrientationPatient);
  info.acquisitionTime = trimmed(getString(dataset, DCM_AcquisitionTime));
  if (info.acquisitionTime.empty()) info.acquisitionTime = trimmed(getString(dataset, DCM_ContentTime));
  info.expectedSlices = getInteger(dataset, DCM_NumberOfSlices);
  if (!info.expectedSlices) info.expectedSlices = getInteger(dataset, DCM_ImagesInAcquisition);
  info.lossyCompressed = isLossyTransferSyntax(info.transferSyntaxUid) ||
                         trimmed(getString(dataset, DCM_LossyImageCompression)) == "01";
  info.datasetElementCount = dataset.card();
  (void)fileSize;

  result.usable = true;
  return result;
}

namespace {

void appendLittleEndian(std::string& out, std::uint32_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
}

// One explicit VR little endian meta element. UI values are padded with NUL, other text with a space.
void appendMetaElement(std::string& out, std::uint16_t element, const char* vr, std::string value) {
  const bool isUid = std::strcmp(vr, "UI") == 0;
  if (value.size() % 2 != 0) value.push_back(isUid ? '\0' : ' ');
  appendLittleEndian(out, 0x0002, 2);
  appendLittleEndian(out, element, 2);
  out.append(vr, 2);
  if (std::strcmp(vr, "OB") == 0) {
    appendLittleEndian(out, 0, 2);
    appendLittleEndian(out, static_cast<std::uint32_t>(value.size()), 4);
  } else {
    appendLittleEndian(out, static_cast<std::uint32_t>(value.size()), 2);
  }
  out += value;
}

}  // namespace

void writePart10Wrapper(const std::filesystem::path& datasetFile, const InstanceInfo& info,
                        const std::filesystem::path& target) {
  std::string elements;
  appendMetaElement(elements, 0x0001, "OB", std::string("\x00\x01", 2));
  appendMetaElement(elements, 0x0002, "UI", info.sopClassUid);
  appendMetaElement(elements, 0x0003, "UI", info.sopInstanceUid);
  appendMetaElement(elements, 0x0010, "UI", info.transferSyntaxUid);
  appendMetaElement(elements, 0x0012, "UI", kImplementationClassUid);
  appendMetaElement(elements, 0x0013, "SH", kImplementationVersionName);

  std::string header(128, '\0');
  header += "DICM";
  appendMetaElement(header, 0x0000, "UL", std::string(4, '\0'));
  const auto groupLength = static_cast<std::uint32_t>(elements.size());
  for (int i = 0; i < 4; ++i) header[header.size() - 4 + i] = static_cast<char>((groupLength >> (8 * i)) & 0xFF);
  header += elements;

  std::ifstream in(datasetFile, std::ios::binary);
  if (!in) throw ioError("cannot read", platform::utf8Of(datasetFile), errno);
  const int fd = platform::openForWriting(target, platform::Creation::Truncate, 0666);
  if (fd < 0) throw ioError("cannot write", platform::utf8Of(target), errno);
  // Never leave a partial file behind: whatever fails, `target` goes.
  const auto fail = [&](Error error) {
    platform::closeFile(fd);
    platform::removeFile(target);
    throw std::move(error);
  };
  if (!writeAll(fd, header)) fail(ioError("cannot write", platform::utf8Of(target), errno));
  std::string block(kCopyBlockBytes, '\0');
  while (in) {
    in.read(block.data(), static_cast<std::streamsize>(block.size()));
    const auto got = static_cast<std::size_t>(in.gcount());
    if (got > 0 && !writeAll(fd, std::string_view(block.data(), got)))
      fail(ioError("cannot write", platform::utf8Of(target), errno));
  }
  if (in.bad()) fail(Error(ErrorCode::Internal, "cannot read " + platform::utf8Of(datasetFile)));
  if (platform::closeFile(fd) != 0) {
    const int error = errno;
    platform::removeFile(target);
    throw ioError("cannot write", platform::utf8Of(target), error);
  }
}

}  // namespace cloudfilm::dicom
