#include <gtest/gtest.h>

#include <random>
#include <string>

#include "util/base64.h"

using cloudfilm::Base64Decoder;
using cloudfilm::decodeBase64;
using cloudfilm::encodeBase64;

namespace {

std::string decoded(std::string_view text) {
  std::string out;
  EXPECT_TRUE(decodeBase64(text, out)) << text;
  return out;
}

bool decodes(std::string_view text) {
  std::string out;
  return decodeBase64(text, out);
}

std::string randomBytes(std::size_t size, unsigned seed) {
  std::mt19937 generator(seed);
  std::string bytes(size, '\0');
  for (char& c : bytes) c = static_cast<char>(generator() & 0xFF);
  return bytes;
}

}  // namespace

TEST(Base64, Rfc4648Vectors_EncodeAndDecode) {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},         {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(encodeBase64(plain), encoded);
    EXPECT_EQ(decoded(encoded), plain);
  }
}

TEST(Base64, UnpaddedInput_IsAccepted) {
  EXPECT_EQ(decoded("Zg"), "f");
  EXPECT_EQ(decoded("Zm8"), "fo");
}

TEST(Base64, Whitespace_IsSkippedAnywhere) {
  EXPECT_EQ(decoded(" Zm9v\r\nYmFy\t"), "foobar");
  EXPECT_EQ(decoded("Z m 9 v Y g = ="), "foob");
  EXPECT_EQ(decoded("Zm9vYg==\r\n"), "foob");
}

TEST(Base64, InvalidCharacter_Fails) {
  EXPECT_FALSE(decodes("Zm9v*mFy"));
  EXPECT_FALSE(decodes("Zm9v-_"));  // url-safe alphabet is not the standard one
  EXPECT_FALSE(decodes(std::string("Zm\0v", 4)));
}

TEST(Base64, PaddingOnlyAtTheEnd) {
  EXPECT_FALSE(decodes("Zg==Zm8="));
  EXPECT_FALSE(decodes("Zm=9v"));
  EXPECT_FALSE(decodes("="));
  EXPECT_FALSE(decodes("Z==="));
  EXPECT_FALSE(decodes("Zm9v="));
  EXPECT_FALSE(decodes("Zg="));  // padding that does not complete the quartet
}

TEST(Base64, DanglingSingleCharacter_FailsAtFinish) {
  Base64Decoder decoder;
  std::string out;
  EXPECT_TRUE(decoder.feed("Zm9vY", out));
  EXPECT_EQ(out, "foo");
  EXPECT_FALSE(decoder.finish(out));
}

TEST(Base64, FailureIsSticky) {
  Base64Decoder decoder;
  std::string out;
  EXPECT_FALSE(decoder.feed("Zm9v!", out));
  EXPECT_TRUE(decoder.failed());
  EXPECT_FALSE(decoder.feed("Zm9v", out));
  EXPECT_FALSE(decoder.finish(out));
}

TEST(Base64, StreamingSplitAnywhere_EqualsOneShot) {
  const std::string bytes = randomBytes(1000, 7);
  std::string encoded = encodeBase64(bytes);
  for (std::size_t i = 76; i < encoded.size(); i += 78) encoded.insert(i, "\r\n");  // MIME-style lines
  std::mt19937 generator(11);
  for (int round = 0; round < 50; ++round) {
    Base64Decoder decoder;
    std::string out;
    std::size_t position = 0;
    while (position < encoded.size()) {
      const std::size_t piece = round == 0 ? 1 : generator() % 9;
      ASSERT_TRUE(decoder.feed(std::string_view(encoded).substr(position, piece), out));
      position += piece;
    }
    ASSERT_TRUE(decoder.finish(out));
    ASSERT_EQ(out, bytes);
  }
}

TEST(Base64, RandomRoundTrip_AllLengths) {
  for (std::size_t size = 0; size < 300; ++size) {
    const std::string bytes = randomBytes(size, static_cast<unsigned>(size));
    std::string out;
    ASSERT_TRUE(decodeBase64(encodeBase64(bytes), out)) << size;
    ASSERT_EQ(out, bytes) << size;
  }
}

TEST(Base64, DecoderIsReusableAfterFinish) {
  Base64Decoder decoder;
  std::string first, second;
  EXPECT_TRUE(decoder.feed("Zm8=", first));
  EXPECT_TRUE(decoder.finish(first));
  EXPECT_TRUE(decoder.feed("YmFy", second));
  EXPECT_TRUE(decoder.finish(second));
  EXPECT_EQ(first, "fo");
  EXPECT_EQ(second, "bar");
}

TEST(Base64, DecodeAppendsToExistingOutput) {
  std::string out = "prefix:";
  ASSERT_TRUE(decodeBase64("Zm9v", out));
  EXPECT_EQ(out, "prefix:foo");
}

TEST(Base64, LargeInput_RoundTrips) {
  const std::string bytes = randomBytes(3 << 20, 3);
  std::string out;
  ASSERT_TRUE(decodeBase64(encodeBase64(bytes), out));
  EXPECT_EQ(out, bytes);
}
