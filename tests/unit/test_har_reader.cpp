#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "har/har_reader.h"
#include "util/base64.h"

using cloudfilm::har::HarEntry;
using cloudfilm::har::HarReadResult;
using cloudfilm::har::HarStop;
using cloudfilm::har::readHar;

namespace {

// One folder per test run, removed when the test binary exits.
struct ScratchDirectory {
  ScratchDirectory() {
    std::random_device random;
    path = std::filesystem::temp_directory_path() / ("cloudfilm-har-tests-" + std::to_string(random()));
    std::filesystem::create_directories(path);
  }
  ~ScratchDirectory() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  std::filesystem::path path;
};

const std::filesystem::path& testDirectory() {
  static const ScratchDirectory directory;
  return directory.path;
}

std::filesystem::path writeFile(const std::string& name, const std::string& content) {
  const auto path = testDirectory() / name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  return path;
}

struct ReadOutcome {
  HarReadResult result;
  std::vector<HarEntry> entries;
};

ReadOutcome readAll(const std::filesystem::path& path) {
  ReadOutcome outcome;
  outcome.result = readHar(path, [&](HarEntry& entry) { outcome.entries.push_back(entry); });
  EXPECT_EQ(outcome.result.entries, outcome.entries.size());
  return outcome;
}

ReadOutcome readText(const std::string& name, const std::string& content) {
  return readAll(writeFile(name, content));
}

const std::string kChromeEntryOne = R"({
  "_initiator": {"type": "script", "stack": {"callFrames": [{"functionName": "", "scriptId": "12",
      "url": "https://viewer.example/app.js", "lineNumber": 1, "columnNumber": 2}],
      "parent": {"description": "Promise.then", "callFrames": [], "parent": {"callFrames": [{"url": "\"x\""}]}}}},
  "_priority": "High", "_resourceType": "fetch", "cache": {}, "connection": "443", "pageref": "page_1",
  "request": {"method": "GET", "url": "https://pacs.example/wado-rs/studies/1.2.3/series/4/instances?accept=\u00e9",
    "httpVersion": "http/2.0",
    "headers": [{"name": ":authority", "value": "pacs.example"}, {"name": "accept", "value": "multipart/related"}],
    "queryString": [{"name": "accept", "value": "\u00e9"}], "cookies": [], "headersSize": -1, "bodySize": 0},
  "response": {"status": 200, "statusText": "", "httpVersion": "http/2.0",
    "headers": [{"name": "content-type", "value": "multipart/related; type=\"application/dicom\"; boundary=abc"},
                {"name": "x-empty", "value": ""}],
    "cookies": [], "content": {"size": 3, "mimeType": "multipart/related", "compression": 0, "text": "QUJD",
    "encoding": "base64"}, "redirectURL": "", "headersSize": -1, "bodySize": -1, "_transferSize": 1500,
    "_error": null, "_fetchedViaServiceWorker": false},
  "serverIPAddress": "1.2.3.4", "startedDateTime": "2024-01-01T00:00:00.000Z", "time": 12.5,
  "timings": {"blocked": -1, "dns": -1e0, "ssl": -1, "connect": -1, "send": 0.1, "wait": 10.2,
    "receive": 2.3E+1, "_blocked_queueing": 1.0, "_workerStart": -1}
})";

const std::string kChromeEntryTwo = R"({"request": {"url": "https://pacs.example/metadata", "postData": {
  "mimeType": "application/json", "text": "{\"nested\": [1, 2, {\"a\": null}]}"}},
  "response": {"status": 404, "headers": [], "content": {"mimeType": "application/json", "size": 0}},
  "_webSocketMessages": [{"type": "send", "time": 1.5, "opcode": 1, "data": "x"}]})";

std::string chromeHar(const std::vector<std::string>& entries, std::vector<std::size_t>* entryEnds = nullptr) {
  std::string har = R"({"log": {"version": "1.2", "creator": {"name": "WebInspector", "version": "537.36"},
  "pages": [{"startedDateTime": "2024-01-01T00:00:00.000Z", "id": "page_1", "title": "Viewer",
    "pageTimings": {"onContentLoad": 100.5, "onLoad": 200}}],
  "entries": [)";
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (i > 0) har += ",\n    ";
    har += entries[i];
    if (entryEnds != nullptr) entryEnds->push_back(har.size());
  }
  har += "]}}\n";
  return har;
}

const std::string kFirefoxHar = R"({
  "log": {
    "version": "1.2",
    "creator": {"name": "Firefox", "version": "120.0"},
    "browser": {"name": "Firefox", "version": "120.0"},
    "pages": [{"startedDateTime": "2024-01-01T00:00:00.000+01:00", "id": "page_1", "pageTimings": {"onContentLoad": -1}, "title": "PACS"}],
    "entries": [
      {
        "pageref": "page_1",
        "startedDateTime": "2024-01-01T00:00:00.000+01:00",
        "request": {"bodySize": 0, "method": "GET", "url": "https://pacs.example/study.json", "httpVersion": "HTTP/2",
          "headers": [{"name": "Host", "value": "pacs.example"}], "cookies": [], "queryString": [], "headersSize": 0},
        "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/2",
          "headers": [{"name": "Content-Type", "value": "application/dicom+json"}],
          "cookies": [],
          "content": {"mimeType": "application/dicom+json", "size": 34, "text": "[{\"0020000D\": {\"vr\": \"UI\"}}]"},
          "redirectURL": "", "headersSize": 0, "bodySize": 34},
        "cache": {}, "timings": {"blocked": 0, "dns": 0, "connect": 0, "ssl": 0, "send": 0, "wait": 3, "receive": 0},
        "time": 3, "_securityState": "secure", "serverIPAddress": "1.2.3.4", "connection": "443"
      },
      {
        "request": {"url": "https://pacs.example/frame/1", "method": "GET", "headers": []},
        "response": {"status": 200, "headers": [],
          "content": {"mimeType": "application/dicom", "size": 3, "encoding": "base64", "text": "AAEC"}},
        "timings": {}
      },
      {
        "request": {"url": "https://pacs.example/blank"},
        "response": {"status": 0, "headers": [], "content": {"mimeType": "text/html", "size": 0}}
      }
    ]
  }
}
)";

}  // namespace

TEST(HarReader, ChromeHar_KeepsWhatCloudFilmNeeds) {
  const auto outcome = readText("chrome.har", chromeHar({kChromeEntryOne, kChromeEntryTwo}));
  EXPECT_EQ(outcome.result.stop, HarStop::Complete) << outcome.result.message;
  ASSERT_EQ(outcome.entries.size(), 2u);
  const HarEntry& first = outcome.entries[0];
  EXPECT_EQ(first.index, 0u);
  EXPECT_EQ(first.url, "https://pacs.example/wado-rs/studies/1.2.3/series/4/instances?accept=\xC3\xA9");
  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(first.mimeType, "multipart/related");
  ASSERT_EQ(first.responseHeaders.size(), 2u);
  EXPECT_EQ(first.responseHeaders[0].first, "content-type");
  EXPECT_EQ(first.responseHeaders[0].second, R"(multipart/related; type="application/dicom"; boundary=abc)");
  EXPECT_EQ(first.responseHeaders[1].first, "x-empty");
  EXPECT_EQ(first.responseHeaders[1].second, "");
  EXPECT_TRUE(first.hasText);
  EXPECT_TRUE(first.base64);
  EXPECT_EQ(first.text, "QUJD");

  const HarEntry& second = outcome.entries[1];
  EXPECT_EQ(second.index, 1u);
  EXPECT_EQ(second.url, "https://pacs.example/metadata");
  EXPECT_EQ(second.status, 404);
  EXPECT_FALSE(second.hasText);  // postData.text is the request's, not the response body
  EXPECT_FALSE(second.base64);
  EXPECT_EQ(second.text, "");
  EXPECT_TRUE(second.responseHeaders.empty());
}

TEST(HarReader, FirefoxHar_PlainTextAndBase64Bodies) {
  const auto outcome = readText("firefox.har", kFirefoxHar);
  EXPECT_EQ(outcome.result.stop, HarStop::Complete) << outcome.result.message;
  ASSERT_EQ(outcome.entries.size(), 3u);
  EXPECT_EQ(outcome.entries[0].text, R"([{"0020000D": {"vr": "UI"}}])");
  EXPECT_FALSE(outcome.entries[0].base64);
  EXPECT_TRUE(outcome.entries[0].hasText);
  EXPECT_EQ(outcome.entries[0].responseHeaders.at(0).first, "Content-Type");  // as sent
  EXPECT_EQ(outcome.entries[1].text, "AAEC");
  EXPECT_TRUE(outcome.entries[1].base64);
  EXPECT_EQ(outcome.entries[2].status, 0);
  EXPECT_FALSE(outcome.entries[2].hasText);
  EXPECT_EQ(outcome.entries[2].mimeType, "text/html");
}

TEST(HarReader, KeysInAnyOrder) {
  const std::string har = R"({"comment": {"log": {"entries": [{"request": {"url": "decoy"}}]}},
    "entries": [{"request": {"url": "not under log"}}],
    "log": {"entries": [
      {"response": {"content": {"text": "Zm9v", "mimeType": "application/dicom", "encoding": "base64"},
                    "headers": [{"value": "v", "name": "n"}], "status": 206},
       "request": {"url": "https://x/1"}},
      {"response": {"content": {"encoding": "base64", "text": "YmFy"}}}
    ], "pages": [], "creator": {"name": "odd"}}, "trailer": [1, 2, 3]})";
  const auto outcome = readText("order.har", har);
  EXPECT_EQ(outcome.result.stop, HarStop::Complete) << outcome.result.message;
  ASSERT_EQ(outcome.entries.size(), 2u);
  EXPECT_EQ(outcome.entries[0].url, "https://x/1");
  EXPECT_EQ(outcome.entries[0].status, 206);
  EXPECT_TRUE(outcome.entries[0].base64);
  EXPECT_EQ(outcome.entries[0].text, "Zm9v");
  ASSERT_EQ(outcome.entries[0].responseHeaders.size(), 1u);
  EXPECT_EQ(outcome.entries[0].responseHeaders[0], (std::pair<std::string, std::string>{"n", "v"}));
  EXPECT_EQ(outcome.entries[1].url, "");  // no request: nothing from the previous entry leaks in
  EXPECT_TRUE(outcome.entries[1].responseHeaders.empty());
  EXPECT_EQ(outcome.entries[1].text, "YmFy");
}

TEST(HarReader, StringEscapes_AreUnescapedToUtf8) {
  const std::string har =
      R"({"log": {"entries": [{"request": {"url": "https:\/\/x\/a b"}, "response": {"content": {)"
      R"("t\u0065xt": "q\" b\\ s\/ \b\f\n\r\t \u0041\u00e9\u4e2d\ud83d\ude00 \ud800x \udc00 \uD83D\uDE00"}}}]}})";
  const auto outcome = readText("escapes.har", har);
  EXPECT_EQ(outcome.result.stop, HarStop::Complete) << outcome.result.message;
  ASSERT_EQ(outcome.entries.size(), 1u);
  EXPECT_EQ(outcome.entries[0].url, "https://x/a b");
  EXPECT_TRUE(outcome.entries[0].hasText);  // the key itself was escaped
  EXPECT_EQ(outcome.entries[0].text,
            "q\" b\\ s/ \b\f\n\r\t A\xC3\xA9\xE4\xB8\xAD\xF0\x9F\x98\x80 \xEF\xBF\xBDx \xEF\xBF\xBD \xF0\x9F\x98\x80");
}

TEST(HarReader, NestedJunkAndEveryValueKind_AreSkipped) {
  const std::string har = R"({"log": {"_junk": [[[[{"a": [{"b": {}}, [], {}, "}]\"[{", -0.5e-3, 0, true, false, null]}]]]],
    "entries": [{"_x": {"y": [[[[[[[[[[1]]]]]]]]]]}, "response": {"status": 2.5e2, "_z": [{"": ""}],
    "content": {"text": null, "encoding": 5, "mimeType": ["no"]}}, "request": {"url": 17}}]}})";
  const auto outcome = readText("junk.har", har);
  EXPECT_EQ(outcome.result.stop, HarStop::Complete) << outcome.result.message;
  ASSERT_EQ(outcome.entries.size(), 1u);
  EXPECT_EQ(outcome.entries[0].status, 250);
  EXPECT_FALSE(outcome.entries[0].hasText);
  EXPECT_FALSE(outcome.entries[0].base64);
  EXPECT_EQ(outcome.entries[0].mimeType, "");
  EXPECT_EQ(outcome.entries[0].url, "");
}

TEST(HarReader, NonObjectEntries_HoldTheirPlace) {
  const auto outcome =
      readText("nonobject.har", R"({"log": {"entries": [1, "x", null, {"request": {"url": "u"}}, []]}})");
  EXPECT_EQ(outcome.result.stop, HarStop::Complete) << outcome.result.message;
  ASSERT_EQ(outcome.entries.size(), 1u);
  EXPECT_EQ(outcome.entries[0].index, 3u);
}

TEST(HarReader, ByteOrderMarkAndEmptyEntries) {
  const auto outcome = readText("bom.har", "\xEF\xBB\xBF  {\"log\":{\"entries\":[]}}  \r\n");
  EXPECT_EQ(outcome.result.stop, HarStop::Complete) << outcome.result.message;
  EXPECT_TRUE(outcome.entries.empty());
}

TEST(HarReader, CallbackMayMoveTheTextOut) {
  std::vector<std::string> bodies;
  const auto result = readHar(writeFile("move.har", chromeHar({kChromeEntryOne, kChromeEntryOne})),
                              [&](HarEntry& entry) { bodies.push_back(std::move(entry.text)); });
  EXPECT_EQ(result.stop, HarStop::Complete);
  EXPECT_EQ(bodies, (std::vector<std::string>{"QUJD", "QUJD"}));
}

TEST(HarReader, CutInTheMiddle_KeepsEntriesBeforeTheCut) {
  std::vector<std::size_t> ends;
  const std::string har = chromeHar({kChromeEntryOne, kChromeEntryTwo, kChromeEntryOne}, &ends);
  const std::size_t cut = (ends[1] + ends[2]) / 2;
  const auto outcome = readText("cut.har", har.substr(0, cut));
  EXPECT_EQ(outcome.result.stop, HarStop::Truncated);
  EXPECT_EQ(outcome.entries.size(), 2u);
  EXPECT_EQ(outcome.result.stoppedAtByte, cut);
  EXPECT_NE(outcome.result.message.find(std::to_string(cut)), std::string::npos) << outcome.result.message;
  EXPECT_NE(outcome.result.message.find("entry 2"), std::string::npos) << outcome.result.message;
  EXPECT_EQ(outcome.result.message.find('\n'), std::string::npos);
}

TEST(HarReader, CutAtEveryOffset_NeverCrashesAndDeliversOnlyCompleteEntries) {
  std::vector<std::size_t> ends;
  const std::string har = chromeHar({kChromeEntryOne, kChromeEntryTwo, R"({"response": {"status": 7}})"}, &ends);
  const auto path = testDirectory() / "every-cut.har";
  for (std::size_t cut = 0; cut <= har.size(); ++cut) {
    {
      std::ofstream out(path, std::ios::binary | std::ios::trunc);
      out.write(har.data(), static_cast<std::streamsize>(cut));
    }
    const auto outcome = readAll(path);
    std::size_t complete = 0;
    while (complete < ends.size() && ends[complete] <= cut) ++complete;
    ASSERT_EQ(outcome.entries.size(), complete) << "cut at " << cut << ": " << outcome.result.message;
    const bool wholeDocument = cut >= har.size() - 1;  // only the final newline may be missing
    if (wholeDocument) {
      EXPECT_EQ(outcome.result.stop, HarStop::Complete) << cut;
    } else {
      EXPECT_TRUE(outcome.result.stop == HarStop::Truncated || outcome.result.stop == HarStop::NotHar) << cut;
      EXPECT_FALSE(outcome.result.message.empty());
      if (complete > 0) {
        EXPECT_EQ(outcome.result.stop, HarStop::Truncated) << cut;
      }
    }
    for (const auto& entry : outcome.entries) {
      if (entry.index == 0) EXPECT_EQ(entry.text, "QUJD");
      if (entry.index == 2) EXPECT_EQ(entry.status, 7);
    }
  }
}

TEST(HarReader, GarbageAfterSomeEntries_IsTruncated) {
  std::string har = chromeHar({kChromeEntryOne, kChromeEntryTwo});
  har = har.substr(0, har.rfind(']')) + " oops not json";
  const auto outcome = readText("garbage.har", har);
  EXPECT_EQ(outcome.result.stop, HarStop::Truncated);
  EXPECT_EQ(outcome.entries.size(), 2u);
  EXPECT_NE(outcome.result.message.find("invalid JSON"), std::string::npos) << outcome.result.message;
}

TEST(HarReader, GarbageInsideAnEntry_KeepsEarlierEntries) {
  std::string har = chromeHar({kChromeEntryOne, R"({"request": {"url": "x"}, "response": {"status": 2OO}})"});
  const auto outcome = readText("garbage2.har", har);
  EXPECT_EQ(outcome.result.stop, HarStop::Truncated);
  EXPECT_EQ(outcome.entries.size(), 1u);
  EXPECT_NE(outcome.result.message.find("entry 1"), std::string::npos) << outcome.result.message;
}

TEST(HarReader, DataAfterTheEnd_IsReportedButEntriesKept) {
  const auto outcome = readText("trailer.har", chromeHar({kChromeEntryOne}) + "{\"log\": 1}");
  EXPECT_EQ(outcome.result.stop, HarStop::Truncated);
  EXPECT_EQ(outcome.entries.size(), 1u);
}

TEST(HarReader, NotAHar_SaysSo) {
  const std::pair<const char*, std::string> samples[] = {
      {"empty", ""},
      {"text", "hello, world"},
      {"array", "[1, 2, 3]"},
      {"other-json", R"({"foo": 1, "bar": [true]})"},
      {"log-without-entries", R"({"log": {"version": "1.2", "pages": []}})"},
      {"entries-not-array", R"({"log": {"entries": {"a": 1}}})"},
      {"broken", R"({"foo": [1, 2)"},
      {"binary", std::string("\x89PNG\r\n\x1a\n\0\0", 10)},
  };
  for (const auto& [name, content] : samples) {
    const auto outcome = readText(std::string(name) + ".json", content);
    EXPECT_EQ(outcome.result.stop, HarStop::NotHar) << name << ": " << outcome.result.message;
    EXPECT_NE(outcome.result.message.find("not a HAR"), std::string::npos) << outcome.result.message;
    EXPECT_TRUE(outcome.entries.empty());
  }
}

TEST(HarReader, MissingFile_IsReadErrorWithReason) {
  const auto outcome = readAll(testDirectory() / "does-not-exist.har");
  EXPECT_EQ(outcome.result.stop, HarStop::ReadError);
  EXPECT_NE(outcome.result.message.find("No such file"), std::string::npos) << outcome.result.message;
}

TEST(HarReader, DirectoryInsteadOfFile_IsReadError) {
  const auto outcome = readAll(testDirectory());
  EXPECT_EQ(outcome.result.stop, HarStop::ReadError) << outcome.result.message;
}

TEST(HarReader, DeepNesting_StopsCleanly) {
  const std::string deep(1000000, '[');
  const auto insideEntries =
      readText("deep1.har", chromeHar({kChromeEntryOne, R"({"_x": )" + deep}));
  EXPECT_EQ(insideEntries.result.stop, HarStop::Truncated);
  EXPECT_EQ(insideEntries.entries.size(), 1u);
  EXPECT_NE(insideEntries.result.message.find("nested deeper"), std::string::npos) << insideEntries.result.message;

  const auto atTop = readText("deep2.har", "{\"a\": " + std::string(1000000, '{'));
  EXPECT_EQ(atTop.result.stop, HarStop::NotHar);

  std::string deepObjects = "{\"log\": {\"entries\": [{\"_x\": ";
  for (int i = 0; i < 100000; ++i) deepObjects += "{\"k\": ";
  const auto objects = readText("deep3.har", deepObjects);
  EXPECT_EQ(objects.result.stop, HarStop::Truncated);
}

TEST(HarReader, ModerateNesting_IsAccepted) {
  const auto outcome =
      readText("nest.har", chromeHar({R"({"_initiator": )" + std::string(100, '[') + std::string(100, ']') + "}"}));
  EXPECT_EQ(outcome.result.stop, HarStop::Complete) << outcome.result.message;
  EXPECT_EQ(outcome.entries.size(), 1u);
}

// Bodies of several MiB cross the reader's block boundaries, with escapes straddling them. This exercises the
// fast paths for correctness; throughput itself is measured in bench/, not asserted here.
TEST(HarReader, MultiMegabyteBodies_CrossBlockBoundaries) {
  std::mt19937 generator(17);
  std::vector<std::string> expectedTexts;
  std::vector<std::string> entries;
  for (int i = 0; i < 4; ++i) {
    std::string bytes(std::size_t{1} << 20 | static_cast<std::size_t>(generator() % 5000), '\0');
    for (char& c : bytes) c = static_cast<char>(generator() & 0xFF);
    const std::string base64 = cloudfilm::encodeBase64(bytes);
    std::string escaped;  // '/' written as "\/" the way some HAR writers do
    for (const char c : base64) {
      if (c == '/') escaped += "\\/";
      else escaped.push_back(c);
    }
    expectedTexts.push_back(base64);
    entries.push_back(R"({"request": {"url": "https://x/)" + std::to_string(i) +
                      R"("}, "response": {"status": 200, "content": {"text": ")" + escaped +
                      R"(", "encoding": "base64", "mimeType": "application/dicom"}}})");
  }
  // A plain-text body dense with escapes must not make the reader rescan for the closing quote.
  std::string dense;
  std::string denseExpected;
  for (int i = 0; i < 300000; ++i) {
    dense += "\\n\\u00e9";
    denseExpected += "\n\xC3\xA9";
  }
  entries.push_back(R"({"response": {"content": {"text": ")" + dense + R"("}}})");
  expectedTexts.push_back(denseExpected);

  const auto outcome = readText("big.har", chromeHar(entries));
  EXPECT_EQ(outcome.result.stop, HarStop::Complete) << outcome.result.message;
  ASSERT_EQ(outcome.entries.size(), expectedTexts.size());
  for (std::size_t i = 0; i < expectedTexts.size(); ++i) {
    EXPECT_TRUE(outcome.entries[i].text == expectedTexts[i]) << "entry " << i;
  }
  std::string decoded;
  EXPECT_TRUE(cloudfilm::decodeBase64(outcome.entries[0].text, decoded));
}

TEST(HarReader, RandomCorruption_NeverCrashes) {
  const std::string har = chromeHar({kChromeEntryOne, kChromeEntryTwo});
  std::mt19937 generator(23);
  const auto path = testDirectory() / "corrupt.har";
  for (int round = 0; round < 300; ++round) {
    std::string damaged = har;
    for (int i = 0; i < 3; ++i) damaged[generator() % damaged.size()] = "{}[]\",:\\u0 x"[generator() % 13];
    {
      std::ofstream out(path, std::ios::binary | std::ios::trunc);
      out << damaged;
    }
    const auto outcome = readAll(path);
    EXPECT_LE(outcome.entries.size(), 2u);
    EXPECT_FALSE(outcome.result.stop != HarStop::Complete && outcome.result.message.empty());
  }
}

// ---- WebSocket messages (Chromium's `_webSocketMessages`) --------------------------------------------------------

namespace {

using cloudfilm::har::HarWebSocketMessage;

struct MessagesOutcome {
  HarReadResult result;
  std::vector<std::string> events;  // "entry <url>" and "message <entry> <index> <url> <type> <opcode> <data>"
};

MessagesOutcome readWithMessages(const std::string& name, const std::string& content) {
  MessagesOutcome outcome;
  outcome.result = readHar(
      writeFile(name, content), [&](HarEntry& entry) { outcome.events.push_back("entry " + entry.url); },
      [&](HarWebSocketMessage& message) {
        outcome.events.push_back("message " + std::to_string(message.entryIndex) + " " +
                                 std::to_string(message.index) + " " + message.url + " " +
                                 (message.received ? "receive" : "send") + " " + std::to_string(message.opcode) + " " +
                                 message.data);
      });
  return outcome;
}

// Chromium's key order: `_webSocketMessages` comes before `request`, so the url is only known after the messages.
const std::string kSocketEntry = R"({"_resourceType": "websocket", "_webSocketMessages": [
    {"type": "send", "time": 1772438400.25, "opcode": 1, "data": "42[\"sendMessage\",{}]"},
    {"type": "receive", "time": 1772438400.5, "opcode": 1, "data": "451-[\"dicom\"]"},
    {"type": "receive", "time": 1772438400.75, "opcode": 2, "data": "BERJQ00="},
    "not a message",
    {"opcode": 2.0, "data": "AA==", "type": "receive", "extra": {"nested": [1, {"a": "b"}]}}],
  "request": {"method": "GET", "url": "wss://film.example/socket.io/?EIO=4&transport=websocket"},
  "response": {"status": 101, "headers": [], "content": {"size": 0, "mimeType": "x-unknown"}}})";

}  // namespace

TEST(HarReader, WebSocketMessages_DeliveredAfterTheirEntryWithTheSocketsUrl) {
  const auto outcome = readWithMessages("socket.har", chromeHar({kChromeEntryOne, kSocketEntry, kChromeEntryOne}));
  EXPECT_EQ(outcome.result.stop, HarStop::Complete) << outcome.result.message;
  const std::string socket = "wss://film.example/socket.io/?EIO=4&transport=websocket";
  const std::string wado = "https://pacs.example/wado-rs/studies/1.2.3/series/4/instances?accept=\xc3\xa9";
  const std::vector<std::string> expected = {
      "entry " + wado,
      "entry " + socket,
      "message 1 0 " + socket + " send 1 42[\"sendMessage\",{}]",
      "message 1 1 " + socket + " receive 1 451-[\"dicom\"]",
      "message 1 2 " + socket + " receive 2 BERJQ00=",
      "message 1 4 " + socket + " receive 2 AA==",
      "entry " + wado};
  EXPECT_EQ(outcome.events, expected);
}

TEST(HarReader, WebSocketMessages_AfterTheRequestToo) {
  const std::string entry = R"({"request": {"url": "wss://x/ws"}, "response": {"status": 101},
    "_webSocketMessages": [{"type": "receive", "opcode": 2, "data": "AQID"}]})";
  const auto outcome = readWithMessages("socket-late.har", chromeHar({entry}));
  EXPECT_EQ(outcome.result.stop, HarStop::Complete);
  EXPECT_EQ(outcome.events, (std::vector<std::string>{"entry wss://x/ws", "message 0 0 wss://x/ws receive 2 AQID"}));
}

TEST(HarReader, WebSocketMessages_WithoutAMessageCallbackAreSkipped) {
  const auto outcome = readText("socket-plain.har", chromeHar({kSocketEntry, kChromeEntryTwo}));
  EXPECT_EQ(outcome.result.stop, HarStop::Complete);
  ASSERT_EQ(outcome.entries.size(), 2u);
  EXPECT_EQ(outcome.entries[0].url, "wss://film.example/socket.io/?EIO=4&transport=websocket");
}

TEST(HarReader, WebSocketMessages_CutInsideTheSocketEntry_NoMessagesDelivered) {
  std::vector<std::size_t> ends;
  const std::string har = chromeHar({kChromeEntryOne, kSocketEntry}, &ends);
  const std::size_t inMessages = ends[0] + 200;  // inside the second entry's messages
  const auto outcome = readWithMessages("socket-cut.har", har.substr(0, inMessages));
  EXPECT_EQ(outcome.result.stop, HarStop::Truncated);
  ASSERT_EQ(outcome.events.size(), 1u);
  EXPECT_EQ(outcome.events[0].rfind("entry https://pacs.example/", 0), 0u);
}

TEST(HarReader, WebSocketMessages_ManyLargeMessagesOneAtATime) {
  // 40 messages of 1.5 MiB each, across the reader's 1 MiB blocks: each arrives whole, the next block reads resume
  // where the main reader stopped.
  std::string messages;
  for (int i = 0; i < 40; ++i) {
    if (i) messages += ",";
    messages += R"({"type":"receive","opcode":2,"data":")" + std::string(3 << 19, static_cast<char>('A' + i % 26)) + "\"}";
  }
  const std::string entry = R"({"_webSocketMessages":[)" + messages + R"(],"request":{"url":"wss://x/big"}})";
  std::size_t count = 0;
  bool allWhole = true;
  const auto result = readHar(
      writeFile("socket-big.har", chromeHar({entry, kChromeEntryOne})), [&](HarEntry&) {},
      [&](HarWebSocketMessage& message) {
        allWhole = allWhole && message.data == std::string(3 << 19, static_cast<char>('A' + count % 26)) &&
                   message.url == "wss://x/big";
        ++count;
      });
  EXPECT_EQ(result.stop, HarStop::Complete) << result.message;
  EXPECT_EQ(result.entries, 2u);
  EXPECT_EQ(count, 40u);
  EXPECT_TRUE(allWhole);
}
