// The frame reader (protocol/frame.h): any byte stream, read frame by frame until it ends or breaks. A small cap keeps
// "announced length under the cap, then truncated" reachable without allocating 64 MiB per input.
#include <unistd.h>

#include "fuzz_support.h"
#include "protocol/frame.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cloudfilm;
  if (size == 0) return 0;
  const std::uint32_t cap = data[0] & 1 ? protocol::kMaxInboundFrameBytes : 4096;
  const int fd = fuzz::memoryFd(fuzz::asView(data + 1, size - 1));
  protocol::FrameReader reader(fd, cap);
  for (;;) {
    const auto status = reader.next();
    if (status != protocol::ReadStatus::Frame) break;
    const auto frame = reader.frame();
    // Round trip: the frame encodes back to a prefix plus the same payload.
    const std::string encoded = protocol::encodeFrame(frame);
    if (encoded.size() != frame.size() + 4 ||
        protocol::decodeLengthPrefix(reinterpret_cast<const unsigned char*>(encoded.data())) != frame.size())
      __builtin_trap();
  }
  ::close(fd);
  return 0;
}
