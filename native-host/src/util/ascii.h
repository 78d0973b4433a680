#pragma once
// ASCII case folding for protocol text (header names, media types, URLs): locale-independent, bytes >= 0x80 kept
// as they are, so UTF-8 passes through unchanged.
#include <string>
#include <string_view>

namespace cloudfilm {

constexpr char asciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string asciiLowercase(std::string_view text);

bool equalsIgnoreAsciiCase(std::string_view a, std::string_view b);

}  // namespace cloudfilm
