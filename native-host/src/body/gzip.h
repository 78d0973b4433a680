#pragma once
// Gzip (RFC 1952) members inflated with zlib, never past a bound: a vendor's study description comes gzipped over a
// WebSocket (GE ZFP), and a page can send a small member that inflates without end.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cloudfilm::body {

// True when `bytes` starts like a gzip member (1F 8B, deflate).
bool looksLikeGzip(std::string_view bytes);

enum class GunzipStop {
  Whole,   // the whole member must inflate, and to at most `maxBytes`: else nothing, with `problem` said
  Prefix,  // the first `maxBytes` inflated bytes (or fewer, when `bytes` is cut short): for recognition from a head
};

// The inflated bytes, or nothing with `problem` (when given) saying why: not gzip, damaged, larger than `maxBytes`.
std::optional<std::string> gunzip(std::string_view bytes, std::uint64_t maxBytes, GunzipStop stop = GunzipStop::Whole,
                                  std::string* problem = nullptr);

}  // namespace cloudfilm::body
