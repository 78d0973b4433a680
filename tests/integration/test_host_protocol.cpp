// The real cloudfilm-host, spoken to through pipes as a browser would.
#include <set>
#include <thread>

#include "host_process.h"
#include "part10_writer.h"
#include "zip_maker.h"

using namespace cftest;

namespace {

json hello(HostProcess& host) {
  return host.request({{"type", "hello"}, {"id", "h"}, {"protocol", 1}, {"extension", "0.1.0"}});
}

// The host still answers: what every malformed case must leave behind.
void expectStillServing(HostProcess& host) {
  const json reply = hello(host);
  EXPECT_EQ(reply["type"], "hello-result") << reply.dump();
}

std::size_t countStagedInstances(const json& list) {
  std::size_t total = 0;
  for (const auto& patient : list["patients"])
    for (const auto& study : patient["studies"])
      for (const auto& series : study["series"]) total += series["instances"].get<std::size_t>();
  return total;
}

std::size_t partFilesUnder(const fs::path& folder) {
  std::size_t count = 0;
  for (const auto& entry : fs::recursive_directory_iterator(folder))
    if (entry.path().extension() == ".part") ++count;
  return count;
}

}  // namespace

TEST(HostProtocol, HelloAnswersWithLimitsAndOutputFolder) {
  Sandbox sandbox;
  HostProcess host(sandbox);
  const json reply = hello(host);
  EXPECT_EQ(reply["id"], "h");
  EXPECT_EQ(reply["protocol"], 1);
  EXPECT_EQ(reply["outputFolder"], sandbox.outputDir().string());
  EXPECT_EQ(reply["maxChunkBytes"], 4194304);
  EXPECT_GT(reply["freeBytes"].get<std::uint64_t>(), 0u);
  const auto capabilities = reply["capabilities"].get<std::set<std::string>>();
  for (const char* needed : {"part10", "save", "open-folder", "forget", "settings", "chunk-ack", "body-abort"})
    EXPECT_TRUE(capabilities.count(needed)) << needed;
  host.closeInput();
  ASSERT_TRUE(host.waitExit(std::chrono::seconds(10)));
  EXPECT_EQ(host.exitCode(), 0);
  // Nothing but frames on stdout; the log is where the host talks.
  EXPECT_FALSE(host.receive(std::chrono::milliseconds(100)));
  EXPECT_NE(readFile(sandbox.logFile()).find("started by Chromium"), std::string::npos);
}

TEST(HostProtocol, FirefoxArgumentsAreAccepted) {
  Sandbox sandbox;
  HostProcess host(sandbox, {"/home/me/.mozilla/native-messaging-hosts/app.cloudfilm.host.json",
                             cloudfilm::host::kGeckoExtensionId});
  EXPECT_EQ(hello(host)["type"], "hello-result");
}

TEST(HostProtocol, OtherCallersAreRefused) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{}, {"chrome-extension://aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/"},
        {"/manifest.json", "someone-else@example.org"}}) {
    Sandbox sandbox;
    HostProcess host(sandbox, args);
    ASSERT_TRUE(host.waitExit(std::chrono::seconds(10)));
    EXPECT_EQ(host.exitCode(), 3);
    EXPECT_FALSE(host.receive(std::chrono::milliseconds(100)));
    EXPECT_NE(readFile(sandbox.logFile()).find("refusing"), std::string::npos);
  }
}

TEST(HostProtocol, MissingDicomDictionaryStopsTheHostWithAMessage) {
  Sandbox sandbox;
  HostProcess host(sandbox, {chromiumOrigin()}, true, {{"DCMDICTPATH", "/nonexistent/dicom.dic"}});
  ASSERT_TRUE(host.waitExit(std::chrono::seconds(10)));
  EXPECT_EQ(host.exitCode(), 4);
  EXPECT_FALSE(host.receive(std::chrono::milliseconds(100)));
  EXPECT_NE(readFile(sandbox.logFile()).find("dictionary"), std::string::npos);
  EXPECT_NE(readFile(sandbox.root() / "stderr.txt").find("dictionary"), std::string::npos);
}

TEST(HostProtocol, HappyPathBrainSeriesIsSavedByteIdentical) {
  Sandbox sandbox;
  HostProcess host(sandbox);
  hello(host);
  std::set<std::string> originals;
  int n = 0;
  for (const fs::path& file : brainSeries()) {
    const std::string bytes = readFile(file);
    ASSERT_FALSE(bytes.empty()) << file << " (run tests/data/fetch.sh)";
    originals.insert(cloudfilm::sha256Hex(bytes));
    // Odd chunk sizes: base64 padding inside every chunk, chunks split anywhere in the file.
    const json reply = streamBody(host, "brain-" + std::to_string(++n), bytes, 10000 + 7 * n);
    ASSERT_EQ(reply["objects"].size(), 1u) << reply.dump();
    EXPECT_EQ(reply["objects"][0]["outcome"], "stored") << reply.dump();
    EXPECT_EQ(reply["bytes"], bytes.size());
    EXPECT_EQ(reply["objects"][0]["modality"], "MR");
  }
  const json list = host.request({{"type", "list"}, {"id", 2}, {"page", 0}});
  ASSERT_EQ(list["type"], "list-result") << list.dump();
  EXPECT_EQ(list["pages"], 1);
  ASSERT_EQ(list["patients"].size(), 1u);
  const json series = list["patients"][0]["studies"][0]["series"][0];
  EXPECT_EQ(series["instances"], 20);
  EXPECT_EQ(series["modality"], "MR");

  // The same bytes again: recognised as duplicates, nothing new kept.
  const json again = streamBody(host, "again", readFile(brainSeries()[0]), 1 << 20);
  EXPECT_EQ(again["objects"][0]["outcome"], "duplicate");

  const json saved = host.request({{"type", "save"}, {"id", 3}});
  ASSERT_EQ(saved["type"], "save-result") << saved.dump();
  EXPECT_EQ(saved["written"], 20);
  EXPECT_EQ(saved["outputFolder"], sandbox.outputDir().string());
  ASSERT_EQ(saved["series"].size(), 1u);
  EXPECT_EQ(saved["series"][0]["instances"], 20);
  const fs::path seriesFolder = saved["series"][0]["folder"].get<std::string>();
  EXPECT_TRUE(fs::is_directory(seriesFolder));

  const auto savedFiles = dicomFilesByDigest(sandbox.outputDir());
  std::set<std::string> savedDigests;
  for (const auto& [digest, path] : savedFiles) {
    savedDigests.insert(digest);
    EXPECT_EQ(path.parent_path(), seriesFolder);
  }
  EXPECT_EQ(savedDigests, originals);  // byte-identical, every one

  // Saving twice writes nothing new.
  const json twice = host.request({{"type", "save"}, {"id", 4}, {"series", {series["seriesInstanceUid"]}}});
  EXPECT_EQ(twice["written"], 0);
  EXPECT_EQ(twice["duplicates"], 20);

  const json opened = host.request({{"type", "open-folder"}, {"id", 5}, {"path", seriesFolder.string()}});
  EXPECT_EQ(opened["type"], "open-folder-result") << opened.dump();
  for (int i = 0; i < 200 && !fs::exists(sandbox.openedLog()); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(readFile(sandbox.openedLog()), seriesFolder.string() + "\n");

  const json forgotten = host.request({{"type", "forget"}, {"id", 6}});
  EXPECT_EQ(forgotten["forgotten"], 20);
  EXPECT_EQ(countStagedInstances(host.request({{"type", "list"}, {"id", 7}})), 0u);
  EXPECT_EQ(dicomFilesByDigest(sandbox.outputDir()).size(), 20u);  // forget never touches what was saved
}

TEST(HostProtocol, ChunkAcknowledgementsAndAbort) {
  Sandbox sandbox;
  HostProcess host(sandbox);
  host.request({{"type", "body-begin"}, {"id", 1}, {"body", "b"}, {"mimeType", "application/dicom"}});
  const json ack = host.request(
      {{"type", "body-chunk"}, {"id", 2}, {"body", "b"}, {"seq", 0}, {"data", cloudfilm::encodeBase64("abc")}});
  EXPECT_EQ(ack["type"], "body-chunk-result");
  EXPECT_EQ(ack["seq"], 0);
  EXPECT_EQ(ack["body"], "b");
  const json aborted = host.request({{"type", "body-abort"}, {"id", 3}, {"body", "b"}});
  EXPECT_EQ(aborted["type"], "body-abort-result");
  EXPECT_EQ(host.request({{"type", "body-end"}, {"id", 4}, {"body", "b"}})["code"], 6);
  EXPECT_EQ(partFilesUnder(sandbox.dataDir()), 0u);
}

TEST(HostProtocol, InterleavedBodiesAreEachFiledWhole) {
  Sandbox sandbox;
  HostProcess host(sandbox);
  const auto files = brainSeries();
  std::vector<std::string> bodies;
  for (int i = 0; i < 4; ++i) bodies.push_back(readFile(files[static_cast<std::size_t>(i)]));
  for (int i = 0; i < 4; ++i) {
    host.send({{"type", "body-begin"}, {"id", i}, {"body", "i" + std::to_string(i)},
               {"mimeType", "application/dicom"}, {"totalBytes", bodies[static_cast<std::size_t>(i)].size()}});
    host.expect("body-begin-result");
  }
  const std::size_t chunk = 8191;
  std::vector<std::size_t> offsets(4, 0);
  std::vector<std::int64_t> seqs(4, 0);
  for (bool more = true; more;) {
    more = false;
    for (std::size_t i = 0; i < 4; ++i) {
      if (offsets[i] >= bodies[i].size()) continue;
      const auto piece = std::string_view(bodies[i]).substr(offsets[i], chunk);
      offsets[i] += piece.size();
      host.send({{"type", "body-chunk"}, {"body", "i" + std::to_string(i)}, {"seq", seqs[i]++},
                 {"data", cloudfilm::encodeBase64(piece)}});
      more = true;
    }
  }
  for (int i = 3; i >= 0; --i) {  // ended in another order than begun
    host.send({{"type", "body-end"}, {"id", 10 + i}, {"body", "i" + std::to_string(i)},
               {"sha256", cloudfilm::sha256Hex(bodies[static_cast<std::size_t>(i)])}});
    const json reply = host.expect("body-end-result");
    EXPECT_EQ(reply["id"], 10 + i);
    EXPECT_EQ(reply["objects"][0]["outcome"], "stored") << reply.dump();
  }
  host.request({{"type", "save"}, {"id", 20}});
  std::set<std::string> expected, saved;
  for (const auto& body : bodies) expected.insert(cloudfilm::sha256Hex(body));
  for (const auto& [digest, path] : dicomFilesByDigest(sandbox.outputDir())) saved.insert(digest);
  EXPECT_EQ(saved, expected);
}

TEST(HostProtocol, HundredMegabyteBodyInChunksKeepsMemorySmall) {
  Sandbox sandbox;
  const fs::path big = sandbox.root() / "big.dcm";
  const std::uint64_t size = Part10Writer::write(big, {});
  ASSERT_GT(size, 100u * 1000u * 1000u);
  HostProcess host(sandbox);
  hello(host);
  host.send({{"type", "body-begin"}, {"id", 1}, {"body", "big"}, {"mimeType", "application/dicom"},
             {"totalBytes", size}});
  host.expect("body-begin-result");
  std::ifstream in(big, std::ios::binary);
  std::string piece(4u << 20, '\0');
  cloudfilm::Sha256 sha;
  std::int64_t seq = 0;
  while (in) {
    in.read(piece.data(), static_cast<std::streamsize>(piece.size()));
    const auto got = static_cast<std::size_t>(in.gcount());
    if (got == 0) break;
    const std::string_view view(piece.data(), got);
    sha.update(view);
    host.send({{"type", "body-chunk"}, {"body", "big"}, {"seq", seq++}, {"data", cloudfilm::encodeBase64(view)}});
  }
  const std::string digest = sha.finishHex();
  host.send({{"type", "body-end"}, {"id", 2}, {"body", "big"}, {"sha256", digest}});
  const json reply = host.expect("body-end-result");
  EXPECT_EQ(reply["bytes"], size);
  EXPECT_EQ(reply["objects"][0]["outcome"], "stored") << reply.dump();
  const std::uint64_t peak = host.peakRssBytes();
  RecordProperty("host_peak_rss_bytes", std::to_string(peak));
  EXPECT_LT(peak, 64u * 1024u * 1024u) << "VmHWM " << peak;

  const json saved = host.request({{"type", "save"}, {"id", 3}});
  EXPECT_EQ(saved["written"], 1);
  const auto files = dicomFilesByDigest(sandbox.outputDir());
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files.begin()->first, digest);
  EXPECT_LT(host.peakRssBytes(), 64u * 1024u * 1024u);
}

// ---- malformed input: each case has its own code, and the host goes on serving ----------------------------------

class HostMalformed : public ::testing::Test {
 protected:
  Sandbox sandbox;
  HostProcess host{sandbox};

  json expectError(int code) {
    const json reply = host.expect("error");
    EXPECT_EQ(reply["code"], code) << reply.dump();
    return reply;
  }
  void begin(const std::string& id, std::optional<std::uint64_t> total = std::nullopt) {
    json message = {{"type", "body-begin"}, {"id", "begin"}, {"body", id}, {"mimeType", "application/dicom"}};
    if (total) message["totalBytes"] = *total;
    host.send(message);
    host.expect("body-begin-result");
  }
  void chunk(const std::string& id, std::int64_t seq, const std::string& data) {
    host.send({{"type", "body-chunk"}, {"body", id}, {"seq", seq}, {"data", cloudfilm::encodeBase64(data)}});
  }
};

TEST_F(HostMalformed, BadJson) {
  host.sendRaw(cloudfilm::protocol::encodeFrame(R"({"type":"hello",)"));
  expectError(3);
  host.sendRaw(cloudfilm::protocol::encodeFrame("[1,2,3]"));
  expectError(3);
  host.sendRaw(cloudfilm::protocol::encodeFrame("\xff\xfe"));
  expectError(3);
  expectStillServing(host);
}

TEST_F(HostMalformed, UnknownOrMissingType) {
  host.send({{"type", "launch-missiles"}, {"id", 9}});
  EXPECT_EQ(expectError(4)["id"], 9);
  host.send({{"id", 10}});
  expectError(4);
  host.send({{"type", 42}});
  expectError(4);
  expectStillServing(host);
}

TEST_F(HostMalformed, BadRequestFields) {
  host.send({{"type", "body-begin"}, {"id", 1}, {"body", "../../etc"}});
  expectError(5);
  host.send({{"type", "body-begin"}, {"id", 1}});
  expectError(5);
  host.send({{"type", "list"}, {"id", 1}, {"page", "zero"}});
  expectError(5);
  host.send({{"type", "list"}, {"id", 1}, {"page", 99}});
  expectError(5);
  host.send({{"type", "save"}, {"id", 1}, {"series", "1.2.3"}});
  expectError(5);
  expectStillServing(host);
}

TEST_F(HostMalformed, BadBase64DropsTheBody) {
  begin("b");
  host.send({{"type", "body-chunk"}, {"body", "b"}, {"seq", 0}, {"data", "@@@not base64@@@"}});
  EXPECT_EQ(expectError(9)["body"], "b");
  host.send({{"type", "body-end"}, {"id", 2}, {"body", "b"}});
  expectError(6);  // dropped
  EXPECT_EQ(partFilesUnder(sandbox.dataDir()), 0u);
  expectStillServing(host);
}

TEST_F(HostMalformed, WrongDigestDropsTheBody) {
  const std::string bytes = readFile(brainSeries()[0]);
  begin("b");
  chunk("b", 0, bytes);
  host.send({{"type", "body-end"}, {"id", 2}, {"body", "b"}, {"sha256", std::string(64, '0')}});
  EXPECT_EQ(expectError(10)["body"], "b");
  EXPECT_EQ(countStagedInstances(host.request({{"type", "list"}, {"id", 3}})), 0u);
  EXPECT_EQ(partFilesUnder(sandbox.dataDir()), 0u);
  expectStillServing(host);
}

TEST_F(HostMalformed, UnknownBody) {
  chunk("never-begun", 0, "abc");
  EXPECT_EQ(expectError(6)["body"], "never-begun");
  host.send({{"type", "body-end"}, {"id", 2}, {"body", "never-begun"}});
  expectError(6);
  expectStillServing(host);
}

TEST_F(HostMalformed, ChunkOutOfOrderDropsTheBody) {
  begin("b");
  chunk("b", 0, "abc");
  chunk("b", 2, "def");
  EXPECT_EQ(expectError(8)["body"], "b");
  chunk("b", 1, "ghi");
  expectError(6);
  expectStillServing(host);
}

TEST_F(HostMalformed, BodyGrowingPastItsAnnouncedSize) {
  begin("b", 4);
  chunk("b", 0, "abcdef");
  EXPECT_EQ(expectError(11)["body"], "b");
  expectStillServing(host);
}

TEST_F(HostMalformed, DuplicateAndTooManyBodies) {
  begin("b0");
  host.send({{"type", "body-begin"}, {"id", 1}, {"body", "b0"}});
  EXPECT_EQ(expectError(14)["body"], "b0");
  chunk("b0", 0, "still open");  // the first one is unharmed
  for (int i = 1; i < 8; ++i) begin("b" + std::to_string(i));
  host.send({{"type", "body-begin"}, {"id", 2}, {"body", "b8"}});
  expectError(15);
  expectStillServing(host);
}

TEST_F(HostMalformed, HugeIdDoesNotBreakTheChannel) {
  host.send({{"type", "get-settings"}, {"id", std::string(2u << 20, 'x')}});
  const json reply = expectError(1);
  EXPECT_TRUE(reply["id"].is_null());
  expectStillServing(host);
}

TEST_F(HostMalformed, ProtocolTooNew) {
  host.send({{"type", "hello"}, {"id", 1}, {"protocol", 2}});
  expectError(7);
  expectStillServing(host);
}

TEST_F(HostMalformed, OutputFolderAndPathChecks) {
  host.send({{"type", "set-settings"}, {"id", 1}, {"outputFolder", "relative/folder"}});
  expectError(13);
  host.send({{"type", "set-settings"}, {"id", 1}, {"outputFolder", "/proc/cannot-create-here"}});
  expectError(13);
  host.send({{"type", "open-folder"}, {"id", 2}, {"path", "/etc"}});
  expectError(16);
  host.send({{"type", "open-folder"}, {"id", 3}, {"path", (sandbox.outputDir() / ".." / "data").string()}});
  expectError(16);
  expectStillServing(host);
}

TEST(HostProtocolFatal, FrameOverTheCapIsRefusedAndTheHostExits) {
  Sandbox sandbox;
  HostProcess host(sandbox);
  std::string prefix(4, '\0');
  cloudfilm::protocol::encodeLengthPrefix(64u * 1024u * 1024u + 1u, reinterpret_cast<unsigned char*>(prefix.data()));
  host.sendRaw(prefix);  // no payload: the host must not wait for (or allocate) 64 MiB
  const json reply = host.expect("error", std::chrono::seconds(10));
  EXPECT_EQ(reply["code"], 2);
  ASSERT_TRUE(host.waitExit(std::chrono::seconds(10)));
  EXPECT_EQ(host.exitCode(), 2);
}

TEST(HostProtocolFatal, TruncatedFrameIsReportedAndTheHostExits) {
  Sandbox sandbox;
  HostProcess host(sandbox);
  host.sendRaw(cloudfilm::protocol::encodeFrame(R"({"type":"hello","id":1})").substr(0, 10));
  host.closeInput();
  const json reply = host.expect("error", std::chrono::seconds(10));
  EXPECT_EQ(reply["code"], 17);
  ASSERT_TRUE(host.waitExit(std::chrono::seconds(10)));
  EXPECT_EQ(host.exitCode(), 5);
}

// ---- staging survives the host ----------------------------------------------------------------------------------

// ---- DICOMweb: metadata + frames, as a cornerstone `wadors` viewer fetches them ---------------------------------

namespace {

constexpr const char* kWebStudy = "1.2.826.0.1.3680043.10.543.7";
constexpr const char* kWebSeries = "1.2.826.0.1.3680043.10.543.7.2";

std::string webBase() { return std::string("https://pacs.example/dicom-web/studies/") + kWebStudy + "/series/" + kWebSeries; }

json webInstance(const std::string& sop, int number) {
  return {{"00080016", {{"vr", "UI"}, {"Value", {"1.2.840.10008.5.1.4.1.1.2"}}}},
          {"00080018", {{"vr", "UI"}, {"Value", {sop}}}},
          {"00080020", {{"vr", "DA"}, {"Value", {"20260302"}}}},
          {"00080060", {{"vr", "CS"}, {"Value", {"CT"}}}},
          {"0008103E", {{"vr", "LO"}, {"Value", {"胸部平扫"}}}},
          {"00100010", {{"vr", "PN"}, {"Value", {{{"Alphabetic", "WANG^XIAOMING"}, {"Ideographic", "王^小明"}}}}}},
          {"00100020", {{"vr", "LO"}, {"Value", {"P1"}}}},
          {"0020000D", {{"vr", "UI"}, {"Value", {kWebStudy}}}},
          {"0020000E", {{"vr", "UI"}, {"Value", {kWebSeries}}}},
          {"00200011", {{"vr", "IS"}, {"Value", {2}}}},
          {"00200013", {{"vr", "IS"}, {"Value", {number}}}},
          {"00280002", {{"vr", "US"}, {"Value", {1}}}},
          {"00280004", {{"vr", "CS"}, {"Value", {"MONOCHROME2"}}}},
          {"00280010", {{"vr", "US"}, {"Value", {4}}}},
          {"00280011", {{"vr", "US"}, {"Value", {4}}}},
          {"00280100", {{"vr", "US"}, {"Value", {16}}}},
          {"00280101", {{"vr", "US"}, {"Value", {16}}}},
          {"00280102", {{"vr", "US"}, {"Value", {15}}}},
          {"00280103", {{"vr", "US"}, {"Value", {0}}}},
          {"7FE00010", {{"vr", "OW"}, {"BulkDataURI", "http://orthanc.internal:8042/dicom-web/studies/" +
                                                        std::string(kWebStudy) + "/series/" + kWebSeries +
                                                        "/instances/" + sop + "/frames/1"}}}};
}

json sendFrame(HostProcess& host, const std::string& sop, char fill) {
  const std::string body = "--F\r\nContent-Type: application/octet-stream; transfer-syntax=1.2.840.10008.1.2.1\r\n\r\n" +
                           std::string(32, fill) + "\r\n--F--\r\n";
  return streamBody(host, "frames-" + sop, body, 4096, "multipart/related; type=\"application/octet-stream\"; boundary=F",
                    webBase() + "/instances/" + sop + "/frames/1");
}

const json* onlySeries(const json& list) {
  if (list["patients"].size() != 1 || list["patients"][0]["studies"].size() != 1 ||
      list["patients"][0]["studies"][0]["series"].size() != 1)
    return nullptr;
  return &list["patients"][0]["studies"][0]["series"][0];
}

}  // namespace

TEST(HostDicomweb, SeriesWaitingForFramesIsListedThenRebuiltFileByFile) {
  Sandbox sandbox;
  const std::string first = std::string(kWebSeries) + ".1", second = std::string(kWebSeries) + ".2";
  {
    HostProcess host(sandbox);
    hello(host);
    const json metadata = streamBody(host, "metadata", json::array({webInstance(first, 1), webInstance(second, 2)}).dump(),
                                     4096, "application/dicom+json", webBase() + "/metadata");
    ASSERT_EQ(metadata["objects"].size(), 1u) << metadata.dump();
    EXPECT_EQ(metadata["objects"][0]["outcome"], "kept-for-reconstruction");

    // Nothing rebuilt yet: the list names the series the person still has to scroll through.
    json list = host.request({{"type", "list"}, {"id", 1}});
    EXPECT_EQ(countStagedInstances(list), 0u);
    ASSERT_EQ(list["awaiting"].size(), 1u) << list.dump();
    const json& waiting = list["awaiting"][0];
    EXPECT_EQ(waiting["seriesInstanceUid"], kWebSeries);
    EXPECT_EQ(waiting["studyInstanceUid"], kWebStudy);
    EXPECT_EQ(waiting["instances"], 2);
    EXPECT_EQ(waiting["seriesDescription"], "胸部平扫");
    EXPECT_EQ(waiting["seriesNumber"], 2);
    EXPECT_EQ(waiting["modality"], "CT");
    EXPECT_EQ(waiting["patientName"], "WANG^XIAOMING=王^小明");
    EXPECT_NE(waiting["reason"].get<std::string>().find("frames 1 of 1 missing"), std::string::npos) << waiting.dump();

    // The first image's frame: that instance is rebuilt, and said to be.
    const json framed = sendFrame(host, first, '\x01');
    bool rebuiltReported = false;
    for (const auto& object : framed["objects"])
      if (object.value("sopInstanceUid", "") == first && object.value("rebuilt", false) && object["outcome"] == "stored")
        rebuiltReported = true;
    EXPECT_TRUE(rebuiltReported) << framed.dump();
    list = host.request({{"type", "list"}, {"id", 2}});
    const json* series = onlySeries(list);
    ASSERT_NE(series, nullptr) << list.dump();
    EXPECT_EQ((*series)["instances"], 1);
    EXPECT_EQ((*series)["rebuilt"], 1);
    ASSERT_EQ(list["awaiting"].size(), 1u) << list.dump();
    EXPECT_EQ(list["awaiting"][0]["instances"], 1);
    host.closeInput();
    ASSERT_TRUE(host.waitExit(std::chrono::seconds(10)));
  }
  {
    // A new host (browser restarted) knows at once what is still waiting, from the pieces kept on disk.
    HostProcess host(sandbox);
    hello(host);
    json list = host.request({{"type", "list"}, {"id", 3}});
    ASSERT_EQ(list["awaiting"].size(), 1u) << list.dump();
    EXPECT_EQ(list["awaiting"][0]["instances"], 1);
    sendFrame(host, second, '\x02');
    list = host.request({{"type", "list"}, {"id", 4}});
    const json* series = onlySeries(list);
    ASSERT_NE(series, nullptr) << list.dump();
    EXPECT_EQ((*series)["instances"], 2);
    EXPECT_EQ((*series)["rebuilt"], 2);
    EXPECT_FALSE(list.contains("awaiting")) << list.dump();

    // Metadata for a third image, then its original file (as a viewer that also fetches files would): no longer
    // awaited, and the original is what is kept.
    const std::string third = std::string(kWebSeries) + ".3";
    streamBody(host, "metadata-3", json::array({webInstance(third, 3)}).dump(), 4096, "application/dicom+json",
               webBase() + "/metadata");
    ASSERT_EQ(host.request({{"type", "list"}, {"id", 6}})["awaiting"].size(), 1u);
    Part10Writer::Spec spec;
    spec.studyUid = kWebStudy;
    spec.seriesUid = kWebSeries;
    spec.sopUid = third;
    spec.instanceNumber = 3;
    spec.rows = spec.columns = 4;
    spec.frames = 1;
    const fs::path originalFile = sandbox.root() / "third.dcm";
    Part10Writer::write(originalFile, spec);
    const json original = streamBody(host, "original-3", readFile(originalFile), 4096);
    EXPECT_EQ(original["objects"][0]["outcome"], "stored") << original.dump();
    list = host.request({{"type", "list"}, {"id", 7}});
    EXPECT_FALSE(list.contains("awaiting")) << list.dump();

    const json saved = host.request({{"type", "save"}, {"id", 5}});
    EXPECT_EQ(saved["written"], 3) << saved.dump();
    const auto files = dicomFilesByDigest(sandbox.outputDir());
    ASSERT_EQ(files.size(), 3u);
    EXPECT_TRUE(files.count(cloudfilm::sha256Hex(readFile(originalFile)))) << "the original, byte for byte";
    for (const auto& [digest, path] : files) {
      const std::string bytes = readFile(path);
      EXPECT_EQ(bytes.substr(128, 4), "DICM") << path;
    }
  }
}

TEST(HostStaging, KilledMidBodyNothingHalfFiledFinishedBodiesStillListed) {
  Sandbox sandbox;
  const auto files = brainSeries();
  {
    HostProcess host(sandbox);
    for (int i = 0; i < 3; ++i) {
      const json reply = streamBody(host, "done" + std::to_string(i), readFile(files[static_cast<std::size_t>(i)]),
                                    50000);
      ASSERT_EQ(reply["objects"][0]["outcome"], "stored");
    }
    const std::string half = readFile(files[3]);
    host.send({{"type", "body-begin"}, {"id", 1}, {"body", "half"}, {"mimeType", "application/dicom"}});
    host.expect("body-begin-result");
    host.send({{"type", "body-chunk"}, {"body", "half"}, {"seq", 0},
               {"data", cloudfilm::encodeBase64(std::string_view(half).substr(0, half.size() / 2))}});
    // Let the chunk reach the disk, then pull the plug.
    host.request({{"type", "get-settings"}, {"id", 2}});
    EXPECT_EQ(partFilesUnder(sandbox.dataDir()), 1u);
    host.kill();
  }
  HostProcess again(sandbox);
  const json list = again.request({{"type", "list"}, {"id", 1}});
  EXPECT_EQ(countStagedInstances(list), 3u) << list.dump();
  EXPECT_EQ(partFilesUnder(sandbox.dataDir()), 0u);  // the dead host's unfinished body is gone
  const json saved = again.request({{"type", "save"}, {"id", 2}});
  EXPECT_EQ(saved["written"], 3);
  EXPECT_EQ(dicomFilesByDigest(sandbox.outputDir()).size(), 3u);
}

TEST(HostStaging, ClosedPortDiscardsUnfinishedBodies) {
  Sandbox sandbox;
  {
    HostProcess host(sandbox);
    host.request({{"type", "body-begin"}, {"id", 1}, {"body", "b"}, {"mimeType", "application/dicom"}});
    host.send({{"type", "body-chunk"}, {"body", "b"}, {"seq", 0}, {"data", cloudfilm::encodeBase64("DICM")}});
    host.closeInput();
    ASSERT_TRUE(host.waitExit(std::chrono::seconds(10)));
    EXPECT_EQ(host.exitCode(), 0);
  }
  EXPECT_EQ(partFilesUnder(sandbox.dataDir()), 0u);
}

TEST(HostStaging, TwoHostsAtOnceShareTheDataFolder) {
  Sandbox sandbox;
  const auto files = brainSeries();
  HostProcess first(sandbox);
  HostProcess second(sandbox, {"/manifest.json", cloudfilm::host::kGeckoExtensionId});
  std::thread other([&] {
    for (std::size_t i = 10; i < 20; ++i) {
      const json reply = streamBody(second, "s" + std::to_string(i), readFile(files[i]), 30000);
      EXPECT_EQ(reply["objects"][0]["outcome"], "stored") << reply.dump();
    }
  });
  for (std::size_t i = 0; i < 10; ++i) {
    const json reply = streamBody(first, "f" + std::to_string(i), readFile(files[i]), 30000);
    EXPECT_EQ(reply["objects"][0]["outcome"], "stored") << reply.dump();
  }
  other.join();
  // Each sees the other's captures.
  EXPECT_EQ(countStagedInstances(first.request({{"type", "list"}, {"id", 1}})), 20u);
  EXPECT_EQ(countStagedInstances(second.request({{"type", "list"}, {"id", 1}})), 20u);
  const json saved = second.request({{"type", "save"}, {"id", 2}});
  EXPECT_EQ(saved["written"], 20);
  const json savedAgain = first.request({{"type", "save"}, {"id", 2}});
  EXPECT_EQ(savedAgain["written"], 0);
  EXPECT_EQ(dicomFilesByDigest(sandbox.outputDir()).size(), 20u);
}

// ---- settings ---------------------------------------------------------------------------------------------------

TEST(HostSettings, DefaultIsTheDesktopsDownloadsFolderAndSettingsPersist) {
  Sandbox sandbox;
  std::ofstream(sandbox.configDir() / "user-dirs.dirs") << "XDG_DOWNLOAD_DIR=\"$HOME/下载\"\n";
  {
    HostProcess host(sandbox, {chromiumOrigin()}, /*outputOverride=*/false);
    EXPECT_EQ(hello(host)["outputFolder"], (sandbox.home() / "下载" / "CloudFilm").string());
    const fs::path chosen = sandbox.root() / "chosen folder";
    const json set = host.request({{"type", "set-settings"}, {"id", 1}, {"outputFolder", chosen.string()}});
    EXPECT_EQ(set["type"], "set-settings-result") << set.dump();
    EXPECT_EQ(set["outputFolder"], chosen.string());
    EXPECT_TRUE(fs::is_directory(chosen));
  }
  const auto settings = json::parse(readFile(sandbox.configDir() / "cloudfilm" / "settings.json"));
  EXPECT_EQ(settings["outputFolder"], (sandbox.root() / "chosen folder").string());
  {
    HostProcess host(sandbox, {chromiumOrigin()}, false);
    EXPECT_EQ(host.request({{"type", "get-settings"}, {"id", 1}})["outputFolder"],
              (sandbox.root() / "chosen folder").string());
  }
  HostProcess overridden(sandbox);  // the environment wins over the settings
  EXPECT_EQ(overridden.request({{"type", "get-settings"}, {"id", 1}})["outputFolder"], sandbox.outputDir().string());
}

// ---- framed fixtures (tests/fixtures) ---------------------------------------------------------------------------

TEST(HostFixtures, BodyStreamFixtureSmoke) {
  Sandbox sandbox;
  HostProcess host(sandbox);
  host.sendRaw(readFile(fs::path(CLOUDFILM_SOURCE_DIR) / "tests" / "fixtures" / "body-stream.bin"));
  host.expect("hello-result");
  host.expect("body-begin-result");
  const json end = host.expect("body-end-result");
  EXPECT_EQ(end["objects"][0]["outcome"], "not-dicom");
  const json list = host.expect("list-result");
  EXPECT_EQ(list["notDicom"], 1);
}

TEST(HostFixtures, MalformedFixturesGetTheirCodes) {
  const std::vector<std::pair<std::string, int>> cases = {
      {"bad-json.bin", 3}, {"not-an-object.bin", 3}, {"unknown-type.bin", 4},
      {"frame-too-large.bin", 2}, {"truncated-header.bin", 17}, {"truncated-payload.bin", 17}};
  for (const auto& [name, code] : cases) {
    Sandbox sandbox;
    HostProcess host(sandbox);
    host.sendRaw(readFile(fs::path(CLOUDFILM_SOURCE_DIR) / "tests" / "fixtures" / name));
    host.closeInput();
    const json reply = host.expect("error", std::chrono::seconds(10));
    EXPECT_EQ(reply["code"], code) << name;
  }
}

// ---- ZIP bodies and transport prefixes (issue 13) ------------------------------------------------------------------

TEST(HostZipAndSocket, ZipBodyAndSocketIoPrefixedBody_FiledByteIdentical) {
  Sandbox sandbox;
  HostProcess host(sandbox);
  hello(host);
  const auto slices = brainSeries();
  ASSERT_GE(slices.size(), 3u);
  const std::string one = readFile(slices[0]), two = readFile(slices[1]), three = readFile(slices[2]);
  ASSERT_FALSE(one.empty()) << "run tests/data/fetch.sh";

  // A study ZIP, labelled as a download, streamed in odd chunks.
  const std::string zip = cloudfilm::test::makeZip({{"IMAGE/", "", false, false, true},
                                                    {"IMAGE/0001", one},
                                                    {"IMAGE/0002.dcm.pk", two},
                                                    {"Viewer.exe", "MZ not a DICOM file"}});
  const json zipped = streamBody(host, "zip", zip, 4099, "application/zip", "https://film.example/download.zip");
  ASSERT_EQ(zipped["type"], "body-end-result") << zipped.dump();
  ASSERT_EQ(zipped["objects"].size(), 3u) << zipped.dump();
  EXPECT_EQ(zipped["objects"][0]["outcome"], "stored") << zipped.dump();
  EXPECT_EQ(zipped["objects"][1]["outcome"], "stored") << zipped.dump();
  EXPECT_EQ(zipped["objects"][2]["outcome"], "not-dicom") << zipped.dump();
  EXPECT_EQ(zipped["objects"][2]["reason"].get<std::string>().rfind("ZIP entry \"Viewer.exe\": ", 0), 0u)
      << zipped.dump();
  EXPECT_EQ(zipped["objects"][0]["entry"], "IMAGE/0001") << zipped.dump();
  EXPECT_EQ(zipped["objects"][1]["entry"], "IMAGE/0002.dcm.pk") << zipped.dump();
  EXPECT_EQ(zipped["objects"][2]["entry"], "Viewer.exe") << zipped.dump();

  // A Socket.IO binary message: 0x04, then the file. No Content-Type, the socket's URL.
  const json socket = streamBody(host, "ws", std::string(1, '\x04') + three, 1 << 20, "",
                                 "wss://film.example/socket.io/?EIO=4&transport=websocket");
  ASSERT_EQ(socket["objects"].size(), 1u) << socket.dump();
  EXPECT_EQ(socket["objects"][0]["outcome"], "stored") << socket.dump();
  EXPECT_FALSE(socket["objects"][0].contains("entry")) << socket.dump();
  EXPECT_EQ(socket["bytes"], three.size() + 1);

  const json saved = host.request({{"type", "save"}, {"id", 3}});
  ASSERT_EQ(saved["type"], "save-result") << saved.dump();
  EXPECT_EQ(saved["written"], 3);
  std::set<std::string> savedDigests;
  for (const auto& [digest, path] : dicomFilesByDigest(sandbox.outputDir())) savedDigests.insert(digest);
  EXPECT_EQ(savedDigests, (std::set<std::string>{cloudfilm::sha256Hex(one), cloudfilm::sha256Hex(two),
                                                 cloudfilm::sha256Hex(three)}));
}

TEST(HostZipAndSocket, CutZipBody_WholeEntriesReadTheCutReported_HostServes) {
  Sandbox sandbox;
  HostProcess host(sandbox);
  hello(host);
  const std::string zip = cloudfilm::test::makeZip({{"a", std::string(5000, 'a')}, {"b", std::string(5000, 'b')}});
  // Cut inside its table of contents: both entries are whole (and not DICOM), the cut is reported once.
  const json reply = streamBody(host, "cut", zip.substr(0, zip.size() - 30), 1 << 20, "application/octet-stream");
  ASSERT_EQ(reply["objects"].size(), 3u) << reply.dump();
  EXPECT_EQ(reply["objects"][0]["outcome"], "not-dicom");
  EXPECT_EQ(reply["objects"][1]["outcome"], "not-dicom");
  EXPECT_EQ(reply["objects"][2]["outcome"], "rejected");
  EXPECT_NE(reply["objects"][2]["reason"].get<std::string>().find("cut off"), std::string::npos) << reply.dump();
  expectStillServing(host);
}
