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
  // implementation state (helper fills in)
  std::string boundary_;
  MultipartSink& sink_;
  std::string error_;
  std::size_t partsCompleted_ = 0;
  std::string carry_;
  int state_ = 0;
};

}  // namespace cloudfilm::body
