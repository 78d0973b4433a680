#include "body/multipart.h"

#include <cstring>

#include "util/ascii.h"

namespace cloudfilm::body {
namespace {

// A part's header block is a few hundred bytes in practice; a bound keeps a body with no blank line from being
// buffered whole.
constexpr std::size_t kMaxHeaderBlock = 64 * 1024;
// RFC 2046 allows boundaries of 1..70 characters; a detected one longer than this is not a boundary line.
constexpr std::size_t kMaxDetectedBoundary = 200;
// Transport padding (spaces after a boundary) has no RFC limit; senders use a few bytes. Bounding it bounds the carry.
constexpr std::size_t kMaxTransportPadding = 1024;

bool isBlank(char c) { return c == ' ' || c == '\t'; }

std::string_view trimmed(std::string_view text) {
  while (!text.empty() && isBlank(text.front())) text.remove_prefix(1);
  while (!text.empty() && (isBlank(text.back()) || text.back() == '\r')) text.remove_suffix(1);
  return text;
}

std::string_view withoutTrailingCarriageReturn(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

}  // namespace

MultipartSplitter::MultipartSplitter(std::string boundary, MultipartSink& sink) : sink_(sink) {
  if (!boundary.empty()) setBoundary(std::move(boundary));
}

void MultipartSplitter::setBoundary(std::string boundary) {
  boundary_ = std::move(boundary);
  dashBoundary_ = "--" + boundary_;
  lineDelimiter_ = "\n" + dashBoundary_;
}

void MultipartSplitter::fail(std::string message) {
  error_ = std::move(message);
  state_ = State::Failed;
}

void MultipartSplitter::endPart() {
  sink_.partEnd();
  ++partsCompleted_;
}

bool MultipartSplitter::feed(std::string_view chunk) {
  if (state_ == State::Failed) return false;
  if (state_ == State::Done) return true;  // the epilogue is ignored
  // Only the unresolved tail (a possible delimiter, an incomplete header line) is ever copied into the carry;
  // when there is none, the chunk is processed in place.
  if (carry_.empty()) {
    const std::size_t used = process(chunk);
    if (state_ != State::Failed && state_ != State::Done) carry_.assign(chunk.substr(used));
  } else {
    carry_.append(chunk);
    const std::size_t used = process(carry_);
    carry_.erase(0, used);
  }
  if (state_ == State::Failed || state_ == State::Done) carry_.clear();
  return state_ != State::Failed;
}

bool MultipartSplitter::finish() {
  if (state_ == State::Failed) return false;
  if (state_ == State::Done) return true;
  // Whatever is left cannot complete the close delimiter: that is decided as soon as its "--" arrives.
  if (state_ == State::Preamble) {
    fail(boundary_.empty() ? "no boundary line found in the multipart body"
                           : "the multipart body holds no boundary \"" + boundary_ + "\"");
  } else {
    fail("the multipart body ends before its closing boundary (truncated)");
  }
  carry_.clear();
  return false;
}

std::size_t MultipartSplitter::process(std::string_view data) {
  std::size_t position = 0;
  while (true) {
    const State before = state_;
    std::size_t next = position;
    switch (state_) {
      case State::Preamble: next = processPreamble(data, position); break;
      case State::Headers: next = processHeaders(data, position); break;
      case State::Body: next = processBody(data, position); break;
      case State::Done:
      case State::Failed: return data.size();
    }
    if (state_ == State::Done || state_ == State::Failed) return data.size();
    position = next;
    if (state_ == before) return position;  // it stopped for want of data
  }
}

MultipartSplitter::DelimiterTail MultipartSplitter::classifyDelimiterTail(std::string_view data,
                                                                         std::size_t position,
                                                                         std::size_t& next) const {
  const std::size_t size = data.size();
  if (position >= size) return DelimiterTail::NeedMore;
  if (data[position] == '-') {
    if (position + 1 >= size) return DelimiterTail::NeedMore;
    return data[position + 1] == '-' ? DelimiterTail::Close : DelimiterTail::NotDelimiter;
  }
  std::size_t cursor = position;
  while (cursor < size && isBlank(data[cursor])) {
    if (++cursor - position > kMaxTransportPadding) return DelimiterTail::NotDelimiter;
  }
  if (cursor >= size) return DelimiterTail::NeedMore;
  if (data[cursor] == '\n') {
    next = cursor + 1;
    return DelimiterTail::Open;
  }
  if (data[cursor] == '\r') {
    if (cursor + 1 >= size) return DelimiterTail::NeedMore;
    if (data[cursor + 1] == '\n') {
      next = cursor + 2;
      return DelimiterTail::Open;
    }
  }
  // "--boundaryX": the boundary is only a prefix of this line, so it is not a delimiter.
  return DelimiterTail::NotDelimiter;
}

std::size_t MultipartSplitter::processPreamble(std::string_view data, std::size_t position) {
  const std::size_t size = data.size();
  while (position < size) {
    if (!atLineStart_) {
      const void* newline = std::memchr(data.data() + position, '\n', size - position);
      if (newline == nullptr) return size;
      position = static_cast<std::size_t>(static_cast<const char*>(newline) - data.data()) + 1;
      atLineStart_ = true;
      continue;
    }
    if (boundary_.empty()) {
      if (size - position < 2) return position;
      if (data[position] != '-' || data[position + 1] != '-') {
        atLineStart_ = false;
        continue;
      }
      const std::size_t newline = data.find('\n', position);
      if (newline == std::string_view::npos) {
        if (size - position > kMaxDetectedBoundary + 2 + kMaxTransportPadding + 1) atLineStart_ = false;
        else return position;
        continue;
      }
      std::string_view line = trimmed(data.substr(position + 2, newline - position - 2));
      if (line.empty() || line.size() > kMaxDetectedBoundary) {
        atLineStart_ = false;
        continue;
      }
      setBoundary(std::string(line));  // the line is then matched below like a known boundary
    }
    const std::size_t available = size - position;
    const std::size_t length = dashBoundary_.size();
    if (available < length) {
      if (data.compare(position, available, dashBoundary_, 0, available) == 0) return position;
      atLineStart_ = false;
      continue;
    }
    if (data.compare(position, length, dashBoundary_) != 0) {
      atLineStart_ = false;
      continue;
    }
    std::size_t next = 0;
    switch (classifyDelimiterTail(data, position + length, next)) {
      case DelimiterTail::NeedMore: return position;
      case DelimiterTail::Close: state_ = State::Done; return size;
      case DelimiterTail::Open:
        state_ = State::Headers;
        headerBytes_ = 0;
        return next;
      case DelimiterTail::NotDelimiter: atLineStart_ = false; continue;
    }
  }
  return size;
}

std::size_t MultipartSplitter::processHeaders(std::string_view data, std::size_t position) {
  const std::size_t size = data.size();
  while (position < size) {
    const std::size_t newline = data.find('\n', position);
    if (newline == std::string_view::npos) {
      if (headerBytes_ + (size - position) > kMaxHeaderBlock) {
        fail("a part's header block is larger than 64 KiB");
        return size;
      }
      return position;
    }
    const std::string_view line = withoutTrailingCarriageReturn(data.substr(position, newline - position));
    headerBytes_ += newline - position + 1;
    if (headerBytes_ > kMaxHeaderBlock) {
      fail("a part's header block is larger than 64 KiB");
      return size;
    }
    position = newline + 1;
    if (line.empty()) {
      sink_.partBegin(headers_);
      headers_.clear();
      lastHeaderName_.clear();
      headerBytes_ = 0;
      state_ = State::Body;
      atBodyStart_ = true;
      return position;
    }
    if (line.substr(0, dashBoundary_.size()) == dashBoundary_) {
      fail("a part's headers end without the blank line before its body");
      return size;
    }
    if (isBlank(line.front())) {  // obsolete line folding: continues the previous header
      if (!lastHeaderName_.empty()) {
        std::string& value = headers_[lastHeaderName_];
        const std::string_view more = trimmed(line);
        if (!more.empty()) value.append(value.empty() ? "" : " ").append(more);
      }
      continue;
    }
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;  // not a header; tolerated rather than fatal
    const std::string name = asciiLowercase(trimmed(line.substr(0, colon)));
    if (name.empty()) continue;
    headers_.emplace(name, std::string(trimmed(line.substr(colon + 1))));
    lastHeaderName_ = name;
  }
  return position;
}

std::size_t MultipartSplitter::processBody(std::string_view data, std::size_t position) {
  const std::size_t size = data.size();
  std::size_t emitFrom = position;
  const auto emitUpTo = [&](std::size_t end) {
    if (end > emitFrom) {
      sink_.partData(data.substr(emitFrom, end - emitFrom));
      atBodyStart_ = false;
    }
  };

  if (atBodyStart_) {
    // Some senders put the delimiter right after the blank line for an empty part, letting that line's CRLF
    // double as the delimiter's.
    const std::size_t available = size - position;
    const std::size_t length = dashBoundary_.size();
    if (available < length) {
      if (data.compare(position, available, dashBoundary_, 0, available) == 0) return position;
      atBodyStart_ = false;
    } else if (data.compare(position, length, dashBoundary_) == 0) {
      std::size_t next = 0;
      switch (classifyDelimiterTail(data, position + length, next)) {
        case DelimiterTail::NeedMore: return position;
        case DelimiterTail::Close:
          endPart();
          state_ = State::Done;
          return size;
        case DelimiterTail::Open:
          endPart();
          state_ = State::Headers;
          headerBytes_ = 0;
          return next;
        case DelimiterTail::NotDelimiter: atBodyStart_ = false; break;
      }
    } else {
      atBodyStart_ = false;
    }
  }

  const std::size_t patternLength = lineDelimiter_.size();
  std::size_t searchFrom = position;
  while (true) {
    const std::size_t found = data.find(lineDelimiter_, searchFrom);
    if (found == std::string_view::npos) {
      // Hold back the longest tail that could still grow into a delimiter, and a CR just before it.
      std::size_t hold = size;
      std::size_t scan = size - searchFrom > patternLength ? size - patternLength + 1 : searchFrom;
      while (scan < size) {
        const std::size_t newline = data.find('\n', scan);
        if (newline == std::string_view::npos) break;
        if (data.compare(newline, size - newline, lineDelimiter_, 0, size - newline) == 0) {
          hold = newline;
          break;
        }
        scan = newline + 1;
      }
      if (hold > emitFrom && data[hold - 1] == '\r') --hold;
      emitUpTo(hold);
      return hold > emitFrom ? hold : emitFrom;
    }
    std::size_t cut = found;
    if (cut > emitFrom && data[cut - 1] == '\r') --cut;
    std::size_t next = 0;
    switch (classifyDelimiterTail(data, found + patternLength, next)) {
      case DelimiterTail::NeedMore:
        emitUpTo(cut);
        return cut > emitFrom ? cut : emitFrom;
      case DelimiterTail::Close:
        emitUpTo(cut);
        endPart();
        state_ = State::Done;
        return size;
      case DelimiterTail::Open:
        emitUpTo(cut);
        endPart();
        state_ = State::Headers;
        headerBytes_ = 0;
        return next;
      case DelimiterTail::NotDelimiter:
        searchFrom = found + 1;
        break;
    }
  }
}

}  // namespace cloudfilm::body
