#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace cloudfilm {

// Incremental SHA-256 (FIPS 180-4). Used for body digests on the wire and for "same bytes" dedupe.
class Sha256 {
 public:
  Sha256();
  void update(std::string_view bytes);
  std::array<std::uint8_t, 32> finish();  // the object is reset afterwards
  std::string finishHex();                // lowercase hex
  // Whether the CPU's SHA instructions are used (x86 SHA-NI); the portable code otherwise.
  static bool hardwareAccelerated();

 private:
  void compress(const std::uint8_t* block);
  std::array<std::uint32_t, 8> state_;
  std::array<std::uint8_t, 64> buffer_;
  std::size_t bufferLength_ = 0;
  std::uint64_t totalLength_ = 0;
};

std::string sha256Hex(std::string_view bytes);

}  // namespace cloudfilm
