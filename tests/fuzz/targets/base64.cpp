// Base64 (util/base64.h): the streaming decoder, fed in pieces split where the first byte says, agrees with the
// one-shot decoder; what decodes re-encodes to something that decodes to the same bytes.
#include <string>

#include "fuzz_support.h"
#include "util/base64.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cloudfilm;
  if (size < 1) return 0;
  const std::size_t chunk = 1 + data[0] % 17;
  const std::string_view text = fuzz::asView(data + 1, size - 1);
  std::string whole;
  const bool wholeOk = decodeBase64(text, whole);
  Base64Decoder decoder;
  std::string streamed;
  bool ok = true;
  for (std::size_t at = 0; ok && at < text.size(); at += chunk) ok = decoder.feed(text.substr(at, chunk), streamed);
  ok = ok && decoder.finish(streamed);
  if (ok != wholeOk) __builtin_trap();
  if (ok && streamed != whole) __builtin_trap();
  const std::string encoded = encodeBase64(fuzz::asView(data, size));
  std::string back;
  if (!decodeBase64(encoded, back) || back != fuzz::asView(data, size)) __builtin_trap();
  return 0;
}
