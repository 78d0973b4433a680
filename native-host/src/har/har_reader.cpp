#include "har/har_reader.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>
#include <string_view>

#include "platform/platform.h"
#include "util/ascii.h"
#include "util/utf8.h"

namespace cloudfilm::har {
namespace {

// Big enough that read() calls and memchr setup are noise next to the scanning, small enough to stay in L2/L3.
constexpr std::size_t kBlockSize = 1 << 20;
// Chrome's _initiator async stack chains nest a few dozen levels; anything far deeper is hostile or broken.
constexpr int kMaxDepth = 128;
// No key we look for is long; longer keys are skipped without being kept.
constexpr std::size_t kMaxKeptKeyLength = 64;
// A number longer than this is not one a HAR writer produced.
constexpr std::size_t kMaxNumberLength = 256;

enum class StopKind { EndOfFile, Syntax, TooDeep, ReadFailed };

// Unwinds the parser to readHar from any depth; only readHar catches it.
struct StopReading {
  StopKind kind;
  std::uint64_t offset;
  std::string detail;
};

struct FileCloser {
  void operator()(std::FILE* file) const { std::fclose(file); }
};

std::FILE* openForReading(const std::filesystem::path& file) {
#ifdef _WIN32
  return _wfopen(file.c_str(), L"rb");
#else
  return std::fopen(file.c_str(), "rb");
#endif
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The file in blocks: a window [position_, end_) of buffer_, whose first byte is at file offset base_.
class BlockSource {
 public:
  explicit BlockSource(std::FILE* file) : file_(file), buffer_(new char[kBlockSize]) {}
  // A second reader of the same file from `start` (the file position is moved there; restore it with resume()).
  BlockSource(std::FILE* file, std::uint64_t start) : file_(file), buffer_(new char[kBlockSize]), base_(start) {
    if (::fseeko(file_, static_cast<off_t>(start), SEEK_SET) != 0) stop(StopKind::ReadFailed, std::strerror(errno));
  }

  // Puts the file position back where this source's next read expects it, after another source used the file.
  void resume() {
    if (::fseeko(file_, static_cast<off_t>(base_ + end_), SEEK_SET) != 0)
      stop(StopKind::ReadFailed, std::strerror(errno));
  }

  std::uint64_t offset() const { return base_ + position_; }

  // Makes at least one byte available; false at the end of the file.
  bool fill() {
    if (position_ < end_) return true;
    base_ += end_;
    position_ = 0;
    end_ = 0;
    readMore();
    return end_ > 0;
  }

  // Makes at least `count` (small) bytes available, moving the unread rest to the front of the buffer.
  bool ensure(std::size_t count) {
    if (end_ - position_ >= count) return true;
    std::memmove(buffer_.get(), buffer_.get() + position_, end_ - position_);
    base_ += position_;
    end_ -= position_;
    position_ = 0;
    while (end_ < count) {
      const std::size_t before = end_;
      readMore();
      if (end_ == before) return false;
    }
    return true;
  }

  [[noreturn]] void stop(StopKind kind, std::string detail) const {
    throw StopReading{kind, offset(), std::move(detail)};
  }
  [[noreturn]] void stopAtEnd() const { stop(StopKind::EndOfFile, ""); }

  char peek() {
    if (!fill()) stopAtEnd();
    return buffer_[position_];
  }
  char next() {
    if (!fill()) stopAtEnd();
    return buffer_[position_++];
  }
  // The next byte that is not JSON whitespace, left unread; EOF is an error here.
  char peekNonSpace() {
    while (true) {
      if (!fill()) stopAtEnd();
      const char c = buffer_[position_];
      if (c != ' ' && c != '\n' && c != '\r' && c != '\t') return c;
      ++position_;
    }
  }
  // Like peekNonSpace, but the end of the file is a normal answer (false).
  bool skipSpaceUntilEnd() {
    while (fill()) {
      const char c = buffer_[position_];
      if (c != ' ' && c != '\n' && c != '\r' && c != '\t') return true;
      ++position_;
    }
    return false;
  }
  void expect(char wanted, const char* what) {
    if (peekNonSpace() != wanted) stop(StopKind::Syntax, std::string("expected ") + what);
    ++position_;
  }
  void skipByteOrderMark() {
    if (ensure(3) && std::memcmp(buffer_.get() + position_, "\xEF\xBB\xBF", 3) == 0) position_ += 3;
  }

  // Reads the rest of a string whose opening quote was consumed. Keep = append the unescaped text to `out`,
  // at most `keepLimit` bytes (the rest is scanned and dropped). Long runs are handled with memchr: the
  // only bytes that matter inside a string are '"' and '\\'.
  void readString(std::string* out, std::size_t keepLimit) {
    constexpr std::uint64_t kUnknown = std::numeric_limits<std::uint64_t>::max();
    // Where the next '"' is (file offset), so escapes do not make us rescan the same span for it.
    std::uint64_t quoteAt = kUnknown;
    std::uint64_t scannedUpTo = 0;
    const auto keep = [&](const char* from, std::size_t length) {
      if (out == nullptr) return;
      const std::size_t room = keepLimit - std::min(keepLimit, out->size());
      out->append(from, std::min(length, room));
    };
    while (true) {
      if (!fill()) stopAtEnd();
      const std::uint64_t here = offset();
      if (quoteAt == kUnknown || quoteAt < here) {
        const std::uint64_t from = std::max(here, scannedUpTo);
        const char* start = buffer_.get() + (from - base_);
        const void* quote = std::memchr(start, '"', end_ - (from - base_));
        quoteAt = quote == nullptr ? kUnknown : base_ + static_cast<std::size_t>(static_cast<const char*>(quote) - buffer_.get());
        scannedUpTo = quote == nullptr ? base_ + end_ : quoteAt + 1;
      }
      const char* start = buffer_.get() + position_;
      const std::size_t span = (quoteAt == kUnknown ? end_ : static_cast<std::size_t>(quoteAt - base_)) - position_;
      const void* backslash = std::memchr(start, '\\', span);
      if (backslash != nullptr) {
        const auto length = static_cast<std::size_t>(static_cast<const char*>(backslash) - start);
        keep(start, length);
        position_ += length + 1;
        readEscape(out, keepLimit);
        continue;
      }
      keep(start, span);
      position_ += span;
      if (quoteAt != kUnknown) {
        ++position_;
        return;
      }
    }
  }

  void skipString() { readString(nullptr, 0); }

  // true/false/null, first letter current.
  void readLiteral() {
    const char first = peek();
    const char* word = first == 't' ? "true" : first == 'f' ? "false" : "null";
    const std::size_t length = std::strlen(word);
    if (!ensure(length)) {
      // Compare what is there so a cut literal reads as a cut, and a wrong one as garbage.
      if (std::memcmp(buffer_.get() + position_, word, end_ - position_) == 0) {
        position_ = end_;
        stopAtEnd();
      }
      stop(StopKind::Syntax, "invalid literal");
    }
    if (std::memcmp(buffer_.get() + position_, word, length) != 0) stop(StopKind::Syntax, "invalid literal");
    position_ += length;
  }

  // A JSON number, validated against the grammar; its text goes to `text` when asked.
  void readNumber(std::string* text) {
    std::size_t length = 0;
    const auto take = [&] {
      const char c = buffer_[position_++];
      if (text != nullptr) text->push_back(c);
      if (++length > kMaxNumberLength) stop(StopKind::Syntax, "number too long");
    };
    const auto isDigitNext = [&]() -> bool {
      if (!fill()) return false;
      const char c = buffer_[position_];
      return c >= '0' && c <= '9';
    };
    const auto requireDigits = [&] {
      if (!fill()) stopAtEnd();
      if (!isDigitNext()) stop(StopKind::Syntax, "invalid number");
      while (isDigitNext()) take();
    };
    if (peek() == '-') take();
    if (!fill()) stopAtEnd();
    if (buffer_[position_] == '0') {
      take();
    } else {
      requireDigits();
    }
    if (fill() && buffer_[position_] == '.') {
      take();
      requireDigits();
    }
    if (fill() && (buffer_[position_] == 'e' || buffer_[position_] == 'E')) {
      take();
      if (!fill()) stopAtEnd();
      if (buffer_[position_] == '+' || buffer_[position_] == '-') take();
      requireDigits();
    }
    // A number is only known complete once something follows it: a file cut inside "200" must not read as 20.
    if (!fill()) stopAtEnd();
  }

  // Skips one value of any kind without recursion: nesting is tracked in a small explicit stack, so hostile
  // nesting costs memory bounded by kMaxDepth and never the call stack.
  void skipValue(int depth) {
    char closers[kMaxDepth];
    int open = 0;
    while (true) {
      // A value is expected here.
      bool haveValue = false;
      switch (peekNonSpace()) {
        case '{':
          ++position_;
          if (depth + open + 1 > kMaxDepth) stop(StopKind::TooDeep, "");
          closers[open++] = '}';
          if (peekNonSpace() == '}') {
            ++position_;
            --open;
            haveValue = true;
          } else {
            readMemberNameAndColon(nullptr);
          }
          break;
        case '[':
          ++position_;
          if (depth + open + 1 > kMaxDepth) stop(StopKind::TooDeep, "");
          closers[open++] = ']';
          if (peekNonSpace() == ']') {
            ++position_;
            --open;
            haveValue = true;
          }
          break;
        case '"':
          ++position_;
          skipString();
          haveValue = true;
          break;
        case 't': case 'f': case 'n':
          readLiteral();
          haveValue = true;
          break;
        case '-': case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': case '8':
        case '9':
          readNumber(nullptr);
          haveValue = true;
          break;
        default:
          stop(StopKind::Syntax, "expected a JSON value");
      }
      if (!haveValue) continue;
      // After a value: close containers or move to the next element.
      while (true) {
        if (open == 0) return;
        const char c = peekNonSpace();
        ++position_;
        if (c == closers[open - 1]) {
          --open;
          continue;
        }
        if (c != ',') stop(StopKind::Syntax, closers[open - 1] == '}' ? "expected ',' or '}'" : "expected ',' or ']'");
        if (closers[open - 1] == '}') readMemberNameAndColon(nullptr);
        break;
      }
    }
  }

  // "name" : — the name kept in `name` (truncated past kMaxKeptKeyLength) when asked.
  void readMemberNameAndColon(std::string* name) {
    if (peekNonSpace() != '"') stop(StopKind::Syntax, "expected a member name");
    ++position_;
    if (name != nullptr) name->clear();
    readString(name, kMaxKeptKeyLength + 1);
    expect(':', "':'");
  }

 private:
  void readMore() {
    const std::size_t got = std::fread(buffer_.get() + end_, 1, kBlockSize - end_, file_);
    if (got == 0 && std::ferror(file_)) {
      const int error = errno;
      stop(StopKind::ReadFailed, std::strerror(error));
    }
    end_ += got;
  }

  // After the backslash.
  void readEscape(std::string* out, std::size_t keepLimit) {
    const char c = next();
    char simple = 0;
    switch (c) {
      case '"': simple = '"'; break;
      case '\\': simple = '\\'; break;
      case '/': simple = '/'; break;
      case 'b': simple = '\b'; break;
      case 'f': simple = '\f'; break;
      case 'n': simple = '\n'; break;
      case 'r': simple = '\r'; break;
      case 't': simple = '\t'; break;
      case 'u': break;
      default: stop(StopKind::Syntax, "invalid escape in a string");
    }
    const auto keep = [&](std::uint32_t codePoint, bool isByte) {
      if (out == nullptr || out->size() >= keepLimit) return;
      if (isByte) {
        out->push_back(static_cast<char>(codePoint));
      } else {
        appendUtf8(*out, static_cast<char32_t>(codePoint));
      }
    };
    if (c != 'u') {
      keep(static_cast<unsigned char>(simple), true);
      return;
    }
    std::uint32_t codePoint = readHex4();
    if (codePoint >= 0xD800 && codePoint <= 0xDBFF) {
      // A high surrogate pairs with a following \uDC00..\uDFFF; alone it is replaced, as browsers do.
      if (ensure(6) && buffer_[position_] == '\\' && buffer_[position_ + 1] == 'u') {
        const std::size_t mark = position_;
        position_ += 2;
        const std::uint32_t low = readHex4();
        if (low >= 0xDC00 && low <= 0xDFFF) {
          codePoint = 0x10000 + ((codePoint - 0xD800) << 10) + (low - 0xDC00);
        } else {
          position_ = mark;  // not a pair: the next escape is read on its own
          codePoint = 0xFFFD;
        }
      } else {
        codePoint = 0xFFFD;
      }
    } else if (codePoint >= 0xDC00 && codePoint <= 0xDFFF) {
      codePoint = 0xFFFD;
    }
    keep(codePoint, false);
  }

  std::uint32_t readHex4() {
    if (!ensure(4)) {
      position_ = end_;
      stopAtEnd();
    }
    std::uint32_t value = 0;
    for (int i = 0; i < 4; ++i) {
      const int digit = hexValue(buffer_[position_ + static_cast<std::size_t>(i)]);
      if (digit < 0) stop(StopKind::Syntax, "invalid \\u escape");
      value = (value << 4) | static_cast<std::uint32_t>(digit);
    }
    position_ += 4;
    return value;
  }

  std::FILE* file_;
  std::unique_ptr<char[]> buffer_;
  std::size_t position_ = 0;
  std::size_t end_ = 0;
  std::uint64_t base_ = 0;
};

// Walks the HAR structure, descending only into the members CloudFilm keeps and skipping the rest whole.
class HarParser {
 public:
  HarParser(std::FILE* file, BlockSource& source, const std::function<void(HarEntry&)>& onEntry,
            const std::function<void(HarWebSocketMessage&)>& onMessage)
      : file_(file), source_(&source), onEntry_(onEntry), onMessage_(onMessage) {}

  bool sawLog() const { return sawLog_; }
  bool sawEntries() const { return sawEntries_; }
  bool insideEntry() const { return insideEntry_; }
  bool entriesClosed() const { return entriesClosed_; }
  std::uint64_t entryIndex() const { return entryIndex_; }
  std::uint64_t delivered() const { return delivered_; }

  void parseRoot() {
    forEachMember(1, [&](const std::string& key) {
      if (key == "log" && source_->peekNonSpace() == '{') {
        sawLog_ = true;
        parseLog();
      } else {
        source_->skipValue(1);
      }
    });
  }

 private:
  // Calls `onMember` with each key of the object that starts here; it must consume the value.
  template <typename OnMember>
  void forEachMember(int depth, OnMember&& onMember) {
    if (depth > kMaxDepth) source_->stop(StopKind::TooDeep, "");
    source_->expect('{', "'{'");
    if (source_->peekNonSpace() == '}') {
      source_->next();
      return;
    }
    std::string key;
    while (true) {
      source_->readMemberNameAndColon(&key);
      if (key.size() > kMaxKeptKeyLength) key.clear();  // no member we want has such a name
      onMember(key);
      const char c = source_->peekNonSpace();
      source_->next();
      if (c == '}') return;
      if (c != ',') source_->stop(StopKind::Syntax, "expected ',' or '}'");
    }
  }

  template <typename OnElement>
  void forEachElement(int depth, OnElement&& onElement) {
    if (depth > kMaxDepth) source_->stop(StopKind::TooDeep, "");
    source_->expect('[', "'['");
    if (source_->peekNonSpace() == ']') {
      source_->next();
      return;
    }
    while (true) {
      onElement();
      const char c = source_->peekNonSpace();
      source_->next();
      if (c == ']') return;
      if (c != ',') source_->stop(StopKind::Syntax, "expected ',' or ']'");
    }
  }

  // A string value kept whole; anything else is skipped and leaves `out` empty. Returns whether it was a string.
  bool readStringValue(std::string& out, int depth) {
    out.clear();
    if (source_->peekNonSpace() != '"') {
      source_->skipValue(depth);
      return false;
    }
    source_->next();
    source_->readString(&out, std::numeric_limits<std::size_t>::max());
    return true;
  }

  void parseLog() {
    forEachMember(2, [&](const std::string& key) {
      if (key == "entries" && source_->peekNonSpace() == '[') {
        sawEntries_ = true;
        entriesClosed_ = false;
        forEachElement(3, [&] { parseEntry(); });
        entriesClosed_ = true;
      } else {
        source_->skipValue(2);
      }
    });
  }

  void parseEntry() {
    insideEntry_ = true;
    if (source_->peekNonSpace() != '{') {
      source_->skipValue(3);  // not an entry object: nothing to deliver, but it holds a place in the array
    } else {
      resetEntry();
      std::optional<std::uint64_t> messagesAt;
      forEachMember(4, [&](const std::string& key) {
        if (key == "_webSocketMessages" && onMessage_ && source_->peekNonSpace() == '[') {
          messagesAt = source_->offset();  // read again once the entry (and its url) is complete
          source_->skipValue(4);
        } else if (key == "request" && source_->peekNonSpace() == '{') {
          parseRequest();
        } else if (key == "response" && source_->peekNonSpace() == '{') {
          parseResponse();
        } else {
          source_->skipValue(4);
        }
      });
      entry_.index = entryIndex_;
      insideEntry_ = false;
      ++delivered_;
      onEntry_(entry_);
      if (messagesAt) replayWebSocketMessages(*messagesAt);
    }
    insideEntry_ = false;
    ++entryIndex_;
  }

  // Reads a socket's `_webSocketMessages` array again from its offset with a second block reader, delivering each
  // message as soon as it is read, then hands the file back to the main reader.
  void replayWebSocketMessages(std::uint64_t offset) {
    BlockSource replay(file_, offset);
    BlockSource* main = source_;
    source_ = &replay;
    std::uint64_t index = 0;
    try {
      forEachElement(5, [&] { parseWebSocketMessage(index++); });
    } catch (...) {
      source_ = main;
      throw;
    }
    source_ = main;
    source_->resume();
  }

  void parseWebSocketMessage(std::uint64_t index) {
    if (source_->peekNonSpace() != '{') {
      source_->skipValue(5);
      return;
    }
    message_.entryIndex = entryIndex_;
    message_.index = index;
    message_.url = entry_.url;
    message_.received = false;
    message_.opcode = 0;
    message_.time = 0;
    message_.data.clear();
    forEachMember(6, [&](const std::string& key) {
      if (key == "type") {
        readStringValue(messageType_, 6);
        message_.received = messageType_ == "receive";
      } else if ((key == "opcode" || key == "time") && isNumberStart(source_->peekNonSpace())) {
        const auto number = readFiniteNumber();
        if (!number) return;
        const double value = *number;
        if (key == "time") message_.time = value;
        else if (value >= 0 && value <= 15) message_.opcode = static_cast<int>(value);  // a 4-bit opcode
      } else if (key == "data") {
        readStringValue(message_.data, 6);
      } else {
        source_->skipValue(6);
      }
    });
    onMessage_(message_);
  }

  static bool isNumberStart(char c) { return c == '-' || (c >= '0' && c <= '9'); }

  void resetEntry() {
    entry_.url.clear();
    entry_.status = 0;
    entry_.mimeType.clear();
    entry_.responseHeaders.clear();
    entry_.text.clear();  // keeps its capacity for the next body unless the callback took it
    entry_.base64 = false;
    entry_.hasText = false;
  }

  void parseRequest() {
    forEachMember(5, [&](const std::string& key) {
      if (key == "url") {
        readStringValue(entry_.url, 5);
      } else {
        source_->skipValue(5);
      }
    });
  }

  void parseResponse() {
    forEachMember(5, [&](const std::string& key) {
      if (key == "status") {
        parseStatus();
      } else if (key == "headers" && source_->peekNonSpace() == '[') {
        entry_.responseHeaders.clear();
        forEachElement(6, [&] { parseHeader(); });
      } else if (key == "content" && source_->peekNonSpace() == '{') {
        parseContent();
      } else {
        source_->skipValue(5);
      }
    });
  }

  // The JSON number at the cursor, when it is one a double holds (not NaN or infinite).
  std::optional<double> readFiniteNumber() {
    numberText_.clear();
    source_->readNumber(&numberText_);
    double value = 0;
    const auto [end, error] = std::from_chars(numberText_.data(), numberText_.data() + numberText_.size(), value);
    (void)end;
    if (error != std::errc() || !std::isfinite(value)) return std::nullopt;
    return value;
  }

  void parseStatus() {
    const char first = source_->peekNonSpace();
    if (first != '-' && (first < '0' || first > '9')) {
      source_->skipValue(5);
      return;
    }
    const auto number = readFiniteNumber();
    if (!number) return;
    const double value = std::clamp(*number, static_cast<double>(std::numeric_limits<int>::min()),
                                    static_cast<double>(std::numeric_limits<int>::max()));
    entry_.status = static_cast<int>(value);
  }

  void parseHeader() {
    if (source_->peekNonSpace() != '{') {
      source_->skipValue(6);
      return;
    }
    headerName_.clear();
    headerValue_.clear();
    bool hasName = false;
    forEachMember(7, [&](const std::string& key) {
      if (key == "name") {
        hasName = readStringValue(headerName_, 7);
      } else if (key == "value") {
        readStringValue(headerValue_, 7);
      } else {
        source_->skipValue(7);
      }
    });
    if (hasName) entry_.responseHeaders.emplace_back(std::move(headerName_), std::move(headerValue_));
  }

  void parseContent() {
    forEachMember(6, [&](const std::string& key) {
      if (key == "mimeType") {
        readStringValue(entry_.mimeType, 6);
      } else if (key == "text") {
        entry_.hasText = readStringValue(entry_.text, 6);
      } else if (key == "encoding") {
        readStringValue(encoding_, 6);
        entry_.base64 = equalsIgnoreAsciiCase(encoding_, "base64");
      } else {
        source_->skipValue(6);
      }
    });
  }

  std::FILE* file_;
  BlockSource* source_;  // the main reader, or the one re-reading a socket's messages
  const std::function<void(HarEntry&)>& onEntry_;
  const std::function<void(HarWebSocketMessage&)>& onMessage_;
  HarWebSocketMessage message_;
  std::string messageType_;
  HarEntry entry_;
  std::string headerName_;
  std::string headerValue_;
  std::string encoding_;
  std::string numberText_;
  bool sawLog_ = false;
  bool sawEntries_ = false;
  bool entriesClosed_ = false;
  bool insideEntry_ = false;
  std::uint64_t entryIndex_ = 0;
  std::uint64_t delivered_ = 0;
};

std::string describePlace(const HarParser& parser) {
  if (parser.insideEntry()) return "inside entry " + std::to_string(parser.entryIndex());
  if (!parser.sawEntries()) return "before log.entries";
  if (parser.entriesClosed()) return "after the last entry";
  if (parser.entryIndex() == 0) return "before the first entry";
  return "after entry " + std::to_string(parser.entryIndex() - 1);
}

}  // namespace

HarReadResult readHar(const std::filesystem::path& file, const std::function<void(HarEntry&)>& onEntry,
                      const std::function<void(HarWebSocketMessage&)>& onMessage) {
  HarReadResult result;
  errno = 0;
  std::unique_ptr<std::FILE, FileCloser> handle(openForReading(file));
  if (!handle) {
    const int error = errno;
    result.stop = HarStop::ReadError;
    result.message = "cannot open " + platform::utf8Of(file) + ": " + std::strerror(error);
    return result;
  }
  // Our own 1 MiB blocks are the buffering; stdio's would only add a copy.
  std::setvbuf(handle.get(), nullptr, _IONBF, 0);

  BlockSource source(handle.get());
  HarParser parser(handle.get(), source, onEntry, onMessage);
  try {
    source.skipByteOrderMark();
    if (!source.skipSpaceUntilEnd()) {
      result.stop = HarStop::NotHar;
      result.message = "not a HAR: the file is empty";
      return result;
    }
    if (source.peek() != '{') {
      result.stop = HarStop::NotHar;
      result.stoppedAtByte = source.offset();
      result.message = "not a HAR: the file does not start with a JSON object";
      return result;
    }
    parser.parseRoot();
    result.entries = parser.delivered();
    if (!parser.sawEntries()) {
      result.stop = HarStop::NotHar;
      result.stoppedAtByte = source.offset();
      result.message = parser.sawLog() ? "not a HAR: the JSON has no log.entries array"
                                       : "not a HAR: the JSON has no \"log\" object";
      return result;
    }
    if (source.skipSpaceUntilEnd()) {
      result.stop = HarStop::Truncated;
      result.stoppedAtByte = source.offset();
      result.message = "unexpected data at byte " + std::to_string(result.stoppedAtByte) +
                       " after the end of the HAR; all " + std::to_string(result.entries) + " entries were read";
      return result;
    }
    result.stop = HarStop::Complete;
    return result;
  } catch (const StopReading& stop) {
    result.entries = parser.delivered();
    result.stoppedAtByte = stop.offset;
    const std::string offset = std::to_string(stop.offset);
    if (stop.kind == StopKind::ReadFailed) {
      result.stop = HarStop::ReadError;
      result.message = "cannot read " + platform::utf8Of(file) + " at byte " + offset + ": " + stop.detail;
      return result;
    }
    std::string why;
    switch (stop.kind) {
      case StopKind::EndOfFile: why = "the file is cut off at byte " + offset; break;
      case StopKind::Syntax: why = "invalid JSON at byte " + offset + " (" + stop.detail + ")"; break;
      case StopKind::TooDeep:
        why = "JSON nested deeper than " + std::to_string(kMaxDepth) + " levels at byte " + offset;
        break;
      case StopKind::ReadFailed: break;
    }
    if (!parser.sawLog()) {
      result.stop = HarStop::NotHar;
      result.message = "not a HAR: " + why;
      return result;
    }
    result.stop = HarStop::Truncated;
    result.message = why + " " + describePlace(parser) + "; " + std::to_string(result.entries) +
                     " complete entries were read";
    return result;
  }
}

}  // namespace cloudfilm::har
