// A DICOM file from a text tag list (dicom/text_attributes.h), as the Hinacom rebuild writes one from the site's
// GetImageDicomTags answer and the viewer's pixels; parseTagText on each tag; then DCMTK's inspection of the file.
// Input: a flags byte, then one attribute a line, "TAG=VALUE" (TAG as the site writes it: "0008,0018", "(0008,0018)",
// "00080018"; a line whose tag does not parse is left out). Flags: bits 0-2 the pixels (native sized from the list's
// own Rows x Columns x Samples x Bits x Frames, that plus the pad byte, implicit VR, a fixed 4 KiB, JPEG 2000 lossless
// or lossy, big endian, an unknown transfer syntax), bit 3 small limits, bits 4-5 the rebuiltFrom note, bit 6 the
// native pixels in two frames.
#include <cstdlib>
#include <string>

#include "dicom/dicom_file.h"
#include "dicom/text_attributes.h"
#include "fuzz_support.h"
#include "util/error.h"

namespace {

// Rows, Columns, Samples per Pixel, Bits Allocated and Number of Frames as the list gives them (the first of each;
// absent: 0, or 1 for samples and frames); `plain` when every one given is decimal digits in its VR's range, the only
// case in which the target knows what DCMTK makes of them.
struct Geometry {
  unsigned long rows = 0, columns = 0, samples = 1, bits = 0, frames = 1;
  bool plain = true;
};

Geometry listedGeometry(const cloudfilm::dicom::TextInstance& instance) {
  Geometry g;
  bool seen[5] = {};
  for (const auto& a : instance.attributes) {
    if (a.group != 0x0028) continue;
    int which = -1;
    switch (a.element) {
      case 0x0010: which = 0; break;
      case 0x0011: which = 1; break;
      case 0x0002: which = 2; break;
      case 0x0100: which = 3; break;
      case 0x0008: which = 4; break;
      default: continue;
    }
    if (seen[which]) continue;  // the first is kept
    seen[which] = true;
    const bool digits = !a.value.empty() && a.value.size() <= 10 &&
                        a.value.find_first_not_of("0123456789") == std::string::npos;
    const unsigned long value = digits ? std::strtoul(a.value.c_str(), nullptr, 10) : 0;
    if (!digits || value > (which == 4 ? 2147483647ul : 65535ul)) g.plain = false;
    unsigned long* fields[] = {&g.rows, &g.columns, &g.samples, &g.bits, &g.frames};
    *fields[which] = which == 4 && value == 0 ? 1 : value;
  }
  return g;
}

// Rows x Columns x Samples x BitsAllocated x NumberOfFrames / 8, exactly (128 bits: five factors overflow 64).
unsigned __int128 pixelBytes(const Geometry& g) {
  const unsigned __int128 bits = static_cast<unsigned __int128>(g.rows) * g.columns * g.samples * g.bits * g.frames;
  return (bits + 7) / 8;
}

// What the list's geometry asks for, so that inputs reach the writing; 0 when unknown or over 1 MiB.
std::size_t listedPixelBytes(const Geometry& g) {
  const unsigned __int128 bytes = pixelBytes(g);
  return bytes > (1u << 20) ? 0 : static_cast<std::size_t>(bytes);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (auto problem = cloudfilm::dicom::initialize()) return 1;
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cloudfilm;
  if (size < 1) return 0;
  const std::uint8_t flags = data[0];
  std::string_view rest = fuzz::asView(data + 1, size - 1);

  dicom::TextInstance instance;
  while (!rest.empty()) {
    const auto newline = rest.find('\n');
    const std::string_view line = rest.substr(0, newline);
    rest = newline == std::string_view::npos ? std::string_view() : rest.substr(newline + 1);
    const auto equals = line.find('=');
    const auto tag = dicom::parseTagText(line.substr(0, equals));
    if (!tag) continue;
    instance.attributes.push_back(dicom::TextAttribute{
        tag->first, tag->second, equals == std::string_view::npos ? std::string() : std::string(line.substr(equals + 1))});
  }

  const Geometry geometry = listedGeometry(instance);
  const std::size_t listed = listedPixelBytes(geometry);
  auto& pixels = instance.pixels;
  switch (flags & 7) {
    case 0: pixels = {"1.2.840.10008.1.2.1", {std::string(listed, '\x11')}}; break;
    case 1: pixels = {"1.2.840.10008.1.2.1", {std::string(listed + 1, '\x11')}}; break;
    case 2: pixels = {"1.2.840.10008.1.2", {std::string(listed, '\x22')}}; break;
    case 3: pixels = {"1.2.840.10008.1.2.1", {std::string(4096, '\x33')}}; break;
    case 4: pixels = {"1.2.840.10008.1.2.4.90", {std::string("\xFF\x4F\xFF\x51\x00\x29", 6)}}; break;
    case 5: pixels = {"1.2.840.10008.1.2.4.91", {std::string(7, '\x55'), std::string(1, '\x56')}}; break;
    case 6: pixels = {"1.2.840.10008.1.2.2", {std::string(listed, '\x66')}}; break;
    default: pixels = {"1.2.3.4", {std::string(listed, '\x77')}}; break;
  }
  if ((flags & 0x40) && (flags & 7) <= 2 && pixels.frames[0].size() >= 2) {
    std::string& whole = pixels.frames[0];
    const std::string second = whole.substr(whole.size() / 2);
    whole.resize(whole.size() / 2);
    pixels.frames.push_back(second);
  }
  static const char* const kRebuiltFrom[] = {"", "hinacom-tags", "hinacom-pixels",
                                             "a note longer than LO's sixty-four characters, which the writer cuts short"};
  instance.rebuiltFrom = kRebuiltFrom[(flags >> 4) & 3];
  dicom::TextLimits limits;
  if (flags & 8) limits = dicom::TextLimits{8, 64, 256};

  const auto target = fuzz::tempDir() / "rebuilt.dcm";
  try {
    const auto notes = dicom::writeInstanceFromText(instance, target, limits);
    if (notes.transferSyntaxUid.empty()) __builtin_trap();
    // Native pixels are written only when their length is what the geometry needs (or one more, the pad byte).
    if ((flags & 7) <= 3 && geometry.plain) {
      std::size_t have = 0;
      for (const auto& frame : pixels.frames) have += frame.size();
      const unsigned __int128 want = pixelBytes(geometry);
      if (have != want && have != want + 1) __builtin_trap();
    }
    (void)dicom::inspectFile(target, dicom::Framing::Part10);
  } catch (const dicom::DicomJsonError&) {
  }
  // Nothing else may be left in the folder: a refused list writes nothing, a written file is removed here.
  std::error_code ec;
  std::filesystem::remove(target, ec);
  for (const auto& entry : std::filesystem::directory_iterator(fuzz::tempDir(), ec)) {
    (void)entry;
    __builtin_trap();
  }
  return 0;
}
