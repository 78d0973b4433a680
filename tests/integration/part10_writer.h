#pragma once
// Writes a valid Part-10 file (Explicit VR Little Endian, native multi-frame 16-bit pixels) of any size without
// holding it in memory: for the big-body tests and the benchmark.
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

namespace cftest {

class Part10Writer {
 public:
  struct Spec {
    std::string studyUid = "1.2.826.0.1.3680043.8.498.1";
    std::string seriesUid = "1.2.826.0.1.3680043.8.498.1.1";
    std::string sopUid = "1.2.826.0.1.3680043.8.498.1.1.1";
    std::string patientName = "BIG^BODY";
    std::string patientId = "BIG1";
    int instanceNumber = 1;
    std::uint16_t rows = 512, columns = 512;
    std::uint32_t frames = 200;  // 512 x 512 x 2 bytes x 200 = 100 MiB of pixel data
  };

  static std::uint64_t write(const std::filesystem::path& file, const Spec& spec) {
    std::string meta;
    element(meta, 0x0002, 0x0001, "OB", std::string("\0\1", 2));
    element(meta, 0x0002, 0x0002, "UI", ui(kSecondaryCaptureMultiFrameWord));
    element(meta, 0x0002, 0x0003, "UI", ui(spec.sopUid));
    element(meta, 0x0002, 0x0010, "UI", ui("1.2.840.10008.1.2.1"));
    element(meta, 0x0002, 0x0012, "UI", ui("1.2.826.0.1.3680043.8.498.999"));
    std::string head(128, '\0');
    head += "DICM";
    std::string groupLength;
    u32(groupLength, static_cast<std::uint32_t>(meta.size()));
    element(head, 0x0002, 0x0000, "UL", groupLength);
    head += meta;

    element(head, 0x0008, 0x0008, "CS", cs("DERIVED\\SECONDARY"));
    element(head, 0x0008, 0x0016, "UI", ui(kSecondaryCaptureMultiFrameWord));
    element(head, 0x0008, 0x0018, "UI", ui(spec.sopUid));
    element(head, 0x0008, 0x0020, "DA", cs("20260302"));
    element(head, 0x0008, 0x0060, "CS", cs("OT"));
    element(head, 0x0010, 0x0010, "PN", cs(spec.patientName));
    element(head, 0x0010, 0x0020, "LO", cs(spec.patientId));
    element(head, 0x0020, 0x000D, "UI", ui(spec.studyUid));
    element(head, 0x0020, 0x000E, "UI", ui(spec.seriesUid));
    element(head, 0x0020, 0x0011, "IS", cs("1"));
    element(head, 0x0020, 0x0013, "IS", cs(std::to_string(spec.instanceNumber)));
    element(head, 0x0028, 0x0002, "US", u16s(1));
    element(head, 0x0028, 0x0004, "CS", cs("MONOCHROME2"));
    element(head, 0x0028, 0x0008, "IS", cs(std::to_string(spec.frames)));
    element(head, 0x0028, 0x0010, "US", u16s(spec.rows));
    element(head, 0x0028, 0x0011, "US", u16s(spec.columns));
    element(head, 0x0028, 0x0100, "US", u16s(16));
    element(head, 0x0028, 0x0101, "US", u16s(16));
    element(head, 0x0028, 0x0102, "US", u16s(15));
    element(head, 0x0028, 0x0103, "US", u16s(0));
    const std::uint64_t pixelBytes = std::uint64_t{spec.rows} * spec.columns * 2 * spec.frames;
    tag(head, 0x7FE0, 0x0010);
    head += "OW";
    head += std::string(2, '\0');
    u32(head, static_cast<std::uint32_t>(pixelBytes));

    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(head.data(), static_cast<std::streamsize>(head.size()));
    std::string block(1 << 20, '\0');
    std::uint32_t state = 12345;
    for (std::uint64_t written = 0; written < pixelBytes;) {
      const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(block.size(), pixelBytes - written));
      for (std::size_t i = 0; i + 1 < n; i += 2) {  // a gradient with noise: looks like an image, not like zeros
        state = state * 1103515245u + 12345u;
        const std::uint16_t value = static_cast<std::uint16_t>(((written + i) / 2 % 4096) + (state >> 28));
        block[i] = static_cast<char>(value & 0xFF);
        block[i + 1] = static_cast<char>(value >> 8);
      }
      out.write(block.data(), static_cast<std::streamsize>(n));
      written += n;
    }
    return head.size() + pixelBytes;
  }

 private:
  static constexpr const char* kSecondaryCaptureMultiFrameWord = "1.2.840.10008.5.1.4.1.1.7.3";

  static void u16(std::string& out, std::uint16_t v) {
    out += static_cast<char>(v & 0xFF);
    out += static_cast<char>(v >> 8);
  }
  static void u32(std::string& out, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) out += static_cast<char>((v >> (8 * i)) & 0xFF);
  }
  static std::string u16s(std::uint16_t v) {
    std::string s;
    u16(s, v);
    return s;
  }
  static void tag(std::string& out, std::uint16_t group, std::uint16_t element) {
    u16(out, group);
    u16(out, element);
  }
  static std::string ui(std::string value) {
    if (value.size() % 2) value += '\0';
    return value;
  }
  static std::string cs(std::string value) {
    if (value.size() % 2) value += ' ';
    return value;
  }
  static void element(std::string& out, std::uint16_t group, std::uint16_t elementNumber, const char* vr,
                      const std::string& value) {
    tag(out, group, elementNumber);
    out += vr;
    const std::string v = vr;
    if (v == "OB" || v == "OW" || v == "SQ" || v == "UN" || v == "UT") {
      out += std::string(2, '\0');
      u32(out, static_cast<std::uint32_t>(value.size()));
    } else {
      u16(out, static_cast<std::uint16_t>(value.size()));
    }
    out += value;
  }
};

}  // namespace cftest
