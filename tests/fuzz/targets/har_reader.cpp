// The streaming HAR reader (har/har_reader.h), entries and WebSocket messages both.
#include "fuzz_support.h"
#include "har/har_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cloudfilm;
  fuzz::TempFile file(fuzz::asView(data, size), "input.har");
  std::uint64_t seen = 0;
  const auto result = har::readHar(
      file.path(), [&](har::HarEntry& entry) { seen += entry.text.size() + entry.url.size(); },
      [&](har::HarWebSocketMessage& message) { seen += message.data.size(); });
  (void)result;
  (void)seen;
  return 0;
}
