#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <vector>

#include "body/multipart.h"

using cloudfilm::body::MultipartSink;
using cloudfilm::body::MultipartSplitter;

namespace {

struct Part {
  std::map<std::string, std::string> headers;
  std::string body;
  bool ended = false;
  bool operator==(const Part&) const = default;
};

class RecordingSink : public MultipartSink {
 public:
  void partBegin(const std::map<std::string, std::string>& headers) override {
    EXPECT_TRUE(parts.empty() || parts.back().ended) << "partBegin while a part is open";
    parts.push_back(Part{headers, {}, false});
  }
  void partData(std::string_view bytes) override {
    ASSERT_FALSE(parts.empty());
    ASSERT_FALSE(parts.back().ended);
    EXPECT_FALSE(bytes.empty());
    parts.back().body.append(bytes);
    dataBytes += bytes.size();
  }
  void partEnd() override {
    ASSERT_FALSE(parts.empty());
    ASSERT_FALSE(parts.back().ended);
    parts.back().ended = true;
  }
  std::vector<Part> parts;
  std::size_t dataBytes = 0;
};

struct SplitResult {
  std::vector<Part> parts;
  bool fedOk = true;
  bool finished = false;
  std::string error;
};

SplitResult splitWithPieces(const std::string& body, const std::string& boundary,
                            const std::vector<std::size_t>& pieceSizes) {
  RecordingSink sink;
  MultipartSplitter splitter(boundary, sink);
  SplitResult result;
  std::size_t position = 0, piece = 0;
  while (position < body.size()) {
    const std::size_t size = std::min(pieceSizes[piece++ % pieceSizes.size()], body.size() - position);
    result.fedOk = splitter.feed(std::string_view(body).substr(position, size)) && result.fedOk;
    position += size;
  }
  result.finished = splitter.finish();
  result.error = splitter.error();
  result.parts = sink.parts;
  return result;
}

SplitResult splitWhole(const std::string& body, const std::string& boundary) {
  return splitWithPieces(body, boundary, {body.size() + 1});
}

// The same body fed whole, one byte at a time, and in random pieces must give identical results.
SplitResult splitEveryWay(const std::string& body, const std::string& boundary) {
  const SplitResult whole = splitWhole(body, boundary);
  const SplitResult byteByByte = splitWithPieces(body, boundary, {1});
  EXPECT_EQ(byteByByte.parts, whole.parts);
  EXPECT_EQ(byteByByte.finished, whole.finished);
  std::mt19937 generator(42);
  for (int round = 0; round < 30; ++round) {
    std::vector<std::size_t> pieces;
    for (int i = 0; i < 64; ++i) pieces.push_back(1 + generator() % (round < 15 ? 7 : 200));
    const SplitResult random = splitWithPieces(body, boundary, pieces);
    EXPECT_EQ(random.parts, whole.parts) << "round " << round;
    EXPECT_EQ(random.finished, whole.finished);
  }
  return whole;
}

std::string binaryWithTraps() {
  // Bytes that look like line ends and dashes, and a boundary-like run that is not one.
  std::string bytes = std::string("\r\n--\r\n--bound\r\n\n--\0\xff", 20) + "--boundary_not\r" + "\r\n-";
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  return bytes;
}

}  // namespace

TEST(Multipart, WadoResponse_TwoPartsExactBytes) {
  const std::string first = binaryWithTraps();
  const std::string second = "DICM\r\n\r\n";
  const std::string body = "--boundary\r\nContent-Type: application/dicom\r\nContent-Length: 3\r\n\r\n" + first +
                           "\r\n--boundary\r\nContent-Type: application/dicom\r\n\r\n" + second +
                           "\r\n--boundary--\r\n";
  const auto result = splitEveryWay(body, "boundary");
  EXPECT_TRUE(result.finished) << result.error;
  ASSERT_EQ(result.parts.size(), 2u);
  EXPECT_EQ(result.parts[0].body, first);
  EXPECT_EQ(result.parts[0].headers.at("content-type"), "application/dicom");
  EXPECT_EQ(result.parts[0].headers.at("content-length"), "3");
  EXPECT_EQ(result.parts[1].body, second);
  EXPECT_TRUE(result.parts[1].ended);
}

TEST(Multipart, PreambleAndEpilogue_AreIgnored) {
  const std::string body =
      "This is a preamble.\r\n--boundary is mentioned\r\n--boundary\r\nX-A: 1\r\n\r\npayload\r\n--boundary--\r\n"
      "epilogue --boundary\r\nnot a part\r\n";
  const auto result = splitEveryWay(body, "boundary");
  EXPECT_TRUE(result.finished);
  ASSERT_EQ(result.parts.size(), 1u);
  EXPECT_EQ(result.parts[0].body, "payload");
  EXPECT_EQ(result.parts[0].headers.at("x-a"), "1");
}

TEST(Multipart, LfOnlyLineEndings_AreTolerated) {
  const std::string body = "--b\nContent-Type: text/plain\n\nline one\nline two\n--b\n\nsecond\n--b--\n";
  const auto result = splitEveryWay(body, "b");
  EXPECT_TRUE(result.finished);
  ASSERT_EQ(result.parts.size(), 2u);
  EXPECT_EQ(result.parts[0].body, "line one\nline two");
  EXPECT_EQ(result.parts[0].headers.at("content-type"), "text/plain");
  EXPECT_EQ(result.parts[1].body, "second");
  EXPECT_TRUE(result.parts[1].headers.empty());
}

TEST(Multipart, TransportPaddingAfterBoundary_IsAccepted) {
  const std::string body = "--b   \r\nA: x\r\n\r\none\r\n--b \t\r\n\r\ntwo\r\n--b--  \r\n";
  const auto result = splitEveryWay(body, "b");
  EXPECT_TRUE(result.finished);
  ASSERT_EQ(result.parts.size(), 2u);
  EXPECT_EQ(result.parts[0].body, "one");
  EXPECT_EQ(result.parts[1].body, "two");
}

TEST(Multipart, EmptyBoundary_IsDetectedFromTheFirstDashLine) {
  const std::string body = "junk line\r\n--detected-123\r\nContent-Type: application/dicom\r\n\r\nDATA\r\n"
                           "--detected-123--";
  const auto result = splitEveryWay(body, "");
  EXPECT_TRUE(result.finished) << result.error;
  ASSERT_EQ(result.parts.size(), 1u);
  EXPECT_EQ(result.parts[0].body, "DATA");
}

TEST(Multipart, BoundaryThatIsOnlyAPrefix_IsData) {
  const std::string body = "--b\r\n\r\nabc\r\n--bx\r\n--b-not\r\ndef\r\n--b--";
  const auto result = splitEveryWay(body, "b");
  EXPECT_TRUE(result.finished);
  ASSERT_EQ(result.parts.size(), 1u);
  EXPECT_EQ(result.parts[0].body, "abc\r\n--bx\r\n--b-not\r\ndef");
}

TEST(Multipart, EmptyParts) {
  const std::string body = "--b\r\nA: 1\r\n\r\n\r\n--b\r\nA: 2\r\n\r\n--b\r\n\r\n\r\n--b--";
  const auto result = splitEveryWay(body, "b");
  EXPECT_TRUE(result.finished);
  ASSERT_EQ(result.parts.size(), 3u);
  for (const auto& part : result.parts) {
    EXPECT_EQ(part.body, "");
    EXPECT_TRUE(part.ended);
  }
  EXPECT_EQ(result.parts[1].headers.at("a"), "2");
}

TEST(Multipart, HeaderNamesLowerCasedValuesTrimmed_FoldedLinesJoined) {
  const std::string body = "--b\r\nCONTENT-Type:   application/dicom  \r\nX-Long: first\r\n  second\r\n"
                           "no colon here\r\n\r\nx\r\n--b--";
  const auto result = splitEveryWay(body, "b");
  ASSERT_EQ(result.parts.size(), 1u);
  EXPECT_EQ(result.parts[0].headers.at("content-type"), "application/dicom");
  EXPECT_EQ(result.parts[0].headers.at("x-long"), "first second");
  EXPECT_EQ(result.parts[0].headers.size(), 2u);
}

TEST(Multipart, MissingCloseDelimiter_FinishFailsAndOpenPartNeverEnds) {
  const std::string body = "--b\r\n\r\nfirst\r\n--b\r\n\r\nsecond, cut off";
  const auto result = splitEveryWay(body, "b");
  EXPECT_FALSE(result.finished);
  EXPECT_FALSE(result.error.empty());
  ASSERT_EQ(result.parts.size(), 2u);
  EXPECT_TRUE(result.parts[0].ended);
  EXPECT_FALSE(result.parts[1].ended);
}

TEST(Multipart, CutAtEveryOffset_NeverEndsTheOpenPart) {
  const std::string body = "--b\r\nA: 1\r\n\r\none\r\n--b\r\n\r\ntwo\r\n--b--";
  for (std::size_t cut = 0; cut < body.size(); ++cut) {
    const std::string prefix = body.substr(0, cut);
    const auto result = splitWhole(prefix, "b");
    const bool closed = cut >= body.size();
    EXPECT_EQ(result.finished, closed) << cut;
    for (std::size_t i = 0; i < result.parts.size(); ++i) {
      const auto& part = result.parts[i];
      if (part.ended) EXPECT_EQ(part.body, i == 0 ? "one" : "two") << cut;
    }
    EXPECT_EQ(result.parts.size() >= 2 && result.parts[1].ended, false) << cut;
  }
}

TEST(Multipart, NoBoundaryAtAll_FinishFails) {
  const auto result = splitWhole("just some text\r\nwithout parts\r\n", "b");
  EXPECT_FALSE(result.finished);
  EXPECT_TRUE(result.parts.empty());
  const auto detected = splitWhole("no dash line here", "");
  EXPECT_FALSE(detected.finished);
}

TEST(Multipart, OversizedHeaderBlock_IsAnError) {
  std::string body = "--b\r\n";
  while (body.size() < 70 * 1024) body += "X-Filler: " + std::string(100, 'x') + "\r\n";
  body += "\r\ndata\r\n--b--";
  RecordingSink sink;
  MultipartSplitter splitter("b", sink);
  EXPECT_FALSE(splitter.feed(body));
  EXPECT_FALSE(splitter.error().empty());
  EXPECT_FALSE(splitter.feed("more"));
  EXPECT_FALSE(splitter.finish());
  EXPECT_TRUE(sink.parts.empty());
}

TEST(Multipart, HeaderLineWithoutNewline_IsBounded) {
  RecordingSink sink;
  MultipartSplitter splitter("b", sink);
  EXPECT_TRUE(splitter.feed("--b\r\n"));
  const std::string chunk(4096, 'h');
  bool ok = true;
  for (int i = 0; i < 32 && ok; ++i) ok = splitter.feed(chunk);
  EXPECT_FALSE(ok);
}

TEST(Multipart, LargePart_IsStreamedNotBuffered) {
  RecordingSink sink;
  MultipartSplitter splitter("boundary", sink);
  ASSERT_TRUE(splitter.feed("--boundary\r\nContent-Type: application/dicom\r\n\r\n"));
  std::mt19937 generator(1);
  std::string chunk(64 * 1024, '\0');
  std::size_t fed = 0;
  for (int i = 0; i < 64; ++i) {
    for (char& c : chunk) c = static_cast<char>(generator() & 0xFF);
    ASSERT_TRUE(splitter.feed(chunk));
    fed += chunk.size();
    // Everything but a possible delimiter start has been handed on already.
    EXPECT_GE(sink.dataBytes + std::string("\r\n--boundary").size(), fed);
  }
  ASSERT_TRUE(splitter.feed("\r\n--boundary--\r\n"));
  EXPECT_TRUE(splitter.finish());
  EXPECT_EQ(sink.dataBytes, fed);
  EXPECT_EQ(splitter.partsCompleted(), 1u);
}

TEST(Multipart, ManyRandomBinaryParts_SurviveRandomSplits) {
  std::mt19937 generator(9);
  std::string body = "preamble\r\n";
  std::vector<std::string> expected;
  for (int part = 0; part < 20; ++part) {
    std::string bytes(generator() % 3000, '\0');
    for (char& c : bytes) {
      const unsigned pick = generator() % 8;
      c = pick < 4 ? "\r\n-b"[pick] : static_cast<char>(generator() & 0xFF);
    }
    expected.push_back(bytes);
    body += "--b0undary\r\nContent-Type: application/dicom\r\n\r\n" + bytes + "\r\n";
  }
  body += "--b0undary--\r\n";
  const auto result = splitEveryWay(body, "b0undary");
  EXPECT_TRUE(result.finished);
  ASSERT_EQ(result.parts.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) EXPECT_EQ(result.parts[i].body, expected[i]) << i;
}

TEST(Multipart, HostileChunks_NeverCrash) {
  std::mt19937 generator(3);
  for (int round = 0; round < 300; ++round) {
    RecordingSink sink;
    MultipartSplitter splitter(round % 2 ? "b" : "", sink);
    for (int i = 0; i < 20; ++i) {
      std::string chunk(generator() % 64, '\0');
      for (char& c : chunk) c = "-b\r\n :xA\0"[generator() % 9];
      splitter.feed(chunk);
    }
    splitter.finish();
  }
  SUCCEED();
}
