// util/ascii and util/utf8: case folding that leaves UTF-8 alone, and code points encoded at each length.
#include <gtest/gtest.h>

#include <string>

#include "util/ascii.h"
#include "util/utf8.h"

namespace cloudfilm {
namespace {

TEST(Ascii, Lowercase_FoldsOnlyAsciiLetters) {
  EXPECT_EQ(asciiLowercase("Content-Type: Multipart/Related; BOUNDARY=AbZ"), "content-type: multipart/related; boundary=abz");
  EXPECT_EQ(asciiLowercase("@[`{09"), "@[`{09") << "the neighbours of A-Z and a-z stay";
  EXPECT_EQ(asciiLowercase("ÄÖ 胸部 É"), "ÄÖ 胸部 É") << "bytes of UTF-8 are never changed";
  EXPECT_EQ(asciiLowercase(""), "");
  EXPECT_EQ(asciiLower('Q'), 'q');
  EXPECT_EQ(asciiLower('\xC3'), '\xC3');
}

TEST(Ascii, EqualsIgnoreCase) {
  EXPECT_TRUE(equalsIgnoreAsciiCase("base64", "BASE64"));
  EXPECT_TRUE(equalsIgnoreAsciiCase("Base64", "bAsE64"));
  EXPECT_TRUE(equalsIgnoreAsciiCase("", ""));
  EXPECT_FALSE(equalsIgnoreAsciiCase("base64", "base6"));
  EXPECT_FALSE(equalsIgnoreAsciiCase("base64", "base64 "));
  EXPECT_FALSE(equalsIgnoreAsciiCase("É", "é")) << "only ASCII folds";
}

TEST(Utf8, AppendUtf8_EachLength) {
  struct Case {
    char32_t codePoint;
    std::string bytes;
  };
  const Case cases[] = {
      {U'\0', std::string(1, '\0')}, {U'A', "A"},          {0x7F, "\x7F"},         {0x80, "\xC2\x80"},
      {0xE9, "\xC3\xA9"},            {0x7FF, "\xDF\xBF"},  {0x800, "\xE0\xA0\x80"}, {0x80F8, "\xE8\x83\xB8"},
      {0xFFFD, "\xEF\xBF\xBD"},      {0xFFFF, "\xEF\xBF\xBF"}, {0x10000, "\xF0\x90\x80\x80"},
      {0x1F600, "\xF0\x9F\x98\x80"}, {0x10FFFF, "\xF4\x8F\xBF\xBF"},
  };
  for (const Case& c : cases) {
    std::string out = "x";
    appendUtf8(out, c.codePoint);
    EXPECT_EQ(out, "x" + c.bytes) << std::hex << static_cast<unsigned>(c.codePoint);
    EXPECT_EQ(utf8Length(c.codePoint), c.bytes.size()) << std::hex << static_cast<unsigned>(c.codePoint);
  }
}

}  // namespace
}  // namespace cloudfilm
