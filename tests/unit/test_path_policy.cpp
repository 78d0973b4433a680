#include "store/path_policy.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace {

using cloudfilm::store::isInside;
using cloudfilm::store::kMaxComponentBytes;
using cloudfilm::store::sanitizeComponent;

// An independent strict UTF-8 check (shortest form, no surrogates, <= U+10FFFF), so a bug in the sanitizer's
// decoder cannot hide itself by agreeing with the test.
bool isValidUtf8(const std::string& s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;  // continuation bytes
    unsigned lo = 0x80;  // allowed range of the first continuation byte
    unsigned hi = 0xBF;
    if (b0 < 0x80) {
      ++i;
      continue;
    } else if (b0 >= 0xC2 && b0 <= 0xDF) {
      n = 1;
    } else if (b0 == 0xE0) {
      n = 2;
      lo = 0xA0;
    } else if (b0 >= 0xE1 && b0 <= 0xEC) {
      n = 2;
    } else if (b0 == 0xED) {
      n = 2;
      hi = 0x9F;
    } else if (b0 >= 0xEE && b0 <= 0xEF) {
      n = 2;
    } else if (b0 == 0xF0) {
      n = 3;
      lo = 0x90;
    } else if (b0 >= 0xF1 && b0 <= 0xF3) {
      n = 3;
    } else if (b0 == 0xF4) {
      n = 3;
      hi = 0x8F;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;  // the sequence runs past the end
    const auto b1 = static_cast<unsigned char>(s[i + 1]);
    if (b1 < lo || b1 > hi) return false;
    for (std::size_t k = 2; k <= n; ++k) {
      const auto bk = static_cast<unsigned char>(s[i + k]);
      if (bk < 0x80 || bk > 0xBF) return false;
    }
    i += n + 1;
  }
  return true;
}

bool containsAnyOf(const std::string& s, const std::string& chars) { return s.find_first_of(chars) != std::string::npos; }

bool hasControlCharacter(const std::string& s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x20 || b == 0x7F) return true;
    // C1 controls are U+0080..U+009F, encoded C2 80..C2 9F.
    if (b == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) <= 0x9F) return true;
  }
  return false;
}

// Every property the filing code relies on, checked together so each test states them once.
void expectSafeComponent(const std::string& result, std::size_t maxBytes = kMaxComponentBytes) {
  EXPECT_FALSE(result.empty());
  EXPECT_LE(result.size(), maxBytes);
  EXPECT_TRUE(isValidUtf8(result)) << result;
  EXPECT_FALSE(containsAnyOf(result, "/\\<>:\"|?*")) << result;
  EXPECT_FALSE(hasControlCharacter(result)) << result;
  EXPECT_NE(result, ".");
  EXPECT_NE(result, "..");
  EXPECT_NE(result.front(), ' ');
  EXPECT_NE(result.back(), ' ');
  EXPECT_NE(result.back(), '.');
}

TEST(PathPolicy, KeepsOrdinaryNames) {
  EXPECT_EQ(sanitizeComponent("Smith_John", "x"), "Smith_John");
  EXPECT_EQ(sanitizeComponent("1.2.840.113619.2.55.3", "x"), "1.2.840.113619.2.55.3");
  EXPECT_EQ(sanitizeComponent("王小明", "x"), "王小明");
  EXPECT_EQ(sanitizeComponent("胸部平扫", "x"), "胸部平扫");
  EXPECT_EQ(sanitizeComponent("MR Brain w/o contrast", "x"), "MR Brain w_o contrast");
}

TEST(PathPolicy, TraversalAttemptsNeverClimb) {
  for (const char* hostile : {"../../x", "..", ".", "...", "./", "..\\..\\x", "/etc/passwd", "\\\\server\\share"}) {
    expectSafeComponent(sanitizeComponent(hostile, "fallback"));
  }
  EXPECT_EQ(sanitizeComponent("..", "fallback"), "fallback");
  EXPECT_EQ(sanitizeComponent(".", "fallback"), "fallback");
  // Dots inside a name are harmless once no separator is left; only the leading one goes (it would hide the folder).
  EXPECT_EQ(sanitizeComponent("../../x", "fallback"), "_._.._x");
}

TEST(PathPolicy, SeparatorsBecomeUnderscores) {
  EXPECT_EQ(sanitizeComponent("a/b\\c", "x"), "a_b_c");
}

TEST(PathPolicy, CharactersWindowsRejectsBecomeUnderscores) {
  EXPECT_EQ(sanitizeComponent("a<b>c:d\"e|f?g*h", "x"), "a_b_c_d_e_f_g_h");
}

TEST(PathPolicy, ReservedWindowsDeviceNamesAreDefused) {
  EXPECT_EQ(sanitizeComponent("CON", "x"), "_CON");
  EXPECT_EQ(sanitizeComponent("con.dcm", "x"), "_con.dcm");
  EXPECT_EQ(sanitizeComponent("NUL ", "x"), "_NUL");
  EXPECT_EQ(sanitizeComponent("nul.tar.gz", "x"), "_nul.tar.gz");
  EXPECT_EQ(sanitizeComponent("NUL .txt", "x"), "_NUL .txt");
  EXPECT_EQ(sanitizeComponent("Aux", "x"), "_Aux");
  EXPECT_EQ(sanitizeComponent("prn", "x"), "_prn");
  EXPECT_EQ(sanitizeComponent("COM1", "x"), "_COM1");
  EXPECT_EQ(sanitizeComponent("com0.txt", "x"), "_com0.txt");
  EXPECT_EQ(sanitizeComponent("LPT9", "x"), "_LPT9");
  EXPECT_EQ(sanitizeComponent("COM\u00B9", "x"), "_COM\u00B9");
  EXPECT_EQ(sanitizeComponent("lpt\u00B3.log", "x"), "_lpt\u00B3.log");
  EXPECT_EQ(sanitizeComponent("CONIN$", "x"), "_CONIN$");
  // Names that merely start like a device are fine.
  EXPECT_EQ(sanitizeComponent("CONSOLE", "x"), "CONSOLE");
  EXPECT_EQ(sanitizeComponent("COM10", "x"), "COM10");
  EXPECT_EQ(sanitizeComponent("NULL", "x"), "NULL");
}

TEST(PathPolicy, TruncationCannotProduceADeviceName) {
  // "AUXILIARY" cut to three bytes is "AUX"; "CON.dcm" cut to five is "CON.d": both devices unless caught after the cut.
  EXPECT_EQ(sanitizeComponent("AUXILIARY", "x", 3), "_AU");
  EXPECT_EQ(sanitizeComponent("CON.dcm", "x", 5), "_CON");
}

TEST(PathPolicy, TrailingDotsAndSpacesAndLeadingSpacesGo) {
  EXPECT_EQ(sanitizeComponent("  name. . ", "x"), "name");
  EXPECT_EQ(sanitizeComponent("study...", "x"), "study");
}

TEST(PathPolicy, LeadingDotWouldHideTheFolder) {
  EXPECT_EQ(sanitizeComponent(".hidden", "x"), "_hidden");
}

TEST(PathPolicy, WhitespaceRunsCollapse) {
  EXPECT_EQ(sanitizeComponent("a \t\n  b", "x"), "a b");
  EXPECT_EQ(sanitizeComponent("王\u3000\u3000小明", "x"), "王 小明");
  EXPECT_EQ(sanitizeComponent("a\u00A0b", "x"), "a b");
}

TEST(PathPolicy, ControlCharactersAreReplaced) {
  const std::string withNul("a\0b", 3);
  EXPECT_EQ(sanitizeComponent(withNul, "x"), "a_b");
  EXPECT_EQ(sanitizeComponent("a\x1b[31mb\x7f", "x"), "a_[31mb_");
  EXPECT_EQ(sanitizeComponent("a\u0085b\u009Bc", "x"), "a b_c");  // NEL is a line break; CSI is not
  expectSafeComponent(sanitizeComponent("\x01\x02\x03", "x"));
}

TEST(PathPolicy, InvisibleDirectionOverridesAreDropped) {
  EXPECT_EQ(sanitizeComponent("scan\u202Emcd.exe", "x"), "scanmcd.exe");
  EXPECT_EQ(sanitizeComponent("\uFEFFname\u200B", "x"), "name");
}

TEST(PathPolicy, InvalidUtf8IsReplaced) {
  EXPECT_EQ(sanitizeComponent("ab\xff" "cd", "x"), "ab\uFFFDcd");
  // A truncated Chinese character (first two of three bytes) becomes replacement characters, not a crash.
  EXPECT_EQ(sanitizeComponent("王\xe5\xb0", "x"), "王\uFFFD\uFFFD");
  // An overlong "/" must not decode to a separator.
  const auto overlong = sanitizeComponent("a\xc0\xaf" "b", "x");
  expectSafeComponent(overlong);
  EXPECT_EQ(overlong.find('/'), std::string::npos);
  // Encoded surrogates (CESU-8) are invalid in UTF-8.
  expectSafeComponent(sanitizeComponent("\xed\xa0\x80", "x"));
  // Nothing but garbage says nothing: the fallback is the better name.
  EXPECT_EQ(sanitizeComponent("\xff\xfe\xfd", "fallback"), "fallback");
}

TEST(PathPolicy, EmptyOrUselessInputUsesTheFallback) {
  EXPECT_EQ(sanitizeComponent("", "UnknownPatient"), "UnknownPatient");
  EXPECT_EQ(sanitizeComponent("   ", "UnknownPatient"), "UnknownPatient");
  EXPECT_EQ(sanitizeComponent("???", "UnknownPatient"), "UnknownPatient");
  EXPECT_EQ(sanitizeComponent("\u202E", "UnknownPatient"), "UnknownPatient");
}

TEST(PathPolicy, TheFallbackIsSanitizedToo) {
  EXPECT_EQ(sanitizeComponent("", "../x"), "_._x");
  EXPECT_EQ(sanitizeComponent("", "CON"), "_CON");
  EXPECT_EQ(sanitizeComponent("", ""), "_");
  EXPECT_EQ(sanitizeComponent("..", ".."), "_");
}

TEST(PathPolicy, LongAsciiNamesAreCut) {
  const std::string longName(2000, 'a');
  const auto result = sanitizeComponent(longName, "x");
  EXPECT_EQ(result, std::string(kMaxComponentBytes, 'a'));
  expectSafeComponent(result);
}

TEST(PathPolicy, LongChineseNamesAreCutOnCharacterBoundaries) {
  std::string longName;
  while (longName.size() < 2000) longName += "王小明胸部平扫";
  for (std::size_t maxBytes : {kMaxComponentBytes, std::size_t{121}, std::size_t{122}, std::size_t{10}}) {
    const auto result = sanitizeComponent(longName, "x", maxBytes);
    expectSafeComponent(result, maxBytes);
    EXPECT_EQ(result.size(), maxBytes / 3 * 3) << maxBytes;  // every character is three bytes
  }
}

TEST(PathPolicy, ACutThatExposesATrailingSpaceTrimsIt) {
  EXPECT_EQ(sanitizeComponent("abcd efgh", "x", 5), "abcd");
  EXPECT_EQ(sanitizeComponent("abcd.efgh", "x", 5), "abcd");
}

TEST(PathPolicy, TooSmallForOneCharacterFallsBack) {
  const auto result = sanitizeComponent("王", "x", 2);
  EXPECT_EQ(result, "x");
  EXPECT_EQ(sanitizeComponent("王", "王", 2), "_");
  expectSafeComponent(sanitizeComponent("abc", "x", 0), 1);
}

TEST(PathPolicy, RandomBytesAlwaysGiveASafeComponent) {
  std::mt19937 random(20240611);  // fixed seed: a failure must be reproducible
  // Bias towards the bytes that matter: separators, dots, spaces, controls, UTF-8 lead and continuation bytes.
  const std::string interesting = std::string("/\\.: \t\0<>|?*\"CONUL1\x7f", 22) + "\xc2\x80\xe7\x8e\x8b\xf0\xff\xed\xa0";
  std::uniform_int_distribution<int> lengthDist(0, 300);
  std::uniform_int_distribution<int> byteDist(0, 255);
  std::uniform_int_distribution<std::size_t> pickDist(0, interesting.size() - 1);
  std::uniform_int_distribution<std::size_t> maxBytesDist(1, 300);
  for (int round = 0; round < 20000; ++round) {
    const int length = lengthDist(random);
    std::string input;
    for (int i = 0; i < length; ++i) {
      input.push_back(random() % 2 == 0 ? static_cast<char>(byteDist(random)) : interesting[pickDist(random)]);
    }
    const std::size_t maxBytes = round % 2 == 0 ? kMaxComponentBytes : maxBytesDist(random);
    const auto result = sanitizeComponent(input, "fallback", maxBytes);
    expectSafeComponent(result, maxBytes);
    if (::testing::Test::HasFailure()) {
      ADD_FAILURE() << "round " << round << " maxBytes " << maxBytes;
      break;
    }
    // Sanitizing twice changes nothing: the filing code may sanitize names that were sanitized before.
    EXPECT_EQ(sanitizeComponent(result, "fallback", maxBytes), result);
  }
}

TEST(PathPolicy, IsInsideAcceptsPathsBelowTheRoot) {
  EXPECT_TRUE(isInside("/out", "/out/a"));
  EXPECT_TRUE(isInside("/out/", "/out/a/b/0001.dcm"));
  EXPECT_TRUE(isInside("/out", "/out/a/../b"));
  EXPECT_TRUE(isInside("/out", "/out/./a"));
}

TEST(PathPolicy, IsInsideRejectsTheRootItselfAndEscapes) {
  EXPECT_FALSE(isInside("/out", "/out"));
  EXPECT_FALSE(isInside("/out", "/out/"));
  EXPECT_FALSE(isInside("/out", "/out/."));
  EXPECT_FALSE(isInside("/out", "/out/a/.."));
  EXPECT_FALSE(isInside("/out", "/out/.."));
  EXPECT_FALSE(isInside("/out", "/out/../x"));
  EXPECT_FALSE(isInside("/out", "/out/../../etc/passwd"));
  EXPECT_FALSE(isInside("/out", "/outside"));
  EXPECT_FALSE(isInside("/out", "/"));
  EXPECT_FALSE(isInside("/out/a", "/out"));
}

TEST(PathPolicy, IsInsideRejectsRelativePaths) {
  EXPECT_FALSE(isInside("out", "out/a"));
  EXPECT_FALSE(isInside("/out", "a"));
  EXPECT_FALSE(isInside("/out", ""));
  EXPECT_FALSE(isInside("", "/out/a"));
}

TEST(PathPolicy, SanitizedComponentsStayInside) {
  const std::filesystem::path root = "/srv/cloudfilm";
  for (const char* hostile : {"..", "../..", "/", "\\..\\", ".", "", "a/../../b"}) {
    EXPECT_TRUE(isInside(root, root / sanitizeComponent(hostile, "x"))) << hostile;
  }
}

}  // namespace
