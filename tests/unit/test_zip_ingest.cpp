// ZIP bodies and transport prefixes through the one filing path (body/zip_archive, body/recognize, ingest/ingestor),
// with real libzip archives made in the test, real DCMTK and a real store on disk; and a HAR holding both.
#include <gtest/gtest.h>

#include <set>

#include "body/recognize.h"
#include "body/zip_archive.h"
#include "dicom/dicom_file.h"
#include "ingest/import.h"
#include "ingest/ingestor.h"
#include "ingest/report.h"
#include "test_files.h"
#include "zip_maker.h"

namespace cloudfilm {
namespace {

using namespace cloudfilm::test;
using ingest::BodyMeta;
using ingest::Ingestor;
using ingest::ObjectResult;
using ingest::Outcome;

body::Recognition recognize(const std::string& bytes, const std::string& contentType = "") {
  return body::recognizeBody(body::parseContentType(contentType), "wss://site/socket.io/?EIO=4",
                             std::string_view(bytes).substr(0, body::kRecognitionHeadBytes), bytes.size());
}

SyntheticImage numbered(long n, const std::string& series) {
  SyntheticImage image;
  image.seriesInstanceUid = series;
  image.studyInstanceUid = "1.2.826.0.1.3680043.8.1055.1.99";
  image.instanceNumber = n;
  image.position = std::array<double, 3>{0, 0, static_cast<double>(n)};
  return image;
}

// ---- the transport prefix rule ------------------------------------------------------------------------------------

TEST(TransportPrefix, OneByteSocketIoPrefix_IsPart10BehindOneByte) {
  const auto r = recognize(socketIoMessage(makePart10(SyntheticImage{})));
  EXPECT_EQ(r.kind, body::BodyKind::Part10);
  EXPECT_EQ(r.prefixBytes, 1u);
}

TEST(TransportPrefix, SixteenBytes_IsTheLargestPrefixLookedBehind) {
  const auto r = recognize(std::string(16, '\x07') + makePart10(SyntheticImage{}), "application/octet-stream");
  EXPECT_EQ(r.kind, body::BodyKind::Part10);
  EXPECT_EQ(r.prefixBytes, 16u);
}

TEST(TransportPrefix, SeventeenBytes_IsNotTakenForAPart10File) {
  const auto r = recognize(std::string(17, '\x07') + makePart10(SyntheticImage{}), "application/octet-stream");
  EXPECT_NE(r.kind, body::BodyKind::Part10);
  EXPECT_EQ(r.prefixBytes, 0u);
}

TEST(TransportPrefix, NoPrefix_StaysZero) {
  const auto r = recognize(makePart10(SyntheticImage{}));
  EXPECT_EQ(r.kind, body::BodyKind::Part10);
  EXPECT_EQ(r.prefixBytes, 0u);
}

TEST(TransportPrefix, DicmWithoutAMetaGroupAfterIt_IsNotAPrefixedFile) {
  std::string bytes(600, '\x01');
  bytes.replace(129, 4, "DICM");  // four letters, then no (0002,xxxx) element
  EXPECT_NE(recognize(bytes).kind, body::BodyKind::Part10);
}

TEST(ZipRecognition, LocalHeaderOrEmptyArchive_IsZipWhateverTheContentType) {
  const std::string zip = makeZip({{"a.dcm", makePart10(SyntheticImage{})}});
  for (const char* type : {"", "application/zip", "application/octet-stream", "image/jpeg", "text/html"})
    EXPECT_EQ(recognize(zip, type).kind, body::BodyKind::Zip) << type;
  EXPECT_EQ(recognize(std::string("PK\x05\x06", 4) + std::string(18, '\0')).kind, body::BodyKind::Zip);
  EXPECT_STREQ(body::bodyKindName(body::BodyKind::Zip), "zip");
}

TEST(ZipEntryName, DisplayNameIsPrintableAndBounded) {
  EXPECT_EQ(body::zipEntryDisplayName("IMAGE/0001.dcm"), "IMAGE/0001.dcm");
  EXPECT_EQ(body::zipEntryDisplayName(std::string("a\0b\x01\x7f.dcm", 9)), "a?b??.dcm");
  EXPECT_EQ(body::zipEntryDisplayName("C:\\x\\y.dcm"), "C:/x/y.dcm");
  EXPECT_EQ(body::zipEntryDisplayName("胸部/1.dcm"), "胸部/1.dcm");
  EXPECT_EQ(body::zipEntryDisplayName("\xc4\xe3.dcm"), "??.dcm");  // GBK, not UTF-8
  EXPECT_EQ(body::zipEntryDisplayName(std::string(500, 'a')), std::string(160, 'a') + "...");
}

// ---- the ZIP reader's bounds, with small limits -------------------------------------------------------------------

class ZipArchiveTest : public ::testing::Test {
 protected:
  fs::path write(const std::string& name, const std::string& bytes) {
    const fs::path path = dir_ / name;
    writeFile(path, bytes);
    return path;
  }
  static std::string readAll(body::ZipArchive& archive, std::uint64_t index, body::ZipBudget& budget,
                             body::ZipReadResult& result) {
    std::string out;
    result = archive.read(index, budget, [&](std::string_view bytes) { out.append(bytes); });
    return out;
  }
  TempDir dir_;
};

TEST_F(ZipArchiveTest, EntriesReadBackWhole) {
  const std::string a = makePart10(SyntheticImage{}), b(3 << 20, 'b');
  body::ZipArchive archive(write("ok.zip", makeZip({{"IMAGE/", "", false, false, true}, {"IMAGE/a", a}, {"b", b}})));
  ASSERT_EQ(archive.status(), body::ZipOpenStatus::Opened) << archive.problem();
  ASSERT_EQ(archive.entryCount(), 3u);
  EXPECT_TRUE(archive.entry(0).directory);
  body::ZipBudget budget;
  body::ZipReadResult result;
  EXPECT_EQ(readAll(archive, 1, budget, result), a);
  EXPECT_EQ(result.status, body::ZipReadStatus::Read);
  EXPECT_EQ(readAll(archive, 2, budget, result), b);
  EXPECT_EQ(result.bytes, b.size());
  EXPECT_EQ(budget.inflated, a.size() + b.size());
}

TEST_F(ZipArchiveTest, EntryInflatingPastItsBound_StopsAtTheBound) {
  body::ZipLimits limits;
  limits.maxEntryBytes = 1 << 20;
  // The header says 3 MiB: refused before inflating.
  body::ZipArchive declared(write("big.zip", makeZip({{"big", std::string(3 << 20, 'x')}})), limits);
  body::ZipBudget budget;
  body::ZipReadResult result;
  EXPECT_TRUE(readAll(declared, 0, budget, result).empty());
  EXPECT_EQ(result.status, body::ZipReadStatus::TooLarge);
  EXPECT_EQ(budget.inflated, 0u);

  // The header lies (says 1000 bytes): the count made while inflating stops it just past the bound.
  std::string lying = makeZip({{"big", std::string(3 << 20, 'x')}});
  const std::string size = {'\x00', '\x00', '\x30', '\x00'};  // 3 MiB, little endian
  lying = replaceAll(lying, size, std::string("\xe8\x03\x00\x00", 4));
  body::ZipArchive archive(write("lying.zip", lying), limits);
  ASSERT_EQ(archive.status(), body::ZipOpenStatus::Opened) << archive.problem();
  EXPECT_EQ(archive.entry(0).declaredSize, 1000u);
  body::ZipBudget budget2;
  readAll(archive, 0, budget2, result);
  EXPECT_NE(result.status, body::ZipReadStatus::Read);  // TooLarge, or libzip's own size check first
  EXPECT_LE(result.bytes, limits.maxEntryBytes + 1);
}

TEST_F(ZipArchiveTest, RatioOverTheBound_IsRefusedAsABomb) {
  body::ZipLimits limits;
  limits.ratioCheckedAbove = 1 << 20;
  limits.maxRatio = 100;
  body::ZipArchive archive(write("bomb.zip", makeZip({{"zeros", std::string(8 << 20, '\0')}})), limits);
  body::ZipBudget budget;
  body::ZipReadResult result;
  readAll(archive, 0, budget, result);
  EXPECT_EQ(result.status, body::ZipReadStatus::TooCompressed);
  EXPECT_NE(result.reason.find("zip bomb"), std::string::npos) << result.reason;
  EXPECT_LE(result.bytes, (1u << 20) + (1u << 20));  // stopped within a block of the floor
}

TEST_F(ZipArchiveTest, TotalOverTheBound_StopsTheArchive) {
  body::ZipLimits limits;
  limits.maxTotalBytes = 5 << 20;
  std::vector<ZipItem> items;
  for (int i = 0; i < 4; ++i) items.push_back({"e" + std::to_string(i), std::string(2 << 20, static_cast<char>('a' + i))});
  body::ZipArchive archive(write("total.zip", makeZip(items)), limits);
  body::ZipBudget budget;
  body::ZipReadResult result;
  readAll(archive, 0, budget, result);
  EXPECT_EQ(result.status, body::ZipReadStatus::Read);
  readAll(archive, 1, budget, result);
  EXPECT_EQ(result.status, body::ZipReadStatus::Read);
  readAll(archive, 2, budget, result);
  EXPECT_EQ(result.status, body::ZipReadStatus::ArchiveTooLarge);
  EXPECT_LE(budget.inflated, limits.maxTotalBytes + 1);
}

// David Fifield's overlapping-entry bomb: every central directory record points at the same local entry, so each
// entry is modest on its own and only the whole archive shows the ratio.
TEST_F(ZipArchiveTest, OverlappingEntries_StoppedByTheArchiveRatio) {
  std::string data(2 << 20, '\0');
  std::uint32_t seed = 7;
  for (std::size_t i = 0; i < data.size(); i += 64) data[i] = static_cast<char>((seed = seed * 1103515245u + 12345u) >> 24);
  std::vector<ZipItem> items;
  for (int i = 0; i < 10; ++i) items.push_back({"e" + std::to_string(i), data});
  const std::string zip = makeZip(items);
  // Keep the first local entry only, then every central record pointing at it, then the end record moved to match.
  const std::string local("PK\x03\x04", 4), central("PK\x01\x02", 4), end("PK\x05\x06", 4);
  const std::string firstEntry = zip.substr(0, zip.find(local, 4));
  std::string directory = zip.substr(zip.find(central), zip.find(end) - zip.find(central));
  for (auto at = directory.find(central); at != std::string::npos; at = directory.find(central, at + 4))
    directory.replace(at + 42, 4, std::string(4, '\0'));  // relative offset of the local header: the first entry's
  std::string endRecord = zip.substr(zip.find(end));
  const auto offset = static_cast<std::uint32_t>(firstEntry.size());
  for (int i = 0; i < 4; ++i) endRecord[16 + i] = static_cast<char>(offset >> (8 * i));
  const fs::path path = write("overlap.zip", firstEntry + directory + endRecord);
  body::ZipLimits limits;
  limits.ratioCheckedAbove = 1 << 20;
  limits.maxRatio = 60;
  body::ZipArchive archive(path, limits);
  ASSERT_EQ(archive.status(), body::ZipOpenStatus::Opened) << archive.problem();
  body::ZipBudget budget;
  body::ZipReadResult result;
  std::uint64_t index = 0;
  for (; index < archive.entryCount(); ++index) {
    readAll(archive, index, budget, result);
    if (result.status != body::ZipReadStatus::Read) break;
  }
  EXPECT_EQ(result.status, body::ZipReadStatus::ArchiveTooLarge) << result.reason;
  EXPECT_GT(index, 0u) << "each entry alone is within the entry ratio";
  EXPECT_LT(index, 10u);
}

TEST_F(ZipArchiveTest, EntryCountOverTheBound_NotOpened) {
  body::ZipLimits limits;
  limits.maxEntries = 10;
  std::vector<ZipItem> items;
  for (int i = 0; i < 11; ++i) items.push_back({"e" + std::to_string(i), ""});
  body::ZipArchive archive(write("many.zip", makeZip(items)), limits);
  EXPECT_EQ(archive.status(), body::ZipOpenStatus::TooManyEntries);
  EXPECT_NE(archive.problem().find("11 entries"), std::string::npos) << archive.problem();
}

// ---- ZIP bodies through the Ingestor ------------------------------------------------------------------------------

class ZipIngest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dicom::initialize().has_value());
    quietDcmtk();
    store_.emplace(dir_.path() / "library");
    ingestor_.emplace(*store_);
  }
  // Nothing half-written stays in the work folder after any call, whatever the ZIP held.
  void TearDown() override { EXPECT_EQ(countEntries(store_->workDir()), 0u) << "work folder not empty"; }

  std::vector<ObjectResult> ingest(const std::string& bytes, const std::string& type = "application/zip") {
    BodyMeta meta;
    meta.url = "https://film.example/download/study.zip";
    meta.status = 200;
    meta.contentType = type;
    auto results = ingestor_->ingestBody(meta, bytes);
    store_->commit();
    return results;
  }

  // The same body streamed to a work file first, as the native host does.
  std::vector<ObjectResult> ingestAsFile(const std::string& bytes, const std::string& type = "") {
    const fs::path staged = store_->workDir() / "staged-body";
    writeFile(staged, bytes);
    BodyMeta meta;
    meta.url = "wss://film.example/socket.io/?EIO=4&transport=websocket";
    meta.contentType = type;
    auto results = ingestor_->ingestBodyFile(meta, staged);
    store_->commit();
    EXPECT_FALSE(fs::exists(staged)) << "the body file is consumed";
    return results;
  }

  static std::size_t countOutcome(const std::vector<ObjectResult>& results, Outcome outcome) {
    return static_cast<std::size_t>(
        std::count_if(results.begin(), results.end(), [&](const ObjectResult& r) { return r.outcome == outcome; }));
  }

  static std::string describe(const std::vector<ObjectResult>& results) {
    std::string text;
    for (const auto& r : results) text += std::string(ingest::outcomeName(r.outcome)) + " [" + r.entry + "] " + r.reason + "\n";
    return text;
  }

  // Every file the library keeps, by content.
  std::set<std::string> keptContents() const {
    std::set<std::string> contents;
    for (const auto& file : listDicomFiles(store_->root())) contents.insert(readFile(store_->root() / file));
    return contents;
  }

  TempDir dir_;
  std::optional<store::Store> store_;
  std::optional<Ingestor> ingestor_;
};

TEST_F(ZipIngest, PrefixedPart10InMemory_KeptWithoutThePrefixByteIdentical) {
  const std::string file = makePart10(SyntheticImage{});
  const auto results = ingest(socketIoMessage(file), "");
  ASSERT_EQ(results.size(), 1u) << describe(results);
  EXPECT_EQ(results[0].outcome, Outcome::Stored) << describe(results);
  EXPECT_EQ(readFile(results[0].file), file);
}

TEST_F(ZipIngest, PrefixedPart10AsAFile_SixteenBytes_KeptWithoutThePrefix) {
  const std::string file = makePart10(SyntheticImage{});
  for (std::size_t k : {1u, 16u}) {
    SyntheticImage image;
    const std::string each = makePart10(image);
    const auto results = ingestAsFile(std::string(k, '\x04') + each);
    ASSERT_EQ(results.size(), 1u) << describe(results);
    EXPECT_EQ(results[0].outcome, Outcome::Stored) << k << describe(results);
    EXPECT_EQ(readFile(results[0].file), each) << k;
  }
}

TEST_F(ZipIngest, SeventeenBytePrefix_NotKept) {
  const auto results = ingestAsFile(std::string(17, '\x04') + makePart10(SyntheticImage{}));
  ASSERT_EQ(results.size(), 1u);
  EXPECT_TRUE(results[0].outcome == Outcome::NotDicom || results[0].outcome == Outcome::Rejected) << describe(results);
  EXPECT_TRUE(keptContents().empty());
}

TEST_F(ZipIngest, PrefixAndATruncatedFile_RejectedWithTheFilesReason) {
  const std::string file = makePart10(SyntheticImage{});
  const auto results = ingestAsFile(socketIoMessage(file.substr(0, file.size() - 40)));
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].outcome, Outcome::Rejected) << describe(results);
  EXPECT_FALSE(results[0].reason.empty());
  EXPECT_TRUE(keptContents().empty());
}

TEST_F(ZipIngest, StudyZip_EveryKindOfEntry_OneResultEachAndFilesByteIdentical) {
  const std::string series = "1.2.826.0.1.3680043.8.1055.1.99.1";
  const std::string a = makePart10(numbered(1, series)), b = makePart10(numbered(2, series)),
                    c = makePart10(numbered(3, series)), d = makePart10(numbered(4, series));
  const std::string bare = makeBareDataset(numbered(5, series), EXS_LittleEndianImplicit);
  const std::string nestedOne = makePart10(numbered(6, series));
  const std::string inner = makeZip({{"one/6.dcm", nestedOne}});
  const std::string zip = makeZip({{"IMAGE/", "", false, false, true},
                                   {"IMAGE/S1/I1", a},                    // no extension, nested folders
                                   {"IMAGE/S1/I2.dcm", b},                // an extension
                                   {"0003.dcm.pk", c},                    // radonline's names
                                   {"stored/0004", d, true},              // stored, not deflated
                                   {"bare/0005", bare},                   // a dataset without its header
                                   {"series.zip", inner},                 // a ZIP inside the ZIP
                                   {"Viewer.exe", std::string("MZ\x90\0\x03", 5) + std::string(4000, 'x')},
                                   {"README.txt", "Open Viewer.exe"}});
  const auto results = ingest(zip);
  EXPECT_EQ(results.size(), 8u) << describe(results);
  EXPECT_EQ(countOutcome(results, Outcome::Stored), 6u) << describe(results);
  EXPECT_EQ(countOutcome(results, Outcome::NotDicom), 2u) << describe(results);
  const auto kept = keptContents();
  for (const auto* original : {&a, &b, &c, &d, &nestedOne}) EXPECT_EQ(kept.count(*original), 1u);
  std::set<std::string> entries;
  for (const auto& r : results) {
    entries.insert(r.entry);
    EXPECT_EQ(r.part, 0u);
    if (r.outcome == Outcome::NotDicom)
      EXPECT_EQ(r.reason.rfind(ingest::zipEntryReasonPrefix(r.entry), 0), 0u) << r.reason;
  }
  EXPECT_EQ(entries, (std::set<std::string>{"IMAGE/S1/I1", "IMAGE/S1/I2.dcm", "0003.dcm.pk", "stored/0004",
                                            "bare/0005", "series.zip!/one/6.dcm", "Viewer.exe", "README.txt"}));
}

TEST_F(ZipIngest, OneImageZip_AsAFileBody_KeptByteIdentical) {
  const std::string file = makePart10(SyntheticImage{});
  const auto results = ingestAsFile(makeZip({{"1.2.3.dcm", file}}), "image/jpeg");
  ASSERT_EQ(results.size(), 1u) << describe(results);
  EXPECT_EQ(results[0].outcome, Outcome::Stored);
  EXPECT_EQ(readFile(results[0].file), file);
}

TEST_F(ZipIngest, ZipInAZipInAZip_DeepestRefusedWithAReason) {
  const std::string file = makePart10(SyntheticImage{});
  const std::string deepest = makeZip({{"x.dcm", file}});
  const std::string middle = makeZip({{"deepest.zip", deepest}});
  const auto results = ingest(makeZip({{"middle.zip", middle}}));
  ASSERT_EQ(results.size(), 1u) << describe(results);
  EXPECT_EQ(results[0].outcome, Outcome::Rejected);
  EXPECT_EQ(results[0].entry, "middle.zip!/deepest.zip");
  EXPECT_NE(results[0].reason.find("only one level"), std::string::npos) << results[0].reason;
  EXPECT_TRUE(keptContents().empty());
}

TEST_F(ZipIngest, HostileEntryNames_NeverBecomePaths) {
  std::vector<std::string> files;
  std::vector<ZipItem> items;
  for (const char* name : {"../../evil1.dcm", "/tmp/evil2.dcm", "C:\\Windows\\evil3.dcm", "a@b/evil4.dcm",
                           "..", "./../.cloudfilm/index"}) {
    files.push_back(makePart10(SyntheticImage{}));
    items.push_back({name, files.back()});
  }
  // A NUL inside a name: written as '@' and patched in both the local and the central header.
  const std::string zip = replaceAll(makeZip(items), "a@b/", std::string("a\0b/", 4));
  const auto results = ingest(zip);
  ASSERT_EQ(results.size(), files.size()) << describe(results);
  EXPECT_EQ(countOutcome(results, Outcome::Stored), files.size()) << describe(results);
  std::set<std::string> entries;
  for (const auto& r : results) entries.insert(r.entry);
  // libzip reads a NUL inside a stored name as a space; either way no NUL reaches a name or a path.
  EXPECT_EQ(entries.count("a b/evil4.dcm"), 1u) << describe(results);
  for (const auto& entry : entries) EXPECT_EQ(entry.find('\0'), std::string::npos);
  // Kept under the library's own layout only; nothing named after an entry anywhere.
  for (const auto& r : results) {
    EXPECT_EQ(r.file.lexically_relative(store_->root()).begin()->string().find(".."), std::string::npos) << r.file;
    EXPECT_EQ(r.file.filename().string().find("evil"), std::string::npos) << r.file;
  }
  EXPECT_FALSE(fs::exists(dir_.path() / "evil1.dcm"));
  EXPECT_FALSE(fs::exists("/tmp/evil2.dcm"));
  const auto kept = keptContents();
  for (const auto& f : files) EXPECT_EQ(kept.count(f), 1u);
}

TEST_F(ZipIngest, EncryptedEntries_PasswordProtectedOthersKept) {
  const std::string plain = makePart10(SyntheticImage{});
  const auto results = ingest(makeZip({{"secret1.dcm", makePart10(SyntheticImage{}), false, true},
                                       {"plain.dcm", plain},
                                       {"secret2.dcm", makePart10(SyntheticImage{}), false, true}}));
  ASSERT_EQ(results.size(), 3u) << describe(results);
  EXPECT_EQ(results[0].outcome, Outcome::Rejected);
  EXPECT_NE(results[0].reason.find("this ZIP is password-protected"), std::string::npos) << results[0].reason;
  EXPECT_EQ(results[1].outcome, Outcome::Stored);
  EXPECT_EQ(results[2].outcome, Outcome::Rejected);
  EXPECT_EQ(keptContents(), std::set<std::string>{plain});
}

TEST_F(ZipIngest, CrcErrorInOneEntry_TheOthersKept) {
  const std::string good1 = makePart10(SyntheticImage{}), good2 = makePart10(SyntheticImage{});
  SyntheticImage marked;
  marked.patientId = "CRC-DAMAGE-HERE";
  std::string zip = makeZip({{"1.dcm", good1, true}, {"2.dcm", makePart10(marked), true}, {"3.dcm", good2, true}});
  zip = patchFirst(zip, "CRC-DAMAGE-HERE", "CRC-DAMAGE-HARE");  // stored bytes: one changed, the CRC not
  const auto results = ingest(zip);
  ASSERT_EQ(results.size(), 3u) << describe(results);
  EXPECT_EQ(results[1].outcome, Outcome::Rejected);
  EXPECT_NE(results[1].reason.find("checksum"), std::string::npos) << results[1].reason;
  EXPECT_EQ(keptContents(), (std::set<std::string>{good1, good2}));
}

// A download cut short has no table of contents: the entries that are whole before the cut are kept (read as a
// stream), the cut is reported once, and nothing of a cut entry is kept.
TEST_F(ZipIngest, TruncatedArchive_WholeEntriesBeforeTheCutKept_TheCutReported) {
  std::set<std::string> whole;
  for (const bool stored : {false, true}) {
    const std::string first = makePart10(SyntheticImage{}), second = makePart10(SyntheticImage{});
    whole.insert(first);
    whole.insert(second);
    const std::string zip = makeZip({{"1.dcm", first, stored}, {"2.dcm", second, stored}});
    {  // cut inside the table of contents: both entries are whole
      const auto results = ingest(zip.substr(0, zip.size() - 10));
      ASSERT_EQ(results.size(), 3u) << describe(results);
      EXPECT_EQ(results[0].outcome, Outcome::Stored);
      EXPECT_EQ(results[1].outcome, Outcome::Stored);
      EXPECT_EQ(results[2].outcome, Outcome::Rejected);
      EXPECT_NE(results[2].reason.find("cut off"), std::string::npos) << results[2].reason;
      EXPECT_NE(results[2].reason.find("the 2 whole entries"), std::string::npos) << results[2].reason;
    }
    {  // cut inside the second entry's bytes: the first is kept, the second is not
      const std::size_t secondData = zip.find("2.dcm") + 5 + 200;
      const auto results = ingest(zip.substr(0, secondData));
      ASSERT_GE(results.size(), 2u) << describe(results);
      EXPECT_EQ(results[0].outcome, Outcome::Duplicate);  // the first entry, whole again: already kept above
      for (std::size_t i = 1; i < results.size(); ++i) EXPECT_EQ(results[i].outcome, Outcome::Rejected);
      EXPECT_NE(results.back().reason.find("cut off"), std::string::npos) << results.back().reason;
    }
    {  // cut inside the first entry's header: nothing could be read
      const auto results = ingest(zip.substr(0, 20));
      ASSERT_EQ(results.size(), 1u) << describe(results);
      EXPECT_EQ(results[0].outcome, Outcome::Rejected);
      EXPECT_NE(results[0].reason.find("cut off"), std::string::npos) << results[0].reason;
    }
  }
  // Only whole entries were kept, byte-identical.
  EXPECT_EQ(keptContents(), whole);
}

TEST_F(ZipIngest, EmptyArchiveAndFoldersOnly_NotDicom) {
  auto results = ingest(std::string("PK\x05\x06", 4) + std::string(18, '\0'));
  ASSERT_EQ(results.size(), 1u) << describe(results);
  EXPECT_EQ(results[0].outcome, Outcome::NotDicom);
  EXPECT_NE(results[0].reason.find("empty ZIP"), std::string::npos) << results[0].reason;
  results = ingest(makeZip({{"IMAGE/", "", false, false, true}}));
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].outcome, Outcome::NotDicom);
}

TEST_F(ZipIngest, ThousandsOfEntries_RefusedBeforeAnyIsRead) {
  std::vector<ZipItem> items;
  for (int i = 0; i < 20001; ++i) items.push_back({std::to_string(i), ""});
  const auto results = ingest(makeZip(items));
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].outcome, Outcome::Rejected);
  EXPECT_NE(results[0].reason.find("20001 entries"), std::string::npos) << results[0].reason;
}

// The real bounds, with a real bomb: 160 MiB of zeros in about 160 KiB, beside a real file that must still be kept.
TEST_F(ZipIngest, ZipBomb_RefusedAtTheRatioBoundOtherEntriesKept) {
  const std::string good = makePart10(SyntheticImage{});
  const auto results = ingest(makeZip({{"1.dcm", good}, {"bomb.dcm", std::string(160u << 20, '\0')}}));
  ASSERT_EQ(results.size(), 2u) << describe(results);
  EXPECT_EQ(results[0].outcome, Outcome::Stored);
  EXPECT_EQ(results[1].outcome, Outcome::Rejected);
  EXPECT_NE(results[1].reason.find("zip bomb"), std::string::npos) << results[1].reason;
  EXPECT_EQ(keptContents(), std::set<std::string>{good});
}

TEST_F(ZipIngest, ZipFileOnDisk_ReadInPlaceOneResultPerEntry) {
  const std::string a = makePart10(SyntheticImage{}), b = makePart10(SyntheticImage{});
  const fs::path zipPath = dir_.path() / "download.zip";
  writeFile(zipPath, makeZip({{"IMAGE/a", a}, {"IMAGE/b.dcm.pk", b}, {"viewer.exe", "MZ"}}));
  const auto before = fs::last_write_time(zipPath);
  const auto results = ingestor_->ingestExistingFile(zipPath);
  store_->commit();
  ASSERT_EQ(results.size(), 3u) << describe(results);
  EXPECT_EQ(countOutcome(results, Outcome::Stored), 2u);
  EXPECT_TRUE(fs::exists(zipPath));
  EXPECT_EQ(fs::last_write_time(zipPath), before);
  EXPECT_EQ(keptContents(), (std::set<std::string>{a, b}));
}

// ---- a HAR with ZIP bodies and WebSocket messages -----------------------------------------------------------------

TEST_F(ZipIngest, Har_ZipBodiesAndSocketMessages_FiledByteIdentical) {
  const std::string inZip = makePart10(SyntheticImage{}), oneImageZip = makePart10(SyntheticImage{});
  const std::string viaSocket1 = makePart10(SyntheticImage{}), viaSocket2 = makePart10(SyntheticImage{});
  const std::string sentNotKept = makePart10(SyntheticImage{});
  HarBody study = dicomBody("https://film.example/download?study=1", makeZip({{"IMAGE/1", inZip}}), "application/zip");
  HarBody single = dicomBody("https://film.example/img/PK:1", makeZip({{"1.dcm", oneImageZip}}), "image/jpeg");
  HarBody socket = webSocketBody("wss://film.example/socket.io/?EIO=4&transport=websocket",
                                 {{"send", 1, "42[\"sendMessage\",{\"id\":1}]"},
                                  {"receive", 1, "451-[\"dicom\",{\"_placeholder\":true,\"num\":0}]"},
                                  {"receive", 2, socketIoMessage(viaSocket1)},
                                  {"send", 2, socketIoMessage(sentNotKept)},
                                  {"receive", 2, socketIoMessage(viaSocket2)}});
  const fs::path har = dir_.path() / "site.har";
  writeFile(har, makeHar({study, socket, single}));
  ingest::ImportReport report;
  ingest::importHar(har, *ingestor_, report);
  store_->commit();
  EXPECT_EQ(report.count(Outcome::Stored), 4u) << report.toText(*store_);
  EXPECT_EQ(report.count(Outcome::NotDicom), 0u) << report.toText(*store_);
  EXPECT_EQ(keptContents(), (std::set<std::string>{inZip, oneImageZip, viaSocket1, viaSocket2}));
  ASSERT_EQ(report.inputs().size(), 1u);
  EXPECT_TRUE(report.inputs()[0].problem.empty()) << report.inputs()[0].problem;
}

TEST_F(ZipIngest, ImportReport_GroupsEntryReasonsAndNamesAnExample) {
  const auto results = ingest(makeZip({{"a.exe", "MZ1"}, {"b.exe", "MZ2"}, {"c.dll", "MZ3"}}));
  ingest::ImportReport report;
  report.record(results, "/home/me/study.zip");
  const auto json = report.toJson(*store_);
  const std::string text = report.toText(*store_);
  EXPECT_EQ(report.count(Outcome::NotDicom), 3u);
  ASSERT_EQ(json["notDicom"].size(), 1u) << json.dump();  // one line for the three, with one example
  EXPECT_EQ(json["notDicom"][0]["count"], 3);
  EXPECT_EQ(json["notDicom"][0]["example"], "/home/me/study.zip!/a.exe");
  EXPECT_EQ(json["notDicom"][0]["reason"].get<std::string>().find("ZIP entry"), std::string::npos);
  EXPECT_NE(text.find("not DICOM (pages, scripts, pictures): 3"), std::string::npos) << text;
}

}  // namespace
}  // namespace cloudfilm
