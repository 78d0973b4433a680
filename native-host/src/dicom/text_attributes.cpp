#include "dicom/text_attributes.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcdict.h>
#include <dcmtk/dcmdata/dcdicent.h>
#include <dcmtk/dcmdata/dcelem.h>
#include <dcmtk/dcmdata/dcerror.h>
#include <dcmtk/dcmdata/dcxfer.h>

#include <cctype>
#include <charconv>
#include <cstdio>
#include <set>

#include "dicom/dcmtk_compat.h"
#include "dicom/dicom_json_dcmtk.h"

namespace cloudfilm::dicom {
namespace {

std::string tagName(std::uint16_t group, std::uint16_t element) {
  char text[16];
  std::snprintf(text, sizeof text, "(%04X,%04X)", static_cast<unsigned>(group), static_cast<unsigned>(element));
  return text;
}

bool isUtf8(const std::string& text);

// What a value looks like in a refusal: short, printable and valid UTF-8 (the notes travel in JSON replies), so a
// hostile value cannot flood or break them. Cut before a character, never inside one; bytes that are not UTF-8 are
// shown as '?'.
std::string shown(const std::string& value) {
  const bool utf8 = isUtf8(value);
  std::size_t cut = std::min<std::size_t>(value.size(), 40);
  while (utf8 && cut > 0 && cut < value.size() && (static_cast<unsigned char>(value[cut]) & 0xC0) == 0x80) --cut;
  std::string out;
  for (char c : value.substr(0, cut)) {
    const auto byte = static_cast<unsigned char>(c);
    out += (byte < 0x20 || byte == 0x7f || (!utf8 && byte >= 0x80)) ? '?' : c;
  }
  return "\"" + out + (value.size() > cut ? "...\"" : "\"");
}

struct DictionaryFacts {
  DcmEVR vr = EVR_UNKNOWN;
  std::string vm;  // in the form DcmElement::checkValue() takes: "1", "1-n", "2-2n", "1-3"
  bool known = false;
};

DictionaryFacts lookUp(const DcmTagKey& key) {
  DictionaryFacts facts;
  const DcmDataDictionary& dictionary = dcmDataDict.rdlock();
  if (const DcmDictEntry* entry = dictionary.findEntry(key, nullptr)) {
    facts.known = true;
    facts.vr = entry->getEVR();
    const int low = entry->getVMMin(), high = entry->getVMMax();
    if (high == DcmVariableVM)
      facts.vm = std::to_string(low) + "-n";
    else if (low == high)
      facts.vm = std::to_string(low);
    else
      facts.vm = std::to_string(low) + "-" + std::to_string(high);
  }
  dcmDataDict.rdunlock();
  return facts;
}

bool isBinaryOrStructural(DcmEVR vr) {
  switch (vr) {
    case EVR_OB: case EVR_OW: case EVR_OF: case EVR_OD: case EVR_OL: case EVR_OV: case EVR_UN: case EVR_SQ:
    case EVR_ox: case EVR_px: case EVR_pixelSQ: case EVR_pixelItem: case EVR_item: case EVR_metainfo:
    case EVR_dataset: case EVR_fileFormat: case EVR_dicomDir: case EVR_dirRecord: case EVR_na: case EVR_up:
    case EVR_UNKNOWN: case EVR_UNKNOWN2B: case EVR_lt:
      return true;
    default:
      return false;
  }
}

// Well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing past U+10FFFF).
bool isUtf8(const std::string& text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    std::size_t more = 0;
    unsigned low = 0x80, high = 0xBF;  // the range of the second byte
    if (lead < 0x80) {
      ++i;
      continue;
    } else if (lead >= 0xC2 && lead <= 0xDF) {
      more = 1;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      more = 2;
      if (lead == 0xE0) low = 0xA0;
      if (lead == 0xED) high = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      more = 3;
      if (lead == 0xF0) low = 0x90;
      if (lead == 0xF4) high = 0x8F;
    } else {
      return false;
    }
    if (i + more >= text.size()) return false;
    for (std::size_t k = 1; k <= more; ++k) {
      const auto c = static_cast<unsigned char>(text[i + k]);
      if (k == 1 ? (c < low || c > high) : (c & 0xC0) != 0x80) return false;
    }
    i += more + 1;
  }
  return true;
}

// A SpecificCharacterSet value DICOM defines (PS3.3 C.12.1.1.2); the first of several may be empty (the default
// repertoire, then code extensions).
bool isKnownCharacterSet(const std::string& value) {
  static const std::set<std::string> kTerms = {
      "ISO_IR 100", "ISO_IR 101", "ISO_IR 109", "ISO_IR 110", "ISO_IR 144", "ISO_IR 127", "ISO_IR 126",
      "ISO_IR 138", "ISO_IR 148", "ISO_IR 203", "ISO_IR 13", "ISO_IR 166", "ISO_IR 192", "GB18030", "GBK",
      "ISO 2022 IR 6", "ISO 2022 IR 100", "ISO 2022 IR 101", "ISO 2022 IR 109", "ISO 2022 IR 110",
      "ISO 2022 IR 144", "ISO 2022 IR 127", "ISO 2022 IR 126", "ISO 2022 IR 138", "ISO 2022 IR 148",
      "ISO 2022 IR 203", "ISO 2022 IR 13", "ISO 2022 IR 166", "ISO 2022 IR 87", "ISO 2022 IR 159",
      "ISO 2022 IR 149", "ISO 2022 IR 58"};
  std::size_t start = 0, index = 0;
  while (true) {
    const std::size_t end = std::min(value.find('\\', start), value.size());
    std::string term = value.substr(start, end - start);
    while (!term.empty() && term.back() == ' ') term.pop_back();
    const bool several = value.find('\\') != std::string::npos;
    if (!(kTerms.count(term) || (term.empty() && index == 0 && several))) return false;
    if (end == value.size()) return true;
    start = end + 1;
    ++index;
  }
}

bool anyNonAscii(const std::string& text) {
  for (unsigned char c : text)
    if (c >= 0x80) return true;
  return false;
}

// Whether any of the '\'-separated values is longer than LO allows (64 characters; counted in bytes, the safe side).
bool longerThanLo(const std::string& value) {
  std::size_t run = 0;
  for (char c : value) {
    run = c == '\\' ? 0 : run + 1;
    if (run > 64) return true;
  }
  return false;
}

// Nothing when the product passes 64 bits: five factors of up to 16 and 31 bits do, and a product taken modulo 2^64
// could come out as the length of the pixels at hand (a tag list of 51473 x 28349, 2421 samples, 32768 bits and
// 585842833 frames "needs" 4096 bytes that way).
std::optional<std::uint64_t> nativePixelBytes(DcmDataset& dataset) {
  Uint16 rows = 0, columns = 0, samples = 1, bitsAllocated = 0;
  Sint32 frames = 1;
  dataset.findAndGetUint16(DCM_Rows, rows);
  dataset.findAndGetUint16(DCM_Columns, columns);
  dataset.findAndGetUint16(DCM_SamplesPerPixel, samples);
  dataset.findAndGetUint16(DCM_BitsAllocated, bitsAllocated);
  if (dataset.findAndGetSint32(DCM_NumberOfFrames, frames).bad() || frames < 1) frames = 1;
  std::uint64_t bits = 1;
  for (const std::uint64_t factor : {std::uint64_t{rows}, std::uint64_t{columns}, std::uint64_t{samples},
                                     std::uint64_t{bitsAllocated}, static_cast<std::uint64_t>(frames)})
    if (__builtin_mul_overflow(bits, factor, &bits)) return std::nullopt;
  return bits / 8 + (bits % 8 != 0);
}

// The rebuild note's "how it was made" (xx12, LO), in the same private block as the attributes-not-sent note.
void noteRebuiltFrom(DcmDataset& dataset, const std::string& rebuiltFrom) {
  if (rebuiltFrom.empty()) return;
  const Uint16 block = rebuildNoteBlock(dataset);
  if (block == 0) return;  // every private block of the group is taken: only the index keeps it
  DcmTag creatorTag(kRebuildNoteGroup, block, EVR_LO);
  DcmTag fromTag(kRebuildNoteGroup, static_cast<Uint16>((block << 8) | 0x12), EVR_LO);
  fromTag.setPrivateCreator(kRebuildNoteCreator);
  if (dataset.putAndInsertString(creatorTag, kRebuildNoteCreator).bad() ||
      dataset.putAndInsertString(fromTag, rebuiltFrom.substr(0, 64).c_str()).bad())
    throw DicomJsonError("cannot record how the file was rebuilt");
}

}  // namespace

std::optional<std::pair<std::uint16_t, std::uint16_t>> parseTagText(std::string_view text) {
  if (text.size() >= 2 && text.front() == '(' && text.back() == ')') text = text.substr(1, text.size() - 2);
  std::string_view group, element;
  if (text.size() == 9 && text[4] == ',') {
    group = text.substr(0, 4);
    element = text.substr(5, 4);
  } else if (text.size() == 8) {
    group = text.substr(0, 4);
    element = text.substr(4, 4);
  } else {
    return std::nullopt;
  }
  const auto hex = [](std::string_view digits, std::uint16_t& out) {
    for (char c : digits)
      if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
    return std::from_chars(digits.data(), digits.data() + digits.size(), out, 16).ec == std::errc{};
  };
  std::uint16_t g = 0, e = 0;
  if (!hex(group, g) || !hex(element, e)) return std::nullopt;
  return std::make_pair(g, e);
}

TextRebuildNotes writeInstanceFromText(const TextInstance& instance, const std::filesystem::path& target,
                                       const TextLimits& limits) {
  if (instance.attributes.size() > limits.maxAttributes)
    throw DicomJsonError("the tag list has " + std::to_string(instance.attributes.size()) + " entries; at most " +
                         std::to_string(limits.maxAttributes) + " are read");
  TextRebuildNotes notes;
  DcmDataset dataset;
  std::set<std::uint32_t> seen;
  std::uint64_t totalBytes = 0;
  bool nonAscii = false;
  std::string declaredCharset;
  bool signedPixels = false;
  for (const auto& attribute : instance.attributes)
    if (attribute.group == 0x0028 && attribute.element == 0x0103) signedPixels = attribute.value.find('1') != std::string::npos;

  // The values are UTF-8 (they came as JSON text): checked and held as such, converted to the declared character
  // set at the end (settleCharacterSet).
  dataset.putAndInsertString(DCM_SpecificCharacterSet, "ISO_IR 192");
  for (const auto& attribute : instance.attributes) {
    const std::string name = tagName(attribute.group, attribute.element);
    const auto refuse = [&](const std::string& why) {
      notes.refused.push_back(name + " " + shown(attribute.value) + ": " + why);
    };
    if (attribute.value.size() > limits.maxValueBytes) {
      refuse("longer than " + std::to_string(limits.maxValueBytes) + " bytes");
      continue;
    }
    totalBytes += attribute.value.size();
    if (totalBytes > limits.maxTotalBytes)
      throw DicomJsonError("the tag list holds more than " + std::to_string(limits.maxTotalBytes) + " bytes of text");
    // The meta header (0002) is written for the file as it is now; group lengths are recomputed; Pixel Data comes
    // from the pixel answer.
    if (attribute.group == 0x0000 || attribute.group == 0x0002 || attribute.element == 0x0000) continue;
    if (attribute.group == 0x7FE0) continue;
    if (!seen.insert((std::uint32_t{attribute.group} << 16) | attribute.element).second) {
      refuse("given twice; the first is kept");
      continue;
    }
    // Text the list gives (UTF-8, as JSON is) must be UTF-8, and whole: DCMTK takes a C string, so a NUL would cut
    // the value silently.
    if (attribute.value.find('\0') != std::string::npos) {
      refuse("holds a NUL character");
      continue;
    }
    if (!isUtf8(attribute.value)) {
      refuse("not UTF-8 text");
      continue;
    }
    if (attribute.group == 0x0008 && attribute.element == 0x0005) {
      if (!isKnownCharacterSet(attribute.value)) {
        refuse("not a character set DICOM defines");
        continue;
      }
      declaredCharset = attribute.value;
      continue;
    }
    const DcmTagKey key(attribute.group, attribute.element);
    DcmTag tag(key);
    std::string vm = "1-n";
    const bool isPrivate = (attribute.group & 1) != 0;
    if (isPrivate) {
      // Groups 0001-0007 and FFFF may not hold private data (PS3.5 7.8.1).
      if (attribute.group <= 0x0007 || attribute.group == 0xFFFF) {
        refuse("not a group private data may use");
        continue;
      }
      // Without its VR (the list does not give it, and a private dictionary is the vendor's), a private value is kept
      // as text: LO, the usual private string, or UT when a value is longer than LO allows.
      tag.setVR(DcmVR(attribute.element >= 0x0010 && attribute.element <= 0x00FF ? EVR_LO
                      : longerThanLo(attribute.value)                            ? EVR_UT
                                                                                 : EVR_LO));
    } else {
      const DictionaryFacts facts = lookUp(key);
      if (!facts.known) {
        refuse("not in the DICOM dictionary, so its type is unknown");
        continue;
      }
      DcmEVR vr = facts.vr;
      if (vr == EVR_xs) vr = signedPixels ? EVR_SS : EVR_US;  // follows PixelRepresentation
      if (isBinaryOrStructural(vr)) {
        refuse(vr == EVR_SQ ? "a sequence given as text" : "binary data given as text");
        continue;
      }
      tag.setVR(DcmVR(vr));
      vm = facts.vm;
    }
    if (dataset.putAndInsertString(tag, attribute.value.c_str(), OFTrue).bad()) {
      refuse("DCMTK cannot hold it as " + std::string(tag.getVRName()));
      continue;
    }
    DcmElement* element = nullptr;
    if (dataset.findAndGetElement(key, element).bad() || element == nullptr) continue;
    const OFCondition check = element->checkValue(vm.c_str());
    if (check == EC_ValueRepresentationViolated || check == EC_ValueMultiplicityViolated ||
        check == EC_MaximumLengthViolated || check == EC_InvalidCharacter) {
      refuse(std::string("not a valid ") + tag.getVRName() + " value (" + check.text() + ")");
      delete dataset.remove(key);
      continue;
    }
    if (anyNonAscii(attribute.value)) nonAscii = true;
  }
  // The declared character set goes back in, and the text is converted into it where DCMTK can (else the file
  // declares UTF-8, which says truthfully what it holds).
  if (!declaredCharset.empty() && declaredCharset != "ISO_IR 192") {
    if (!nonAscii) {
      dataset.putAndInsertString(DCM_SpecificCharacterSet, declaredCharset.c_str());
    } else if (declaredCharset.find('\\') == std::string::npos &&
               dataset.convertCharacterSet("ISO_IR 192", declaredCharset.c_str(), 0, OFFalse).good()) {
      dataset.putAndInsertString(DCM_SpecificCharacterSet, declaredCharset.c_str());
    }
  } else if (!nonAscii && declaredCharset.empty()) {
    delete dataset.remove(DCM_SpecificCharacterSet);
  }

  for (const DcmTagKey& uid : {DCM_SOPClassUID, DCM_SOPInstanceUID, DCM_StudyInstanceUID, DCM_SeriesInstanceUID})
    if (!dataset.tagExistsWithValue(uid))
      throw DicomJsonError("the tag list has no valid " + std::string(DcmTag(uid).getTagName()));

  const DcmXfer xfer(instance.pixels.transferSyntaxUid.c_str());
  if (xfer.getXfer() != EXS_Unknown && !encapsulatedPixels(xfer)) {
    std::uint64_t have = 0;
    for (const auto& frame : instance.pixels.frames) have += frame.size();
    const std::optional<std::uint64_t> want = nativePixelBytes(dataset);
    if (!want || *want == 0 || (have != *want && have != *want + 1))
      throw DicomJsonError("the pixels are " + std::to_string(have) + " bytes; Rows x Columns x Samples x Bits x "
                           "Frames says " + (want ? std::to_string(*want) : std::string("more than 2^61")));
  }
  noteRebuiltFrom(dataset, instance.rebuiltFrom);
  notes.transferSyntaxUid = writeRebuiltDataset(dataset, instance.pixels, target);
  return notes;
}

}  // namespace cloudfilm::dicom
