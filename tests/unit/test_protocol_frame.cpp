// Framing: length prefix in native order, the 64 MiB cap checked before allocating, truncated input, writes.
#include <fcntl.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <string>

#include <gtest/gtest.h>

#include "protocol/frame.h"

using namespace cloudfilm::protocol;

namespace {

// A pipe pre-filled with `bytes` and closed for writing: the reader sees exactly those bytes, then end of input.
class FilledPipe {
 public:
  explicit FilledPipe(const std::string& bytes) {
    EXPECT_EQ(::pipe(fds_), 0);
    // Larger than a pipe buffer would block: the tests keep their inputs small, except where a writer thread is used.
    EXPECT_EQ(::write(fds_[1], bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
    ::close(fds_[1]);
  }
  ~FilledPipe() { ::close(fds_[0]); }
  int fd() const { return fds_[0]; }

 private:
  int fds_[2];
};

std::string prefix(std::uint32_t length) {
  std::string bytes(4, '\0');
  encodeLengthPrefix(length, reinterpret_cast<unsigned char*>(bytes.data()));
  return bytes;
}

}  // namespace

TEST(ProtocolFrame, LengthPrefixIsNativeByteOrder) {
  unsigned char bytes[4];
  encodeLengthPrefix(0x01020304u, bytes);
  std::uint32_t native = 0;
  std::memcpy(&native, bytes, 4);
  EXPECT_EQ(native, 0x01020304u);
  EXPECT_EQ(decodeLengthPrefix(bytes), 0x01020304u);
}

TEST(ProtocolFrame, ReadsConsecutiveFramesThenEndOfStream) {
  FilledPipe pipe(encodeFrame(R"({"type":"hello"})") + encodeFrame("{}") + encodeFrame(""));
  FrameReader reader(pipe.fd());
  ASSERT_EQ(reader.next(), ReadStatus::Frame);
  EXPECT_EQ(reader.frame(), R"({"type":"hello"})");
  ASSERT_EQ(reader.next(), ReadStatus::Frame);
  EXPECT_EQ(reader.frame(), "{}");
  ASSERT_EQ(reader.next(), ReadStatus::Frame);
  EXPECT_EQ(reader.frame(), "");
  EXPECT_EQ(reader.next(), ReadStatus::EndOfStream);
}

TEST(ProtocolFrame, ParseRequestLength_OverTheCapIsRefusedBeforeReadingThePayload) {
  FilledPipe pipe(prefix(kMaxInboundFrameBytes + 1) + "{}");
  FrameReader reader(pipe.fd());
  EXPECT_EQ(reader.next(), ReadStatus::TooLarge);
  EXPECT_EQ(reader.announcedLength(), kMaxInboundFrameBytes + 1);
}

TEST(ProtocolFrame, ParseRequestLength_HugePrefixDoesNotAllocate) {
  // 4 GiB - 1 announced: if the reader allocated first, this would throw bad_alloc or take gigabytes.
  FilledPipe pipe(prefix(0xFFFFFFFFu));
  FrameReader reader(pipe.fd());
  EXPECT_EQ(reader.next(), ReadStatus::TooLarge);
}

TEST(ProtocolFrame, ExactlyTheCapIsAccepted) {
  FrameReader reader(-1, 16);  // a small cap for the test; the limit is inclusive
  FilledPipe pipe(encodeFrame(std::string(16, 'x')) + encodeFrame(std::string(17, 'x')));
  FrameReader small(pipe.fd(), 16);
  EXPECT_EQ(small.next(), ReadStatus::Frame);
  EXPECT_EQ(small.next(), ReadStatus::TooLarge);
}

TEST(ProtocolFrame, ParseRequestLength_ConnectionAbortedInsideThePrefix) {
  FilledPipe pipe(prefix(20).substr(0, 2));
  FrameReader reader(pipe.fd());
  EXPECT_EQ(reader.next(), ReadStatus::Truncated);
}

TEST(ProtocolFrame, ParseRequest_ConnectionAbortedInsideThePayload) {
  FilledPipe pipe(prefix(20) + R"({"type":"he)");
  FrameReader reader(pipe.fd());
  EXPECT_EQ(reader.next(), ReadStatus::Truncated);
}

TEST(ProtocolFrame, EmptyInputIsACleanEnd) {
  FilledPipe pipe("");
  FrameReader reader(pipe.fd());
  EXPECT_EQ(reader.next(), ReadStatus::EndOfStream);
}

TEST(ProtocolFrame, ReadErrorIsReported) {
  FrameReader reader(-1);
  EXPECT_EQ(reader.next(), ReadStatus::IoError);
  EXPECT_EQ(reader.lastErrno(), EBADF);
}

TEST(ProtocolFrame, WriteFrameRoundTripsAndRefusesOverOneMiB) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  ASSERT_TRUE(writeFrame(fds[1], R"({"type":"hello-result"})"));
  EXPECT_FALSE(writeFrame(fds[1], std::string(kMaxOutboundFrameBytes + 1, 'x')));
  ::close(fds[1]);
  FrameReader reader(fds[0]);
  ASSERT_EQ(reader.next(), ReadStatus::Frame);
  EXPECT_EQ(reader.frame(), R"({"type":"hello-result"})");
  EXPECT_EQ(reader.next(), ReadStatus::EndOfStream);  // the refused frame wrote nothing at all
  ::close(fds[0]);
}

TEST(ProtocolFrame, WriteToAClosedPeerFails) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  ::close(fds[0]);
  std::signal(SIGPIPE, SIG_IGN);
  EXPECT_FALSE(writeFrame(fds[1], "{}"));
  ::close(fds[1]);
}
