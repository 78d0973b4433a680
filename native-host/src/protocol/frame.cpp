#include "protocol/frame.h"


#include <cerrno>
#include <cstring>

#include "platform/platform.h"
#include "util/fd_io.h"

namespace cloudfilm::protocol {
namespace {
// Keep up to this much between frames; chunks are a few MiB, a 64 MiB frame is the exception.
constexpr std::size_t kKeptCapacity = 8u * 1024u * 1024u;
}  // namespace

std::uint32_t decodeLengthPrefix(const unsigned char* fourBytes) {
  std::uint32_t length = 0;
  std::memcpy(&length, fourBytes, sizeof length);  // native byte order, as the browsers write it
  return length;
}

void encodeLengthPrefix(std::uint32_t length, unsigned char* fourBytes) { std::memcpy(fourBytes, &length, 4); }

std::string encodeFrame(std::string_view payload) {
  std::string frame(4, '\0');
  encodeLengthPrefix(static_cast<std::uint32_t>(payload.size()), reinterpret_cast<unsigned char*>(frame.data()));
  frame.append(payload);
  return frame;
}

FrameReader::FrameReader(int fd, std::uint32_t maxFrameBytes) : fd_(fd), maxFrameBytes_(maxFrameBytes) {}

int FrameReader::readFully(char* target, std::size_t count, std::size_t& got) {
  got = 0;
  while (got < count) {
    const long n = platform::readSome(fd_, target + got, count - got);
    if (n > 0) {
      got += static_cast<std::size_t>(n);
    } else if (n == 0) {
      return 1;
    } else if (errno != EINTR) {
      errno_ = errno;
      return -1;
    }
  }
  return 0;
}

ReadStatus FrameReader::next() {
  if (capacity_ > kKeptCapacity) {
    buffer_.reset();
    capacity_ = 0;
  }
  length_ = 0;
  unsigned char prefix[4];
  std::size_t got = 0;
  int status = readFully(reinterpret_cast<char*>(prefix), 4, got);
  if (status < 0) return ReadStatus::IoError;
  if (status > 0) return got == 0 ? ReadStatus::EndOfStream : ReadStatus::Truncated;

  announced_ = decodeLengthPrefix(prefix);
  if (announced_ > maxFrameBytes_) return ReadStatus::TooLarge;  // checked before allocating anything
  if (announced_ > capacity_) {
    buffer_ = std::make_unique_for_overwrite<char[]>(announced_);
    capacity_ = announced_;
  }
  status = readFully(buffer_.get(), announced_, got);
  if (status < 0) return ReadStatus::IoError;
  if (status > 0) return ReadStatus::Truncated;
  length_ = announced_;
  return ReadStatus::Frame;
}

bool writeFrame(int fd, std::string_view payload) {
  if (payload.size() > kMaxOutboundFrameBytes) return false;
  unsigned char prefix[4];
  encodeLengthPrefix(static_cast<std::uint32_t>(payload.size()), prefix);
  return writeAll(fd, {std::string_view(reinterpret_cast<const char*>(prefix), 4), payload});
}

}  // namespace cloudfilm::protocol
