#include "vendor/derived_uid.h"

#include <algorithm>

#include "util/sha256.h"

namespace cloudfilm::vendor {

std::string derivedUid(std::string_view name) {
  Sha256 hash;
  hash.update("CloudFilm derived UID\n");  // apart from any other use of SHA-256 over the same text
  hash.update(name);
  auto bytes = hash.finish();
  bytes[6] = static_cast<std::uint8_t>((bytes[6] & 0x0F) | 0x80);  // version 8
  bytes[8] = static_cast<std::uint8_t>((bytes[8] & 0x3F) | 0x80);  // variant 10
  // The 128-bit number in four 32-bit limbs, most significant first, divided by 10 until nothing is left.
  std::uint32_t limbs[4];
  for (int i = 0; i < 4; ++i)
    limbs[i] = (std::uint32_t{bytes[4 * i]} << 24) | (std::uint32_t{bytes[4 * i + 1]} << 16) |
               (std::uint32_t{bytes[4 * i + 2]} << 8) | bytes[4 * i + 3];
  std::string digits;
  for (bool zero = false; !zero;) {
    std::uint64_t remainder = 0;
    zero = true;
    for (auto& limb : limbs) {
      const std::uint64_t current = (remainder << 32) | limb;
      limb = static_cast<std::uint32_t>(current / 10);
      remainder = current % 10;
      if (limb != 0) zero = false;
    }
    digits.push_back(static_cast<char>('0' + remainder));
  }
  std::reverse(digits.begin(), digits.end());
  return "2.25." + digits;
}

}  // namespace cloudfilm::vendor
