#pragma once
// Streaming reader for HAR files (Chrome and Firefox). Memory is bounded by the largest single response body,
// never by the HAR size: the file is read in blocks and only the fields CloudFilm needs are kept.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace cloudfilm::har {

struct HarEntry {
  std::uint64_t index = 0;  // position in log.entries, from 0
  std::string url;          // request.url
  int status = 0;           // response.status
  std::string mimeType;     // response.content.mimeType
  std::vector<std::pair<std::string, std::string>> responseHeaders;  // response.headers[] {name, value}, as sent
  std::string text;         // response.content.text, JSON-unescaped (still base64 if `base64`)
  bool base64 = false;      // response.content.encoding == "base64"
  bool hasText = false;     // response.content.text was present
};

// One WebSocket message Chromium's DevTools kept with the socket's entry (`_webSocketMessages[]`).
struct HarWebSocketMessage {
  std::uint64_t entryIndex = 0;  // the socket's entry in log.entries
  std::uint64_t index = 0;       // position in the socket's _webSocketMessages, from 0
  std::string url;               // the socket's request.url (wss://...)
  bool received = false;         // type == "receive" (else "send")
  int opcode = 0;                // 1 text, 2 binary (RFC 6455)
  double time = 0;               // seconds since the epoch, as DevTools wrote it
  std::string data;              // JSON-unescaped: base64 for binary messages, the text itself for text ones
};

enum class HarStop {
  Complete,   // the whole file was read and is a HAR
  Truncated,  // the file ends (or turns to garbage) in the middle; entries before the cut were delivered
  NotHar,     // not JSON, or JSON without log.entries
  ReadError,  // the file could not be opened or read
};

struct HarReadResult {
  HarStop stop = HarStop::Complete;
  std::string message;            // one line, for the user, e.g. "cut off at byte 123456 inside entry 17"
  std::uint64_t entries = 0;      // entries delivered to the callback
  std::uint64_t stoppedAtByte = 0;  // where reading stopped for Truncated / NotHar
};

// Calls `onEntry` for every complete entry of log.entries, in file order. The HarEntry is reused between calls:
// the callback may move out of `text`. Keys may come in any order (e.g. "encoding" after "text").
//
// With `onMessage`, an entry's `_webSocketMessages` are then delivered one message at a time, after its onEntry: the
// reader notes where the array starts, reads the rest of the entry (its url may come later: Chromium writes keys in
// alphabetical order, `_webSocketMessages` before `request`), then reads the array again from that offset. Memory
// stays bounded by the largest single message, however many a socket received. The message is reused between calls.
HarReadResult readHar(const std::filesystem::path& file, const std::function<void(HarEntry&)>& onEntry,
                      const std::function<void(HarWebSocketMessage&)>& onMessage = {});

}  // namespace cloudfilm::har
