#pragma once
// Streaming splitter for multipart bodies (RFC 2046), as WADO-RS sends them. Bodies arrive in chunks split
// anywhere; memory stays bounded by the chunk size plus the boundary length, whatever the part sizes.
#include <map>
#include <string>
#include <string_view>

namespace cloudfilm::body {

class MultipartSink {
 public:
  virtual ~MultipartSink() = default;
  // Header names lower-cased, values trimmed.
  virtual void partBegin(const std::map<std::string, std::string>& headers) = 0;
  virtual void partData(std::string_view bytes) = 0;
  virtual void partEnd() = 0;
};

class MultipartSplitter {
 public:
  // `boundary` without the leading "--"; empty: take it from the body's first line ("--<boundary>\r\n").
  MultipartSplitter(std::string boundary, MultipartSink& sink);
  // Returns false once the body is found malformed (error() says why); later calls do nothing.
  bool feed(std::string_view chunk);
  // The body ended. Returns false if the closing boundary ("--<boundary>--") never came: a truncated body.
  // A part left open by truncation is never reported through partEnd().
  bool finish();
  const std::string& error() const { return error_; }
  std::size_t partsCompleted() const { return partsCompleted_; }

 private:
  enum class State { Preamble, Headers, Body, Done, Failed };
  enum class DelimiterTail { NeedMore, Close, Open, NotDelimiter };

  // Consumes what it can of `data` and returns how many bytes it used; the rest is carried to the next feed.
  std::size_t process(std::string_view data);
  std::size_t processPreamble(std::string_view data, std::size_t position);
  std::size_t processHeaders(std::string_view data, std::size_t position);
  std::size_t processBody(std::string_view data, std::size_t position);
  DelimiterTail classifyDelimiterTail(std::string_view data, std::size_t position, std::size_t& next) const;
  void setBoundary(std::string boundary);
  void endPart();
  void fail(std::string message);

  std::string boundary_;
  MultipartSink& sink_;
  std::string error_;
  std::size_t partsCompleted_ = 0;
  std::string carry_;
  State state_ = State::Preamble;
  std::string dashBoundary_;       // "--" + boundary
  std::string lineDelimiter_;      // "\n--" + boundary: the CR before it is optional (LF-only senders)
  bool atLineStart_ = true;        // preamble: the next byte starts a line
  bool atBodyStart_ = false;       // body: nothing of the part emitted or ruled out yet
  std::size_t headerBytes_ = 0;    // size of the current part's header block so far
  std::map<std::string, std::string> headers_;
  std::string lastHeaderName_;     // for folded (continuation) header lines
};

}  // namespace cloudfilm::body
