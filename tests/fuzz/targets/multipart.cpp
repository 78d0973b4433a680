// The multipart splitter (body/multipart.h): the first byte picks the chunk size (bodies arrive split anywhere) and
// whether the boundary comes from a Content-Type (the second line of the input) or from the body's first line.
#include <map>
#include <string>

#include "body/content_type.h"
#include "body/multipart.h"
#include "fuzz_support.h"

namespace {
class CountingSink : public cloudfilm::body::MultipartSink {
 public:
  void partBegin(const std::map<std::string, std::string>& headers) override {
    if (open_) __builtin_trap();  // a part begins while one is open
    open_ = true;
    headers_ += headers.size();
  }
  void partData(std::string_view bytes) override {
    if (!open_) __builtin_trap();
    bytes_ += bytes.size();
  }
  void partEnd() override {
    if (!open_) __builtin_trap();
    open_ = false;
  }

 private:
  bool open_ = false;
  std::size_t headers_ = 0, bytes_ = 0;
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cloudfilm;
  if (size < 1) return 0;
  const std::size_t chunk = 1 + (data[0] & 0x3F);
  std::string_view body = fuzz::asView(data + 1, size - 1);
  std::string boundary;
  if (data[0] & 0x80) {  // "Content-Type line\nbody"
    const auto newline = body.find('\n');
    if (newline == std::string_view::npos) return 0;
    boundary = body::parseContentType(body.substr(0, newline)).parameter("boundary");
    body.remove_prefix(newline + 1);
  }
  CountingSink sink;
  body::MultipartSplitter splitter(boundary, sink);
  for (std::size_t at = 0; at < body.size(); at += chunk)
    if (!splitter.feed(body.substr(at, chunk))) break;
  splitter.finish();
  return 0;
}
