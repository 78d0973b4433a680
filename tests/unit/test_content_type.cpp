#include <gtest/gtest.h>

#include "body/content_type.h"

using cloudfilm::body::parseContentType;

TEST(ContentType, WadoMultipart_TypeAndBoundary) {
  const auto parsed = parseContentType(R"(multipart/related; type="application/dicom"; boundary=abc123)");
  EXPECT_EQ(parsed.mediaType, "multipart/related");
  EXPECT_EQ(parsed.parameter("type"), "application/dicom");
  EXPECT_EQ(parsed.parameter("boundary"), "abc123");
  EXPECT_EQ(parsed.parameter("charset"), "");
}

TEST(ContentType, CaseInsensitiveTypeAndParameterNames) {
  const auto parsed = parseContentType("Multipart/Related; BOUNDARY=XyZ; Type=Application/DICOM");
  EXPECT_EQ(parsed.mediaType, "multipart/related");
  EXPECT_EQ(parsed.parameter("boundary"), "XyZ");  // values keep their case
  EXPECT_EQ(parsed.parameter("Boundary"), "XyZ");
  EXPECT_EQ(parsed.parameter("type"), "Application/DICOM");
}

TEST(ContentType, QuotedStringWithEscapes) {
  const auto parsed = parseContentType(R"(text/plain; title="a \"quoted\" ; value\\"; charset=utf-8)");
  EXPECT_EQ(parsed.mediaType, "text/plain");
  EXPECT_EQ(parsed.parameter("title"), R"(a "quoted" ; value\)");
  EXPECT_EQ(parsed.parameter("charset"), "utf-8");
}

TEST(ContentType, WhitespaceTolerance) {
  const auto parsed = parseContentType("  application/dicom+json ;charset = utf-8 ;  boundary=\"b b\"  ");
  EXPECT_EQ(parsed.mediaType, "application/dicom+json");
  EXPECT_EQ(parsed.parameter("charset"), "utf-8");
  EXPECT_EQ(parsed.parameter("boundary"), "b b");
}

TEST(ContentType, NoParameters) {
  const auto parsed = parseContentType("application/octet-stream");
  EXPECT_EQ(parsed.mediaType, "application/octet-stream");
  EXPECT_TRUE(parsed.parameters.empty());
}

TEST(ContentType, EmptyOrGarbage_GivesEmptyMediaType) {
  EXPECT_EQ(parseContentType("").mediaType, "");
  EXPECT_EQ(parseContentType("   ").mediaType, "");
  EXPECT_EQ(parseContentType("text").mediaType, "");
  EXPECT_EQ(parseContentType("/plain").mediaType, "");
  EXPECT_EQ(parseContentType("text/").mediaType, "");
  EXPECT_EQ(parseContentType("text/html garbage").mediaType, "");
  EXPECT_EQ(parseContentType(";;;===\"\\").mediaType, "");
}

TEST(ContentType, GarbageParameters_AreSkipped) {
  const auto parsed = parseContentType("multipart/related;;; =x; novalue; boundary=ok; \"junk\"; last=1");
  EXPECT_EQ(parsed.mediaType, "multipart/related");
  EXPECT_EQ(parsed.parameter("boundary"), "ok");
  EXPECT_EQ(parsed.parameter("last"), "1");
  EXPECT_EQ(parsed.parameter("novalue"), "");
}

TEST(ContentType, UnterminatedQuote_KeepsWhatWasThere) {
  const auto parsed = parseContentType("multipart/related; boundary=\"abc");
  EXPECT_EQ(parsed.parameter("boundary"), "abc");
}

TEST(ContentType, RepeatedParameter_FirstWins) {
  EXPECT_EQ(parseContentType("a/b; x=1; X=2").parameter("x"), "1");
}

TEST(ContentType, EveryPrefixOfAHeader_NeverThrows) {
  const std::string header = R"(multipart/related; type="application/dicom"; boundary="a\"b"; q=1)";
  for (std::size_t i = 0; i <= header.size(); ++i) {
    EXPECT_NO_THROW((void)parseContentType(std::string_view(header).substr(0, i)));
  }
}
