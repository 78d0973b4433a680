// vendor/derived_uid: "2.25." UIDs made from what names an image on its site (PS3.5 B.2): the same name always gives
// the same UID, different names different ones, and every UID is valid DICOM UID syntax.
#include "vendor/derived_uid.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "vendor/hinacom.h"

namespace cloudfilm::vendor {
namespace {

// The syntax PS3.5 9.1 asks: digits and dots, at most 64 characters, no empty component, no leading zero in a
// component of more than one digit.
::testing::AssertionResult isValidUid(const std::string& uid) {
  if (uid.empty() || uid.size() > 64) return ::testing::AssertionFailure() << uid << ": length " << uid.size();
  std::size_t start = 0;
  while (true) {
    const std::size_t end = std::min(uid.find('.', start), uid.size());
    const std::string component = uid.substr(start, end - start);
    if (component.empty()) return ::testing::AssertionFailure() << uid << ": empty component";
    if (component.find_first_not_of("0123456789") != std::string::npos)
      return ::testing::AssertionFailure() << uid << ": not only digits";
    if (component.size() > 1 && component[0] == '0')
      return ::testing::AssertionFailure() << uid << ": leading zero in " << component;
    if (end == uid.size()) break;
    start = end + 1;
  }
  return ::testing::AssertionSuccess();
}

TEST(DerivedUid, KnownValues_Sha256OfTheNameWithVersionAndVariantBits) {
  // Worked out apart (Python: the first 16 bytes of SHA-256("CloudFilm derived UID\n" + name), byte 6's high nibble
  // 8, byte 8's top bits 10, as one big-endian integer in decimal).
  EXPECT_EQ(derivedUid(""), "2.25.269906391856901792999207563307857741097");
  EXPECT_EQ(derivedUid("hinacom image|https://h|S1|I1"), "2.25.106613561185930298957690740660563723494");
  EXPECT_EQ(derivedUid("王小明"), "2.25.171473186123089538557932552493985587752");
}

TEST(DerivedUid, Deterministic) {
  for (const std::string& name :
       {std::string("a"), std::string("hinacom image|https://film.example.cn|1001|77"), std::string(100000, 'z')})
    EXPECT_EQ(derivedUid(name), derivedUid(name));
}

TEST(DerivedUid, DistinctNames_DistinctUids) {
  std::set<std::string> uids;
  const int count = 20000;
  for (int i = 0; i < count; ++i) uids.insert(derivedUid("hinacom image|https://h|S|" + std::to_string(i)));
  EXPECT_EQ(uids.size(), static_cast<std::size_t>(count));
  // Names that differ only where a careless key would merge them.
  EXPECT_NE(derivedUid("ab|c"), derivedUid("a|bc"));
  EXPECT_NE(derivedUid("a"), derivedUid("A"));
  EXPECT_NE(derivedUid("a"), derivedUid(std::string("a\0", 2)));
}

TEST(DerivedUid, EveryUidValidSyntax) {
  for (int i = 0; i < 5000; ++i) {
    const std::string uid = derivedUid("name " + std::to_string(i));
    ASSERT_TRUE(isValidUid(uid));
    ASSERT_EQ(uid.rfind("2.25.", 0), 0u) << uid;
    ASSERT_LE(uid.size(), 44u) << "2.25. and at most 39 digits";
  }
}

TEST(DerivedUid, TheCheckerItselfRefusesBadUids) {
  EXPECT_FALSE(isValidUid("2.25.0123"));
  EXPECT_FALSE(isValidUid("2..25"));
  EXPECT_FALSE(isValidUid("2.25."));
  EXPECT_FALSE(isValidUid("2.25.1a"));
  EXPECT_FALSE(isValidUid("1." + std::string(63, '1')));
  EXPECT_TRUE(isValidUid("2.25.0"));
}

TEST(DerivedUid, HinacomImages_SiteAndIdsAllCount) {
  using hinacom::ImageRef;
  const std::string base = Hinacom::derivedSopInstanceUid(ImageRef{"https://a", "S1", "I1"});
  EXPECT_TRUE(isValidUid(base));
  EXPECT_EQ(base, Hinacom::derivedSopInstanceUid(ImageRef{"https://a", "S1", "I1"}));
  EXPECT_NE(base, Hinacom::derivedSopInstanceUid(ImageRef{"https://b", "S1", "I1"})) << "another site";
  EXPECT_NE(base, Hinacom::derivedSopInstanceUid(ImageRef{"https://a", "S2", "I1"})) << "another study";
  EXPECT_NE(base, Hinacom::derivedSopInstanceUid(ImageRef{"https://a", "S1", "I2"})) << "another image";
}

}  // namespace
}  // namespace cloudfilm::vendor
