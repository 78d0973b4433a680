#pragma once
// Message building and parsing helpers shared by every request handler. Knows nothing of DICOM.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "protocol/errors.h"

namespace cloudfilm::protocol {

using Json = nlohmann::json;

inline constexpr int kProtocolVersion = 1;

// {"type":"<requestType>-result","id":<id>}
Json makeReply(std::string_view requestType, const Json& id);
// {"type":"error","id":<id or null>,"code":N,"name":"...","message":"...","body":"..."(when not empty)}
Json makeError(const Json& id, ErrorCode code, std::string_view message, std::string_view body = {});

// Serialises a message; invalid UTF-8 in strings (never expected) is replaced rather than thrown on.
std::string serialize(const Json& message);

// Parses a frame holding one JSON object. Returns nullopt when it is not valid JSON or not an object.
//
// Fast path for the one big field of a message (a body chunk's base64 `data`): when the frame holds
// `"<largeKey>":"` followed by a string without escapes, that string is not copied or parsed by the JSON library:
// `largeValue` is set to a view into `frame`, and the returned object holds the key with a sentinel value. The rest
// of the frame is parsed normally, so every other field is fully validated. Without the fast path (short frames,
// escapes, spaces around the colon...) the whole frame is parsed and `largeValue` is left empty; read the field from
// the returned object then.
std::optional<Json> parseObject(std::string_view frame, std::string_view largeKey, std::string_view& largeValue,
                                std::size_t fastPathMinBytes = 4096);
std::optional<Json> parseObject(std::string_view frame);

// True when `value` is the placeholder parseObject left for a large field taken by view.
bool isLargeFieldPlaceholder(const Json& value);

// Field access for request validation: nullopt when absent; throws ProtocolError(BadRequest) on a wrong type.
std::optional<std::string> optionalString(const Json& message, const char* key);
std::optional<std::int64_t> optionalInteger(const Json& message, const char* key);
std::string requireString(const Json& message, const char* key);
std::int64_t requireInteger(const Json& message, const char* key);

}  // namespace cloudfilm::protocol
