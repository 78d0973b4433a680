#pragma once
// Native messaging framing: a 4-byte length in native byte order, then that many bytes of UTF-8 JSON.
// Knows nothing of message contents.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace cloudfilm::protocol {

// Extension -> host: the browsers refuse more than 64 MiB per message; a larger prefix means a broken stream.
inline constexpr std::uint32_t kMaxInboundFrameBytes = 64u * 1024u * 1024u;
// Host -> extension: both browsers close the port above 1 MiB.
inline constexpr std::size_t kMaxOutboundFrameBytes = 1024u * 1024u;

std::uint32_t decodeLengthPrefix(const unsigned char* fourBytes);
void encodeLengthPrefix(std::uint32_t length, unsigned char* fourBytes);

// A whole frame (prefix + payload) as bytes; for tests and fixtures.
std::string encodeFrame(std::string_view payload);

enum class ReadStatus {
  Frame,        // frame() holds the payload
  EndOfStream,  // the input ended cleanly between frames
  TooLarge,     // the prefix announced more than the cap (announcedLength()); nothing was allocated
  Truncated,    // the input ended inside a prefix or a payload
  IoError,      // read() failed (errno preserved in lastErrno())
};

// Reads frames from a file descriptor. The payload buffer is reused between frames and allocated only after the
// length passed the cap; a buffer grown by one unusually large frame is given back afterwards.
class FrameReader {
 public:
  explicit FrameReader(int fd, std::uint32_t maxFrameBytes = kMaxInboundFrameBytes);

  ReadStatus next();
  std::string_view frame() const { return {buffer_.get(), length_}; }
  // Writable view of the current payload (for in-place parsing tricks); valid until the next call to next().
  char* data() { return buffer_.get(); }
  std::uint32_t announcedLength() const { return announced_; }
  int lastErrno() const { return errno_; }

 private:
  // 0 when the count was read, 1 at end of input, -1 on error.
  int readFully(char* target, std::size_t count, std::size_t& got);

  int fd_;
  std::uint32_t maxFrameBytes_;
  std::unique_ptr<char[]> buffer_;
  std::size_t capacity_ = 0;
  std::size_t length_ = 0;
  std::uint32_t announced_ = 0;
  int errno_ = 0;
};

// Writes one frame (prefix and payload in one writev when possible). Returns false when the payload is over
// kMaxOutboundFrameBytes (nothing written) or the write failed (the peer is gone).
bool writeFrame(int fd, std::string_view payload);

}  // namespace cloudfilm::protocol
