#include "body/content_type.h"

#include "util/ascii.h"

namespace cloudfilm::body {
namespace {

bool isWhitespace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// RFC 9110 tchar: what a type, subtype or parameter name may be made of.
bool isTokenChar(char c) {
  if (c >= 'a' && c <= 'z') return true;
  if (c >= 'A' && c <= 'Z') return true;
  if (c >= '0' && c <= '9') return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '.': case '^': case '_': case '`': case '|': case '~':
      return true;
    default:
      return false;
  }
}

class Cursor {
 public:
  explicit Cursor(std::string_view text) : text_(text) {}
  bool atEnd() const { return position_ >= text_.size(); }
  char peek() const { return text_[position_]; }
  void advance() { ++position_; }
  void skipWhitespace() {
    while (!atEnd() && isWhitespace(peek())) advance();
  }
  std::string_view takeToken() {
    const std::size_t start = position_;
    while (!atEnd() && isTokenChar(peek())) advance();
    return text_.substr(start, position_ - start);
  }
  // A parameter we cannot read is dropped whole; the next ';' outside quotes starts afresh.
  void skipToSemicolon() {
    bool inQuotes = false;
    while (!atEnd()) {
      const char c = peek();
      if (c == ';' && !inQuotes) return;
      advance();
      if (inQuotes && c == '\\') {
        if (!atEnd()) advance();
      } else if (c == '"') {
        inQuotes = !inQuotes;
      }
    }
  }
  std::string takeQuotedString() {  // the opening quote is current
    std::string value;
    advance();
    while (!atEnd()) {
      const char c = peek();
      advance();
      if (c == '"') return value;
      if (c == '\\' && !atEnd()) {
        value.push_back(peek());
        advance();
        continue;
      }
      value.push_back(c);
    }
    return value;  // unterminated: keep what was there rather than lose the parameter
  }
  // Unquoted values are meant to be tokens, but senders write things like type=application/dicom unquoted
  // (the '/' is not a tchar), so take everything up to the next ';' and trim it.
  std::string takeBareValue() {
    const std::size_t start = position_;
    while (!atEnd() && peek() != ';') advance();
    std::string_view value = text_.substr(start, position_ - start);
    while (!value.empty() && isWhitespace(value.back())) value.remove_suffix(1);
    return std::string(value);
  }

 private:
  std::string_view text_;
  std::size_t position_ = 0;
};

}  // namespace

std::string ContentType::parameter(const std::string& name) const {
  const auto found = parameters.find(asciiLowercase(name));
  return found == parameters.end() ? std::string() : found->second;
}

ContentType parseContentType(std::string_view header) {
  ContentType result;
  Cursor cursor(header);
  cursor.skipWhitespace();
  const std::string_view type = cursor.takeToken();
  cursor.skipWhitespace();
  if (type.empty() || cursor.atEnd() || cursor.peek() != '/') return result;
  cursor.advance();
  cursor.skipWhitespace();
  const std::string_view subtype = cursor.takeToken();
  if (subtype.empty()) return result;
  cursor.skipWhitespace();
  if (!cursor.atEnd() && cursor.peek() != ';') return result;  // "text/html garbage": not a media type
  result.mediaType = asciiLowercase(type) + "/" + asciiLowercase(subtype);

  while (!cursor.atEnd()) {
    if (cursor.peek() != ';') {
      cursor.skipToSemicolon();
      continue;
    }
    cursor.advance();
    cursor.skipWhitespace();
    const std::string_view name = cursor.takeToken();
    cursor.skipWhitespace();
    if (name.empty() || cursor.atEnd() || cursor.peek() != '=') {
      if (!cursor.atEnd() && cursor.peek() != ';') cursor.skipToSemicolon();
      continue;
    }
    cursor.advance();
    cursor.skipWhitespace();
    std::string value;
    if (!cursor.atEnd() && cursor.peek() == '"') {
      value = cursor.takeQuotedString();
      cursor.skipWhitespace();
      if (!cursor.atEnd() && cursor.peek() != ';') cursor.skipToSemicolon();
    } else {
      value = cursor.takeBareValue();
    }
    // RFC 9110 leaves repeated parameters undefined; the first one wins, like most servers.
    result.parameters.emplace(asciiLowercase(name), std::move(value));
  }
  return result;
}

}  // namespace cloudfilm::body
