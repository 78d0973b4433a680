// The Content-Type parser (body/content_type.h).
#include "body/content_type.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cloudfilm;
  const auto parsed = body::parseContentType(fuzz::asView(data, size));
  for (const auto& [name, value] : parsed.parameters)
    if (parsed.parameter(name) != value) __builtin_trap();
  (void)parsed.parameter("boundary");
  return 0;
}
