#pragma once
// No string from a file or a page becomes a path without going through here.
#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

namespace cloudfilm::store {

inline constexpr std::size_t kMaxComponentBytes = 120;

// Turns any byte string (expected UTF-8; invalid sequences are replaced) into one path component that is safe on
// Linux, macOS and Windows: no separators (/ \), no control characters, none of < > : " | ? *, no "." or "..",
// no reserved Windows device names (CON, PRN, AUX, NUL, COM1-9, LPT1-9, with or without extension), no trailing
// dots or spaces, no leading spaces, at most `maxBytes` bytes without splitting a UTF-8 character.
// Returns `fallback` (itself sanitized) when nothing usable is left.
std::string sanitizeComponent(std::string_view text, std::string_view fallback,
                              std::size_t maxBytes = kMaxComponentBytes);

// True when `candidate`, after lexical normalisation, lies strictly inside `root` (both absolute).
bool isInside(const std::filesystem::path& root, const std::filesystem::path& candidate);

// A path a request names (absolute, or relative to `root`), resolved inside `root`: the root itself or below it,
// lexically and also where symbolic links really lead. Throws cloudfilm::Error(PathOutsideOutput) otherwise. Does not
// check that it exists.
std::filesystem::path resolveInside(const std::filesystem::path& root, const std::string& requested);

}  // namespace cloudfilm::store
