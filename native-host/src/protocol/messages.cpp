#include "protocol/messages.h"

#include <cstring>

namespace cloudfilm::protocol {
namespace {
// A string no base64 text and no sane request contains: a NUL, written as a JSON escape.
constexpr std::string_view kPlaceholderJson = "\"\\u0000cloudfilm-large-field\"";
const std::string kPlaceholder = std::string(1, '\0') + "cloudfilm-large-field";
}  // namespace

Json makeReply(std::string_view requestType, const Json& id) {
  Json reply = Json::object();
  reply["type"] = std::string(requestType) + "-result";
  reply["id"] = id;
  return reply;
}

Json makeError(const Json& id, ErrorCode code, std::string_view message, std::string_view body) {
  Json reply = Json::object();
  reply["type"] = "error";
  reply["id"] = id;
  reply["code"] = static_cast<int>(code);
  reply["name"] = errorName(code);
  reply["message"] = std::string(message);
  if (!body.empty()) reply["body"] = std::string(body);
  return reply;
}

std::string serialize(const Json& message) { return message.dump(-1, ' ', false, Json::error_handler_t::replace); }

std::optional<Json> parseObject(std::string_view frame) {
  Json parsed = Json::parse(frame.begin(), frame.end(), nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) return std::nullopt;
  return parsed;
}

std::optional<Json> parseObject(std::string_view frame, std::string_view largeKey, std::string_view& largeValue,
                                std::size_t fastPathMinBytes) {
  largeValue = {};
  if (frame.size() >= fastPathMinBytes) {
    std::string needle;  // "<key>":" -- built by appends: GCC 12 warns falsely (-Wrestrict) on "..." + string&&
    needle.reserve(largeKey.size() + 4);
    needle.append(1, '"').append(largeKey).append("\":\"");
    const std::size_t keyAt = frame.find(needle);
    if (keyAt != std::string_view::npos) {
      const std::size_t valueStart = keyAt + needle.size();
      const void* close = std::memchr(frame.data() + valueStart, '"', frame.size() - valueStart);
      if (close != nullptr) {
        const std::size_t valueEnd = static_cast<std::size_t>(static_cast<const char*>(close) - frame.data());
        const std::string_view value = frame.substr(valueStart, valueEnd - valueStart);
        if (value.find('\\') == std::string_view::npos) {
          std::string rest;
          rest.reserve(frame.size() - value.size() + kPlaceholderJson.size());
          rest.append(frame.substr(0, valueStart - 1));  // up to and without the opening quote
          rest.append(kPlaceholderJson);
          rest.append(frame.substr(valueEnd + 1));
          auto parsed = parseObject(rest);
          // The needle may have matched somewhere else than the top-level key (e.g. inside a key with an escaped
          // quote); then the placeholder did not land on the key, and the plain parse below decides.
          auto it = parsed ? parsed->find(std::string(largeKey)) : Json::iterator{};
          if (parsed && it != parsed->end() && isLargeFieldPlaceholder(*it)) {
            largeValue = value;
            return parsed;
          }
        }
      }
    }
  }
  return parseObject(frame);
}

bool isLargeFieldPlaceholder(const Json& value) {
  return value.is_string() && value.get_ref<const std::string&>() == kPlaceholder;
}

std::optional<std::string> optionalString(const Json& message, const char* key) {
  auto it = message.find(key);
  if (it == message.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) throw ProtocolError(ErrorCode::BadRequest, std::string("`") + key + "` must be a string");
  return it->get<std::string>();
}

std::optional<std::int64_t> optionalInteger(const Json& message, const char* key) {
  auto it = message.find(key);
  if (it == message.end() || it->is_null()) return std::nullopt;
  if (it->is_number_integer()) return it->get<std::int64_t>();
  if (it->is_number_float()) {  // JSON numbers from JavaScript: 3.0 is an integer, 3.5 is not
    const double value = it->get<double>();
    if (value >= -9.0e15 && value <= 9.0e15 && static_cast<double>(static_cast<std::int64_t>(value)) == value)
      return static_cast<std::int64_t>(value);
  }
  throw ProtocolError(ErrorCode::BadRequest, std::string("`") + key + "` must be an integer");
}

std::string requireString(const Json& message, const char* key) {
  auto value = optionalString(message, key);
  if (!value) throw ProtocolError(ErrorCode::BadRequest, std::string("`") + key + "` is missing");
  return *value;
}

std::int64_t requireInteger(const Json& message, const char* key) {
  auto value = optionalInteger(message, key);
  if (!value) throw ProtocolError(ErrorCode::BadRequest, std::string("`") + key + "` is missing");
  return *value;
}

}  // namespace cloudfilm::protocol
