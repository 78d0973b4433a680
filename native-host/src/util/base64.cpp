#include "util/base64.h"

#include <array>
#include <cstdint>

namespace cloudfilm {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Values 0..63 for the alphabet; the markers below for everything else.
constexpr std::uint8_t kInvalid = 0xFF;
constexpr std::uint8_t kSpace = 0xFE;
constexpr std::uint8_t kPad = 0xFD;

constexpr std::array<std::uint8_t, 256> makeSextetTable() {
  std::array<std::uint8_t, 256> table{};
  for (auto& value : table) value = kInvalid;
  for (std::uint8_t i = 0; i < 64; ++i) table[static_cast<unsigned char>(kAlphabet[i])] = i;
  table[static_cast<unsigned char>(' ')] = kSpace;
  table[static_cast<unsigned char>('\t')] = kSpace;
  table[static_cast<unsigned char>('\r')] = kSpace;
  table[static_cast<unsigned char>('\n')] = kSpace;
  table[static_cast<unsigned char>('=')] = kPad;
  return table;
}
constexpr std::array<std::uint8_t, 256> kSextet = makeSextetTable();

// The fast path decodes a whole quartet with four lookups and one OR: each table holds the sextet already shifted
// into place, and anything that is not alphabet sets bit 31, so one test sends whitespace/padding/garbage to the
// careful path.
constexpr std::uint32_t kNotAlphabet = 0x80000000u;
constexpr std::array<std::uint32_t, 256> makeShiftedTable(int shift) {
  std::array<std::uint32_t, 256> table{};
  for (std::size_t i = 0; i < 256; ++i) {
    table[i] = kSextet[i] < 64 ? static_cast<std::uint32_t>(kSextet[i]) << shift : kNotAlphabet;
  }
  return table;
}
constexpr std::array<std::uint32_t, 256> kQuartet0 = makeShiftedTable(18);
constexpr std::array<std::uint32_t, 256> kQuartet1 = makeShiftedTable(12);
constexpr std::array<std::uint32_t, 256> kQuartet2 = makeShiftedTable(6);
constexpr std::array<std::uint32_t, 256> kQuartet3 = makeShiftedTable(0);

}  // namespace

bool Base64Decoder::feed(std::string_view text, std::string& out) {
  if (failed_) return false;
  const auto* input = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t length = text.size();

  // Write straight into the string's storage; the unused tail is trimmed at the end.
  const std::size_t startSize = out.size();
  out.resize(startSize + (length / 4) * 3 + 3);
  auto* output = reinterpret_cast<unsigned char*>(out.data()) + startSize;
  auto* const outputStart = output;

  std::size_t i = 0;
  while (i < length) {
    if (quartetFill_ == 0 && padding_ == 0) {
      while (i + 4 <= length) {
        const std::uint32_t word = kQuartet0[input[i]] | kQuartet1[input[i + 1]] | kQuartet2[input[i + 2]] |
                                   kQuartet3[input[i + 3]];
        if (word & kNotAlphabet) break;
        output[0] = static_cast<unsigned char>(word >> 16);
        output[1] = static_cast<unsigned char>(word >> 8);
        output[2] = static_cast<unsigned char>(word);
        output += 3;
        i += 4;
      }
      if (i >= length) break;
    }

    const std::uint8_t sextet = kSextet[input[i++]];
    if (sextet == kSpace) continue;
    if (sextet == kInvalid) {
      failed_ = true;
      break;
    }
    if (sextet == kPad) {
      // "=" may only complete a quartet that already holds two or three characters.
      if (quartetFill_ + padding_ < 2 || quartetFill_ + padding_ >= 4) {
        failed_ = true;
        break;
      }
      ++padding_;
      continue;
    }
    if (padding_ > 0) {  // data after padding
      failed_ = true;
      break;
    }
    accumulator_ = (accumulator_ << 6) | sextet;
    bits_ += 6;
    if (++quartetFill_ == 4) {
      output[0] = static_cast<unsigned char>(accumulator_ >> 16);
      output[1] = static_cast<unsigned char>(accumulator_ >> 8);
      output[2] = static_cast<unsigned char>(accumulator_);
      output += 3;
      accumulator_ = 0;
      bits_ = 0;
      quartetFill_ = 0;
    }
  }
  out.resize(startSize + static_cast<std::size_t>(output - outputStart));
  return !failed_;
}

bool Base64Decoder::finish(std::string& out) {
  if (failed_) return false;
  bool valid = true;
  // Padding, when present, must complete the quartet; unpadded input may end after 2 or 3 characters.
  if (padding_ > 0 && quartetFill_ + padding_ != 4) valid = false;
  if (quartetFill_ == 1) valid = false;
  if (valid && quartetFill_ == 2) {
    out.push_back(static_cast<char>((accumulator_ >> 4) & 0xFF));
  } else if (valid && quartetFill_ == 3) {
    out.push_back(static_cast<char>((accumulator_ >> 10) & 0xFF));
    out.push_back(static_cast<char>((accumulator_ >> 2) & 0xFF));
  }
  accumulator_ = 0;
  bits_ = 0;
  quartetFill_ = 0;
  padding_ = 0;
  failed_ = !valid;
  return valid;
}

bool decodeBase64(std::string_view text, std::string& out) {
  Base64Decoder decoder;
  return decoder.feed(text, out) && decoder.finish(out);
}

std::string encodeBase64(std::string_view bytes) {
  std::string out;
  out.resize((bytes.size() + 2) / 3 * 4);
  const auto* input = reinterpret_cast<const unsigned char*>(bytes.data());
  char* output = out.data();
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t word = (std::uint32_t{input[i]} << 16) | (std::uint32_t{input[i + 1]} << 8) | input[i + 2];
    *output++ = kAlphabet[(word >> 18) & 63];
    *output++ = kAlphabet[(word >> 12) & 63];
    *output++ = kAlphabet[(word >> 6) & 63];
    *output++ = kAlphabet[word & 63];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest > 0) {
    std::uint32_t word = std::uint32_t{input[i]} << 16;
    if (rest == 2) word |= std::uint32_t{input[i + 1]} << 8;
    *output++ = kAlphabet[(word >> 18) & 63];
    *output++ = kAlphabet[(word >> 12) & 63];
    *output++ = rest == 2 ? kAlphabet[(word >> 6) & 63] : '=';
    *output++ = '=';
  }
  return out;
}

}  // namespace cloudfilm
