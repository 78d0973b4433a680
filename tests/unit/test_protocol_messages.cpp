// Message helpers: replies and errors, the error table against docs/protocol.md, the large-field fast path.
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "protocol/errors.h"
#include "protocol/messages.h"

using namespace cloudfilm::protocol;

TEST(ProtocolMessages, ReplyCarriesTypeAndId) {
  const Json reply = makeReply("hello", Json("abc"));
  EXPECT_EQ(reply["type"], "hello-result");
  EXPECT_EQ(reply["id"], "abc");
}

TEST(ProtocolMessages, ErrorCarriesCodeNameAndBody) {
  const Json error = makeError(Json(7), ErrorCode::DigestMismatch, "nope", "b-1");
  EXPECT_EQ(error["type"], "error");
  EXPECT_EQ(error["id"], 7);
  EXPECT_EQ(error["code"], 10);
  EXPECT_EQ(error["name"], "digest-mismatch");
  EXPECT_EQ(error["body"], "b-1");
  EXPECT_FALSE(makeError(nullptr, ErrorCode::BadJson, "x").contains("body"));
  EXPECT_TRUE(makeError(nullptr, ErrorCode::BadJson, "x")["id"].is_null());
}

TEST(ProtocolMessages, SerializeReplacesInvalidUtf8InsteadOfThrowing) {
  Json message = {{"name", std::string("a\xff" "b")}};
  EXPECT_NO_THROW(serialize(message));
}

TEST(ProtocolErrors, TableIsDenseAndNamed) {
  int expected = 1;
  for (const auto& entry : errorTable()) {
    EXPECT_EQ(entry.code, expected++);
    EXPECT_STRNE(entry.name, "");
  }
  EXPECT_STREQ(errorName(ErrorCode::FrameTooLarge), "frame-too-large");
}

TEST(ProtocolErrors, TableMatchesTheProtocolDocument) {
  std::ifstream in(std::string(CLOUDFILM_SOURCE_DIR) + "/docs/protocol.md");
  ASSERT_TRUE(in) << "docs/protocol.md not found";
  const std::regex row(R"(^\|\s*(\d+)\s*\|\s*`([a-z0-9-]+)`\s*\|)");
  std::map<int, std::string> documented;
  std::smatch match;
  for (std::string line; std::getline(in, line);)
    if (std::regex_search(line, match, row)) documented[std::stoi(match[1])] = match[2];
  ASSERT_EQ(documented.size(), errorTable().size());
  for (const auto& entry : errorTable()) EXPECT_EQ(documented[entry.code], entry.name) << entry.code;
}

TEST(ProtocolMessages, ParseObjectRejectsNonObjectsAndBrokenJson) {
  EXPECT_FALSE(parseObject("[1,2]"));
  EXPECT_FALSE(parseObject("{\"a\":"));
  EXPECT_FALSE(parseObject(""));
  EXPECT_FALSE(parseObject("\"text\""));
  EXPECT_TRUE(parseObject("{}"));
}

TEST(ProtocolMessages, LargeFieldIsTakenByViewWithoutCopy) {
  const std::string data(10000, 'A');
  const std::string frame = R"({"type":"body-chunk","body":"b-1","seq":3,"data":")" + data + R"("})";
  std::string_view large;
  auto parsed = parseObject(frame, "data", large);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(large, data);
  EXPECT_EQ(large.data(), frame.data() + frame.find(data));  // a view into the frame, not a copy
  EXPECT_EQ((*parsed)["seq"], 3);
  EXPECT_EQ((*parsed)["body"], "b-1");
  EXPECT_TRUE(isLargeFieldPlaceholder((*parsed)["data"]));
}

TEST(ProtocolMessages, LargeFieldFallsBackWhenEscapedOrSpaced) {
  const std::string data(5000, 'A');
  std::string_view large;
  auto escaped = parseObject(R"({"type":"body-chunk","data":"AB\/)" + data + R"("})", "data", large);
  ASSERT_TRUE(escaped);
  EXPECT_TRUE(large.empty());
  EXPECT_EQ((*escaped)["data"], "AB/" + data);

  auto spaced = parseObject(R"({"type":"body-chunk","data" : ")" + data + R"("})", "data", large);
  ASSERT_TRUE(spaced);
  EXPECT_TRUE(large.empty());
  EXPECT_EQ((*spaced)["data"], data);
}

TEST(ProtocolMessages, LargeFieldNeedleInsideAnotherKeyIsNotTaken) {
  const std::string data(5000, 'A');
  const std::string frame = R"({"\"data":")" + data + R"(","data":"QUJD"})";
  std::string_view large;
  auto parsed = parseObject(frame, "data", large);
  ASSERT_TRUE(parsed);
  EXPECT_TRUE(large.empty());
  EXPECT_EQ((*parsed)["data"], "QUJD");
}

TEST(ProtocolMessages, LargeFieldWithBrokenRestIsBadJson) {
  const std::string data(5000, 'A');
  std::string_view large;
  EXPECT_FALSE(parseObject(R"({"type":"body-chunk","data":")" + data + R"(",})", "data", large));
  EXPECT_FALSE(parseObject(R"({"type":"body-chunk","data":")" + data, "data", large));
}

TEST(ProtocolMessages, FieldAccessorsCheckTypes) {
  const Json message = {{"s", "x"}, {"i", 4}, {"f", 4.0}, {"g", 4.5}, {"n", nullptr}};
  EXPECT_EQ(requireString(message, "s"), "x");
  EXPECT_EQ(requireInteger(message, "i"), 4);
  EXPECT_EQ(requireInteger(message, "f"), 4);
  EXPECT_FALSE(optionalString(message, "missing"));
  EXPECT_FALSE(optionalInteger(message, "n"));
  try {
    requireInteger(message, "g");
    FAIL();
  } catch (const ProtocolError& e) {
    EXPECT_EQ(e.code(), ErrorCode::BadRequest);
  }
  EXPECT_THROW(requireString(message, "i"), ProtocolError);
  EXPECT_THROW(requireString(message, "missing"), ProtocolError);
}
