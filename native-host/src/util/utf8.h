#pragma once
// UTF-8 encoding of one code point.
#include <cstddef>
#include <string>

namespace cloudfilm {

// Appends the UTF-8 encoding of `codePoint` (at most U+10FFFF; callers decode or validate before) to `out`.
void appendUtf8(std::string& out, char32_t codePoint);

// How many bytes appendUtf8 writes for `codePoint`.
constexpr std::size_t utf8Length(char32_t codePoint) {
  return codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
}

}  // namespace cloudfilm
