#include "dicom/dataset_sniff.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <fstream>

namespace cloudfilm::dicom {
namespace {

constexpr std::array<std::string_view, 34> kKnownVrs = {
    "AE", "AS", "AT", "CS", "DA", "DS", "DT", "FD", "FL", "IS", "LO", "LT", "OB", "OD", "OF", "OL", "OV",
    "OW", "PN", "SH", "SL", "SQ", "SS", "ST", "SV", "TM", "UC", "UI", "UL", "UN", "UR", "US", "UT", "UV"};

// VRs whose explicit encoding has two reserved bytes and a 4-byte length.
constexpr std::array<std::string_view, 12> kLongLengthVrs = {"OB", "OD", "OF", "OL", "OV", "OW",
                                                             "SQ", "SV", "UC", "UN", "UR", "UT"};

bool isKnownVr(std::string_view vr) { return std::find(kKnownVrs.begin(), kKnownVrs.end(), vr) != kKnownVrs.end(); }

std::uint16_t le16(std::string_view b, std::size_t at) {
  return static_cast<std::uint16_t>(static_cast<unsigned char>(b[at]) | (static_cast<unsigned char>(b[at + 1]) << 8));
}
std::uint16_t be16(std::string_view b, std::size_t at) {
  return static_cast<std::uint16_t>((static_cast<unsigned char>(b[at]) << 8) | static_cast<unsigned char>(b[at + 1]));
}
std::uint32_t le32(std::string_view b, std::size_t at) {
  return static_cast<std::uint32_t>(le16(b, at)) | (static_cast<std::uint32_t>(le16(b, at + 2)) << 16);
}

// Datasets open with a low group: file meta (0002), directory (0004), identification (0008), patient (0010)...
bool isOpeningGroup(std::uint16_t group) { return group >= 0x0002 && group <= 0x0028 && group % 2 == 0; }

}  // namespace

bool hasPart10Signature(std::string_view head) {
  return head.size() >= kPart10PreambleBytes + 4 && head.substr(kPart10PreambleBytes, 4) == "DICM";
}

DatasetEncoding guessDatasetEncoding(std::string_view head) {
  DatasetEncoding encoding;
  if (head.size() < 8) return encoding;
  const std::string_view vr = head.substr(4, 2);
  if (isKnownVr(vr)) {
    if (isOpeningGroup(le16(head, 0))) {
      encoding = {true, true, false};
    } else if (isOpeningGroup(be16(head, 0))) {
      encoding = {true, true, true};
    }
    return encoding;
  }
  // Implicit VR exists only in little endian; the first elements of a dataset are short.
  if (isOpeningGroup(le16(head, 0)) && le32(head, 4) < 0x10000) encoding = {true, false, false};
  return encoding;
}

DatasetSniff sniffPart10Dataset(const std::filesystem::path& file) {
  DatasetSniff sniff;
  std::ifstream in(file, std::ios::binary);
  std::string head(64 * 1024, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<std::size_t>(in.gcount()));
  if (!hasPart10Signature(head)) {
    sniff.problem = "no DICM signature at offset 128";
    return sniff;
  }
  std::size_t at = kPart10PreambleBytes + 4;
  while (at + 8 <= head.size() && le16(head, at) == 0x0002) {
    const std::string_view vr = std::string_view(head).substr(at + 4, 2);
    if (!isKnownVr(vr)) return sniff;  // not explicit VR little endian: let DCMTK judge the meta header
    std::uint64_t length = 0;
    std::size_t headerBytes = 8;
    if (std::find(kLongLengthVrs.begin(), kLongLengthVrs.end(), vr) != kLongLengthVrs.end()) {
      if (at + 12 > head.size()) break;
      length = le32(head, at + 8);
      headerBytes = 12;
    } else {
      length = le16(head, at + 6);
    }
    if (length > head.size()) {
      sniff.problem = "the meta header has an element longer than the file";
      return sniff;
    }
    if (le16(head, at + 2) == 0x0010 && vr == "UI" && at + headerBytes + length <= head.size()) {
      std::string value = head.substr(at + headerBytes, static_cast<std::size_t>(length));
      while (!value.empty() && (value.back() == '\0' || value.back() == ' ')) value.pop_back();
      sniff.metaTransferSyntax = value;
    }
    at += headerBytes + static_cast<std::size_t>(length);
  }
  if (at > head.size()) {
    sniff.problem = "the file ends inside its meta header";
    return sniff;
  }
  sniff.datasetOffset = at;
  const DatasetEncoding encoding = guessDatasetEncoding(std::string_view(head).substr(at));
  sniff.encodingKnown = encoding.known;
  sniff.explicitVr = encoding.explicitVr;
  sniff.bigEndian = encoding.bigEndian;
  return sniff;
}

}  // namespace cloudfilm::dicom
