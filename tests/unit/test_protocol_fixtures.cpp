// Smoke test over the framed request fixtures in tests/fixtures (made by make_fixtures.py): the real frame reader
// and parser see what the integration smoke test pipes into the host.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "platform/platform.h"
#include "protocol/frame.h"
#include "protocol/messages.h"

using namespace cloudfilm::protocol;

namespace {

struct Fixture {
  std::vector<std::string> frames;
  ReadStatus last = ReadStatus::EndOfStream;
};

Fixture readFixture(const std::string& name) {
  const std::string path = std::string(CLOUDFILM_SOURCE_DIR) + "/tests/fixtures/" + name;
  const int fd = cloudfilm::platform::openForReading(path);
  EXPECT_GE(fd, 0) << path;
  Fixture fixture;
  FrameReader reader(fd);
  while ((fixture.last = reader.next()) == ReadStatus::Frame) fixture.frames.emplace_back(reader.frame());
  cloudfilm::platform::closeFile(fd);
  return fixture;
}

}  // namespace

TEST(ProtocolFixtures, HelloIsOneObjectWithType) {
  const auto fixture = readFixture("hello.bin");
  ASSERT_EQ(fixture.frames.size(), 1u);
  EXPECT_EQ(fixture.last, ReadStatus::EndOfStream);
  auto message = parseObject(fixture.frames[0]);
  ASSERT_TRUE(message);
  EXPECT_EQ((*message)["type"], "hello");
}

TEST(ProtocolFixtures, BodyStreamFramesAllParse) {
  const auto fixture = readFixture("body-stream.bin");
  ASSERT_EQ(fixture.frames.size(), 6u);
  EXPECT_EQ(fixture.last, ReadStatus::EndOfStream);
  for (const auto& frame : fixture.frames) {
    std::string_view large;
    auto message = parseObject(frame, "data", large, 0);
    ASSERT_TRUE(message) << frame;
    EXPECT_TRUE(message->contains("type"));
  }
}

TEST(ProtocolFixtures, MalformedFixturesAreRecognised) {
  EXPECT_FALSE(parseObject(readFixture("bad-json.bin").frames.at(0)));
  EXPECT_FALSE(parseObject(readFixture("not-an-object.bin").frames.at(0)));
  EXPECT_EQ(readFixture("frame-too-large.bin").last, ReadStatus::TooLarge);
  EXPECT_EQ(readFixture("truncated-header.bin").last, ReadStatus::Truncated);
  EXPECT_EQ(readFixture("truncated-payload.bin").last, ReadStatus::Truncated);
  auto unknown = parseObject(readFixture("unknown-type.bin").frames.at(0));
  ASSERT_TRUE(unknown);
  EXPECT_EQ((*unknown)["type"], "launch-missiles");
}
