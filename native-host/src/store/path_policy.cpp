#include "store/path_policy.h"

#include "platform/platform.h"
#include "util/error.h"
#include "util/utf8.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

namespace cloudfilm::store {
namespace {

constexpr char32_t kReplacementCharacter = U'\uFFFD';
constexpr char32_t kNoCharacter = 0xFFFFFFFF;  // a code point that was decoded into nothing (dropped)

// Decodes one UTF-8 sequence at `pos`; invalid input yields U+FFFD and consumes one byte, so a bad byte never
// swallows the valid characters after it. Overlong forms, surrogates and values past U+10FFFF are invalid: an
// overlong "/" (C0 AF) must not slip past the separator check.
char32_t decodeNext(std::string_view text, std::size_t& pos) {
  const auto lead = static_cast<unsigned char>(text[pos]);
  if (lead < 0x80) {
    ++pos;
    return lead;
  }
  std::size_t length = 0;
  char32_t value = 0;
  char32_t minimum = 0;
  if ((lead & 0xE0) == 0xC0) {
    length = 2;
    value = lead & 0x1Fu;
    minimum = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3;
    value = lead & 0x0Fu;
    minimum = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4;
    value = lead & 0x07u;
    minimum = 0x10000;
  } else {
    ++pos;
    return kReplacementCharacter;
  }
  if (pos + length > text.size()) {
    ++pos;
    return kReplacementCharacter;
  }
  for (std::size_t i = 1; i < length; ++i) {
    const auto continuation = static_cast<unsigned char>(text[pos + i]);
    if ((continuation & 0xC0) != 0x80) {
      ++pos;
      return kReplacementCharacter;
    }
    value = (value << 6) | (continuation & 0x3Fu);
  }
  if (value < minimum || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) {
    ++pos;
    return kReplacementCharacter;
  }
  pos += length;
  return value;
}

bool isUnicodeSpace(char32_t c) {
  // Tab, newlines and the no-break / typographic / ideographic spaces (U+3000 is common between Chinese names):
  // all become one plain space, so "王  小明" and "王\u3000小明" file into the same folder.
  return c == U' ' || (c >= 0x09 && c <= 0x0D) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

bool isControl(char32_t c) { return c < 0x20 || (c >= 0x7F && c <= 0x9F); }

// Invisible characters that let a hostile page make a name look like something else in a file manager
// (right-to-left override turns "gpj.exe" around) or that some file systems reject outright.
bool isInvisibleFormatting(char32_t c) {
  return c == 0x00AD || (c >= 0x200B && c <= 0x200F) || (c >= 0x202A && c <= 0x202E) ||
         (c >= 0x2060 && c <= 0x2069) || c == 0xFEFF;
}

bool isForbiddenOnSomePlatform(char32_t c) {
  switch (c) {
    case U'/': case U'\\': case U'<': case U'>': case U':': case U'"': case U'|': case U'?': case U'*':
      return true;
    default:
      return false;
  }
}

// One character in, zero or one out: the whole per-character policy in one place.
char32_t mapCharacter(char32_t c) {
  if (isUnicodeSpace(c)) return U' ';
  if (isControl(c) || isForbiddenOnSomePlatform(c)) return U'_';
  if (isInvisibleFormatting(c)) return kNoCharacter;
  // Noncharacters are valid UTF-8 but some tools refuse them; keep a visible mark that something was there.
  if ((c & 0xFFFE) == 0xFFFE || (c >= 0xFDD0 && c <= 0xFDEF)) return kReplacementCharacter;
  return c;
}

bool isTrimmedAtEnd(char32_t c) { return c == U' ' || c == U'.'; }

char32_t asciiUpper(char32_t c) { return (c >= U'a' && c <= U'z') ? c - (U'a' - U'A') : c; }

// Windows resolves these to devices whatever the extension ("CON.txt", "nul.tar.gz") and whatever the spaces
// before the extension ("NUL .txt"), so a folder with such a name cannot be created or opened there.
bool isReservedWindowsName(const std::vector<char32_t>& name) {
  auto stemEnd = std::find(name.begin(), name.end(), U'.');
  while (stemEnd != name.begin() && *(stemEnd - 1) == U' ') --stemEnd;
  std::u32string stem;
  for (auto it = name.begin(); it != stemEnd; ++it) stem.push_back(asciiUpper(*it));
  static constexpr std::array<std::u32string_view, 6> kBareDevices = {U"CON", U"PRN", U"AUX", U"NUL", U"CONIN$",
                                                                      U"CONOUT$"};
  if (std::find(kBareDevices.begin(), kBareDevices.end(), stem) != kBareDevices.end()) return true;
  if (stem.size() != 4) return false;
  const std::u32string_view prefix(stem.data(), 3);
  if (prefix != U"COM" && prefix != U"LPT") return false;
  const char32_t digit = stem[3];
  // Windows also treats the superscript digits as port numbers ("COM¹").
  return (digit >= U'0' && digit <= U'9') || digit == U'\u00B9' || digit == U'\u00B2' || digit == U'\u00B3';
}

std::size_t encodedBytes(const std::vector<char32_t>& chars) {
  std::size_t total = 0;
  for (const char32_t c : chars) total += utf8Length(c);
  return total;
}

// Cuts whole characters only, then drops what the cut may have exposed at the end (Windows strips trailing dots
// and spaces silently, so "a." and "a" would be the same folder there but not on Linux).
void truncateAndTrim(std::vector<char32_t>& chars, std::size_t maxBytes) {
  std::size_t total = encodedBytes(chars);
  while (!chars.empty() && total > maxBytes) {
    total -= utf8Length(chars.back());
    chars.pop_back();
  }
  while (!chars.empty() && isTrimmedAtEnd(chars.back())) chars.pop_back();
}

// A name made only of marks we put in ("___", "\uFFFD\uFFFD") says nothing about the patient or study, so the
// caller's fallback (usually derived from a UID) is the better folder name.
bool hasMeaningfulCharacter(const std::vector<char32_t>& chars) {
  return std::any_of(chars.begin(), chars.end(), [](char32_t c) {
    return c != U'_' && c != U' ' && c != U'.' && c != U'-' && c != kReplacementCharacter;
  });
}

std::vector<char32_t> sanitizeToCharacters(std::string_view text, std::size_t maxBytes) {
  std::vector<char32_t> chars;
  chars.reserve(std::min<std::size_t>(text.size(), maxBytes + 1));
  std::size_t pos = 0;
  std::size_t bytes = 0;
  // Whatever follows the first maxBytes bytes of output would be cut anyway, so a megabyte of hostile input costs
  // no more than a short name.
  while (pos < text.size() && bytes <= maxBytes) {
    const char32_t mapped = mapCharacter(decodeNext(text, pos));
    if (mapped == kNoCharacter) continue;
    if (mapped == U' ' && (chars.empty() || chars.back() == U' ')) continue;  // no leading spaces, no runs
    chars.push_back(mapped);
    bytes += utf8Length(mapped);
  }
  // A leading dot hides the folder on macOS and Linux; "." and ".." also end here, as the trim below empties them.
  if (!chars.empty() && chars.front() == U'.') chars.front() = U'_';
  truncateAndTrim(chars, maxBytes);
  if (!chars.empty() && isReservedWindowsName(chars)) {
    chars.insert(chars.begin(), U'_');
    truncateAndTrim(chars, maxBytes);  // still starts with '_', so it cannot become reserved again
  }
  return chars;
}

std::string encode(const std::vector<char32_t>& chars) {
  std::string out;
  out.reserve(encodedBytes(chars));
  for (const char32_t c : chars) appendUtf8(out, c);
  return out;
}

// "/a/b/" and "/a/b" name the same folder; the trailing empty element must not count as a component.
std::filesystem::path normalizedWithoutTrailingSeparator(const std::filesystem::path& path) {
  auto normal = path.lexically_normal();
  if (!normal.has_filename() && normal.has_relative_path()) normal = normal.parent_path();
  return normal;
}

}  // namespace

std::string sanitizeComponent(std::string_view text, std::string_view fallback, std::size_t maxBytes) {
  // One byte is the least that can hold any name; a smaller limit would leave no valid answer at all.
  maxBytes = std::max<std::size_t>(maxBytes, 1);
  auto chars = sanitizeToCharacters(text, maxBytes);
  if (!chars.empty() && hasMeaningfulCharacter(chars)) return encode(chars);
  chars = sanitizeToCharacters(fallback, maxBytes);
  if (!chars.empty()) return encode(chars);
  return "_";
}

bool isInside(const std::filesystem::path& root, const std::filesystem::path& candidate) {
  if (!root.is_absolute() || !candidate.is_absolute()) return false;
  const auto normalRoot = normalizedWithoutTrailingSeparator(root);
  const auto normalCandidate = normalizedWithoutTrailingSeparator(candidate);
  auto rootIt = normalRoot.begin();
  auto candidateIt = normalCandidate.begin();
  for (; rootIt != normalRoot.end(); ++rootIt, ++candidateIt) {
    if (candidateIt == normalCandidate.end() || *candidateIt != *rootIt) return false;
  }
  if (candidateIt == normalCandidate.end()) return false;  // the root itself is not inside the root
  // lexically_normal keeps ".." that climb above "/" ("/../x" stays as is on some platforms); never trust them.
  return std::none_of(candidateIt, normalCandidate.end(), [](const std::filesystem::path& part) {
    return part == ".." || part == "." || part.empty();
  });
}

namespace fs = std::filesystem;

fs::path resolveInside(const fs::path& root, const std::string& requested) {
  fs::path target = platform::pathFromUtf8(requested);
  if (!target.is_absolute()) target = root / target;
  target = target.lexically_normal();
  const fs::path normalRoot = root.lexically_normal();
  const auto sameOrInside = [](const fs::path& base, const fs::path& path) {
    return path == base || (path / "") == (base / "") || isInside(base, path);
  };
  if (!sameOrInside(normalRoot, target))
    throw Error(ErrorCode::PathOutsideOutput, "the path lies outside the output folder " + platform::utf8Of(normalRoot));
  std::error_code ec;
  // The lexical check cannot see symbolic links: compare where they really lead too.
  const fs::path realRoot = fs::weakly_canonical(normalRoot, ec);
  const fs::path realTarget = fs::weakly_canonical(target, ec);
  if (!ec && realTarget != realRoot && !isInside(realRoot, realTarget))
    throw Error(ErrorCode::PathOutsideOutput, "the path leads outside the output folder " + platform::utf8Of(normalRoot));
  return target;
}

}  // namespace cloudfilm::store
