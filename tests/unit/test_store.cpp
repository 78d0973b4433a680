// store/store: filing, the index that survives restarts, best-copy decisions, anatomical numbering, sharing.
#include "store/store.h"

#include <gtest/gtest.h>

#include <set>

#include "dicom/dicom_file.h"
#include "store/layout.h"
#include "store/path_policy.h"
#include "test_files.h"

namespace cloudfilm {
namespace {

using namespace cloudfilm::test;
using store::AddOutcome;
using store::Origin;
using store::Store;

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_FALSE(dicom::initialize().has_value()); }

  fs::path root() const { return dir_.path() / "library"; }

  // Puts `bytes` in the store's work folder as a candidate and inspects it, as the ingestor does.
  dicom::InstanceInfo stage(Store& store, const std::string& bytes, fs::path& candidate) {
    candidate = store.workDir() / ("candidate-" + std::to_string(++counter_));
    writeFile(candidate, bytes);
    const auto inspection = dicom::inspectFile(candidate, dicom::Framing::Part10);
    EXPECT_TRUE(inspection.usable) << inspection.reason;
    return inspection.info;
  }

  // Files a new three-slice series (5 mm apart) in a store that is closed again; returns the slices' bytes.
  std::vector<std::string> fileThreeSlicesAndClose();

  store::AddResult add(Store& store, const std::string& bytes, Origin origin = Origin::Served) {
    fs::path candidate;
    const auto info = stage(store, bytes, candidate);
    auto result = store.add(info, origin, candidate);
    EXPECT_FALSE(fs::exists(candidate)) << "the candidate is moved or deleted, never left";
    return result;
  }

  store::AddResult addFile(Store& store, const fs::path& file, Origin origin = Origin::Served) {
    return add(store, readFile(file), origin);
  }

  TempDir dir_;
  int counter_ = 0;
};

SyntheticImage sliceOf(const std::string& study, const std::string& series, int number, double z) {
  SyntheticImage image;
  image.studyInstanceUid = study;
  image.seriesInstanceUid = series;
  image.instanceNumber = number;
  image.position = std::array<double, 3>{0, 0, z};
  return image;
}

std::vector<std::string> StoreTest::fileThreeSlicesAndClose() {
  const std::string study = newUid(), series = newUid();
  std::vector<std::string> bytes;
  Store store(root());
  for (int i = 0; i < 3; ++i) {
    bytes.push_back(makePart10(sliceOf(study, series, i + 1, i * 5.0)));
    add(store, bytes.back());
  }
  store.commit();
  return bytes;
}

TEST_F(StoreTest, Store_NewInstance_FiledUnderPatientStudySeries) {
  Store store(root());
  SyntheticImage image;
  image.patientName = "DOE^JOHN";
  const std::string bytes = makePart10(image);
  const auto result = add(store, bytes);
  store.commit();
  EXPECT_EQ(result.outcome, AddOutcome::Stored);
  EXPECT_EQ(listDicomFiles(root()), std::vector<std::string>{"DOE JOHN (P123)/2026-03-02 MR Brain/002 MR T1 axial/0001.dcm"});
  EXPECT_EQ(readFile(root() / listDicomFiles(root()).front()), bytes) << "byte-identical";
  ASSERT_NE(store.find(*image.sopInstanceUid), nullptr);
  EXPECT_EQ(store.size(), 1u);
}

TEST_F(StoreTest, Store_SameBytesTwice_CountsDuplicate) {
  Store store(root());
  const std::string bytes = makePart10(SyntheticImage{});
  EXPECT_EQ(add(store, bytes).outcome, AddOutcome::Stored);
  const auto again = add(store, bytes);
  EXPECT_EQ(again.outcome, AddOutcome::Duplicate);
  store.commit();
  EXPECT_EQ(listDicomFiles(root()).size(), 1u);
  EXPECT_EQ(store.size(), 1u);
}

TEST_F(StoreTest, Store_ReopenKeepsIndex) {
  SyntheticImage image;
  const std::string bytes = makePart10(image);
  {
    Store store(root());
    add(store, bytes);
    store.commit();
  }
  Store reopened(root());
  EXPECT_EQ(reopened.size(), 1u);
  const auto* kept = reopened.find(*image.sopInstanceUid);
  ASSERT_NE(kept, nullptr);
  EXPECT_EQ(kept->relativePath, listDicomFiles(root()).front());
  EXPECT_EQ(kept->info.seriesInstanceUid, *image.seriesInstanceUid);
  EXPECT_EQ(add(reopened, bytes).outcome, AddOutcome::Duplicate);
}

TEST_F(StoreTest, Store_IndexDeleted_RebuiltByScanning) {
  const std::string study = newUid(), series = newUid();
  std::vector<std::string> sops;
  {
    Store store(root());
    for (int i = 0; i < 5; ++i) {
      auto image = sliceOf(study, series, i + 1, i * 2.0);
      sops.push_back(*image.sopInstanceUid);
      add(store, makePart10(image));
    }
    store.commit();
  }
  const auto before = listDicomFiles(root());
  ASSERT_TRUE(fs::remove(root() / ".cloudfilm" / "index.jsonl"));
  Store rebuilt(root());
  EXPECT_EQ(rebuilt.size(), 5u);
  for (const auto& sop : sops) EXPECT_NE(rebuilt.find(sop), nullptr) << sop;
  EXPECT_EQ(listDicomFiles(root()), before) << "the scan re-indexes files where they are";
  ASSERT_EQ(rebuilt.series().size(), 1u);
  EXPECT_EQ(rebuilt.series().front().instances, 5u);
}

TEST_F(StoreTest, Store_IndexEntryWhoseFileWasDeleted_Dropped) {
  SyntheticImage a, b;
  a.seriesInstanceUid = b.seriesInstanceUid;
  a.studyInstanceUid = b.studyInstanceUid;
  a.position = std::array<double, 3>{0, 0, 1};
  b.position = std::array<double, 3>{0, 0, 2};
  {
    Store store(root());
    add(store, makePart10(a));
    add(store, makePart10(b));
    store.commit();
  }
  Store first(root());
  const auto* kept = first.find(*a.sopInstanceUid);
  ASSERT_NE(kept, nullptr);
  const fs::path file = root() / kept->relativePath;
  ASSERT_TRUE(fs::remove(file));
  Store reopened(root());
  EXPECT_EQ(reopened.find(*a.sopInstanceUid), nullptr);
  EXPECT_NE(reopened.find(*b.sopInstanceUid), nullptr);
  EXPECT_EQ(reopened.size(), 1u);
  // And the instance can be filed again afterwards.
  EXPECT_EQ(add(reopened, makePart10(a)).outcome, AddOutcome::Stored);
}

TEST_F(StoreTest, Store_LeftoverMoveFile_RecoveredAndRenumbered) {
  const std::vector<std::string> bytes = fileThreeSlicesAndClose();
  auto files = listDicomFiles(root());
  ASSERT_EQ(files.size(), 3u);
  // Simulate a renumber interrupted between its two phases: slice 2 sits under a temporary name, and the index
  // says nothing about that name.
  const fs::path folder = (root() / files[1]).parent_path();
  fs::rename(root() / files[1], folder / ".cf-move-99999-1.tmp");
  fs::remove(root() / ".cloudfilm" / "index.jsonl");

  Store recovered(root());
  EXPECT_EQ(recovered.size(), 3u);
  files = listDicomFiles(root());
  ASSERT_EQ(files.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(fs::path(files[i]).filename(), store::sliceFileName(i, 3));
    EXPECT_EQ(readFile(root() / files[i]), bytes[i]) << "slice " << i + 1 << " back in its place";
  }
  for (const auto& name : listFiles(root())) EXPECT_EQ(name.find(".cf-move-"), std::string::npos) << name;
}

TEST_F(StoreTest, Store_LeftoverMoveFileWithIndexIntact_Recovered) {
  const std::vector<std::string> bytes = fileThreeSlicesAndClose();
  auto files = listDicomFiles(root());
  const fs::path folder = (root() / files[2]).parent_path();
  fs::rename(root() / files[2], folder / ".cf-move-99999-2.tmp");  // the index still names 0003.dcm
  Store recovered(root());
  EXPECT_EQ(recovered.size(), 3u);
  files = listDicomFiles(root());
  ASSERT_EQ(files.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(readFile(root() / files[i]), bytes[i]);
  for (const auto& name : listFiles(root())) EXPECT_EQ(name.find(".cf-move-"), std::string::npos) << name;
}

TEST_F(StoreTest, Store_LossyAfterLossless_KeptWorseWithReason) {
  // Same SOP instance, lossless original then a lossy-flagged copy (a viewer's JPEG transcode).
  SyntheticImage image;
  const std::string lossless = makePart10(image);
  image.lossyImageCompression = "01";
  const std::string lossy = makePart10(image);
  Store store(root());
  ASSERT_EQ(add(store, lossless).outcome, AddOutcome::Stored);
  const auto result = add(store, lossy);
  store.commit();
  EXPECT_EQ(result.outcome, AddOutcome::KeptWorse);
  EXPECT_NE(result.reason.find("lossless"), std::string::npos) << result.reason;
  EXPECT_EQ(readFile(root() / listDicomFiles(root()).front()), lossless);
}

TEST_F(StoreTest, Store_LosslessAfterLossy_ReplacedOnDisk) {
  SyntheticImage image;
  const std::string lossless = makePart10(image);
  image.lossyImageCompression = "01";
  const std::string lossy = makePart10(image);
  Store store(root());
  ASSERT_EQ(add(store, lossy).outcome, AddOutcome::Stored);
  const auto result = add(store, lossless);
  store.commit();
  EXPECT_EQ(result.outcome, AddOutcome::Replaced);
  EXPECT_NE(result.reason.find("lossless"), std::string::npos) << result.reason;
  ASSERT_EQ(listDicomFiles(root()).size(), 1u);
  EXPECT_EQ(readFile(root() / listDicomFiles(root()).front()), lossless) << "the lossless bytes are on disk";
  EXPECT_FALSE(store.find(*image.sopInstanceUid)->info.lossyCompressed);
  Store reopened(root());
  EXPECT_FALSE(reopened.find(*image.sopInstanceUid)->info.lossyCompressed) << "the index remembers the swap";
}

TEST_F(StoreTest, Store_RealLossyTransferSyntax_LosesToLossless) {
  // pydicom's MR_small in lossless encodings share one SOP Instance UID; a JPEG 2000 lossless copy is not lossy.
  const auto explicitLittle = pydicomDir() / "MR_small.dcm";
  const auto bigEndian = pydicomDir() / "MR_small_bigendian.dcm";
  CF_REQUIRE_FILE(explicitLittle);
  Store store(root());
  ASSERT_EQ(addFile(store, explicitLittle).outcome, AddOutcome::Stored);
  const auto second = addFile(store, bigEndian);
  EXPECT_EQ(second.outcome, AddOutcome::KeptWorse) << "an equivalent copy keeps the first";
  EXPECT_FALSE(second.reason.empty());
  store.commit();
  EXPECT_EQ(readFile(root() / listDicomFiles(root()).front()), readFile(explicitLittle));
}

TEST_F(StoreTest, Store_ServedBeatsWrapped) {
  SyntheticImage image;
  const std::string bytes = makePart10(image);
  image.extra["0008,0080"] = "A HOSPITAL";  // different bytes, same instance
  const std::string other = makePart10(image);
  Store store(root());
  ASSERT_EQ(add(store, bytes, Origin::Wrapped).outcome, AddOutcome::Stored);
  const auto result = add(store, other, Origin::Served);
  EXPECT_EQ(result.outcome, AddOutcome::Replaced);
  EXPECT_NE(result.reason.find("served"), std::string::npos) << result.reason;
}

TEST_F(StoreTest, Store_SameSopDifferentSeries_KeepsFirst) {
  SyntheticImage image;
  const std::string first = makePart10(image);
  image.seriesInstanceUid = newUid();
  const std::string second = makePart10(image);
  Store store(root());
  ASSERT_EQ(add(store, first).outcome, AddOutcome::Stored);
  const auto result = add(store, second);
  EXPECT_EQ(result.outcome, AddOutcome::KeptWorse);
  EXPECT_NE(result.reason.find("different study or series"), std::string::npos) << result.reason;
}

TEST_F(StoreTest, Store_ShuffledBrainSlices_NumberedInPositionOrder) {
  CF_REQUIRE_FILE(brainSlice(1));
  auto slices = brainSlices();
  shuffleDeterministically(slices);
  Store store(root());
  for (const auto& slice : slices) ASSERT_EQ(addFile(store, slice).outcome, AddOutcome::Stored) << slice;
  store.commit();
  const auto files = listDicomFiles(root());
  ASSERT_EQ(files.size(), 20u);
  const fs::path folder = fs::path(files.front()).parent_path();
  // brain_001..020 run along +z; the anatomical order (feet to head, or the reverse) must be monotonic.
  std::vector<double> z;
  for (std::size_t i = 0; i < files.size(); ++i) {
    EXPECT_EQ(fs::path(files[i]).parent_path(), folder) << "one series folder";
    EXPECT_EQ(fs::path(files[i]).filename(), store::sliceFileName(i, 20));
    const auto inspection = dicom::inspectFile(root() / files[i], dicom::Framing::Part10);
    ASSERT_TRUE(inspection.usable);
    z.push_back((*inspection.info.imagePositionPatient)[2]);
  }
  const bool ascending = std::is_sorted(z.begin(), z.end());
  const bool descending = std::is_sorted(z.rbegin(), z.rend());
  EXPECT_TRUE(ascending || descending);
  // Byte-identical to the originals, in that order.
  std::vector<fs::path> ordered = brainSlices();
  if (descending && !ascending) std::reverse(ordered.begin(), ordered.end());
  for (std::size_t i = 0; i < files.size(); ++i)
    EXPECT_EQ(readFile(root() / files[i]), readFile(ordered[i])) << files[i];
  const auto series = store.series();
  ASSERT_EQ(series.size(), 1u);
  EXPECT_EQ(series.front().instances, 20u);
  EXPECT_EQ(series.front().instanceNumberMin, 1);
  EXPECT_EQ(series.front().instanceNumberMax, 20);
  EXPECT_TRUE(series.front().missingInstanceNumbers.empty());
}

TEST_F(StoreTest, Store_SlicesAddedAcrossBatches_Renumbered) {
  const std::string study = newUid(), series = newUid();
  std::vector<std::string> bytes;
  for (int i = 0; i < 6; ++i) bytes.push_back(makePart10(sliceOf(study, series, i + 1, i * 3.0)));
  {
    Store store(root());
    for (int i : {1, 3, 5}) add(store, bytes[i]);
    store.commit();
  }
  {
    Store store(root());
    for (int i : {4, 0, 2}) add(store, bytes[i]);
    store.commit();
  }
  const auto files = listDicomFiles(root());
  ASSERT_EQ(files.size(), 6u);
  for (std::size_t i = 0; i < 6; ++i) EXPECT_EQ(readFile(root() / files[i]), bytes[i]) << files[i];
}

TEST_F(StoreTest, Store_MissingInstanceNumbers_Reported) {
  const std::string study = newUid(), series = newUid();
  Store store(root());
  for (int n : {1, 2, 5}) add(store, makePart10(sliceOf(study, series, n, n * 1.0)));
  store.commit();
  const auto all = store.series();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all.front().missingInstanceNumbers, (std::vector<long>{3, 4}));
  EXPECT_EQ(all.front().expected, 5);
}

TEST_F(StoreTest, Store_TwoStoresOnOneFolder_SeeEachOthersAdditions) {
  Store first(root());
  Store second(root());
  SyntheticImage a, b;
  const std::string bytesA = makePart10(a), bytesB = makePart10(b);
  EXPECT_EQ(add(first, bytesA).outcome, AddOutcome::Stored);
  first.commit();
  EXPECT_NE(second.find(*a.sopInstanceUid), nullptr) << "the second sees the first's addition";
  EXPECT_EQ(add(second, bytesA).outcome, AddOutcome::Duplicate);
  EXPECT_EQ(add(second, bytesB).outcome, AddOutcome::Stored);
  second.commit();
  EXPECT_NE(first.find(*b.sopInstanceUid), nullptr);
  EXPECT_EQ(first.size(), 2u);
  EXPECT_EQ(second.size(), 2u);
  EXPECT_NE(first.workDir(), second.workDir()) << "separate work folders";
}

TEST_F(StoreTest, Store_TwoStoresSameSeries_NoFileOverwritten) {
  const std::string study = newUid(), series = newUid();
  std::vector<std::string> bytes;
  for (int i = 0; i < 6; ++i) bytes.push_back(makePart10(sliceOf(study, series, i + 1, i * 1.0)));
  Store first(root());
  Store second(root());
  for (int i = 0; i < 6; ++i) add(i % 2 ? first : second, bytes[i]);
  first.commit();
  second.commit();
  const auto files = listDicomFiles(root());
  ASSERT_EQ(files.size(), 6u);
  for (std::size_t i = 0; i < 6; ++i) EXPECT_EQ(readFile(root() / files[i]), bytes[i]) << files[i];
}

TEST_F(StoreTest, Store_TwoStudiesSameDescription_DifferentFolders) {
  Store store(root());
  SyntheticImage one, two;  // same patient, date, descriptions; different Study/Series UIDs
  add(store, makePart10(one));
  add(store, makePart10(two));
  store.commit();
  const auto files = listDicomFiles(root());
  ASSERT_EQ(files.size(), 2u);
  const std::set<std::string> studies = {fs::path(files[0]).parent_path().parent_path().filename().string(),
                                         fs::path(files[1]).parent_path().parent_path().filename().string()};
  EXPECT_EQ(studies, (std::set<std::string>{"2026-03-02 MR Brain", "2026-03-02 MR Brain (2)"}));
  EXPECT_EQ(fs::path(files[0]).parent_path().parent_path().parent_path(),
            fs::path(files[1]).parent_path().parent_path().parent_path())
      << "one patient";
}

TEST_F(StoreTest, Store_TwoSeriesSameDescription_DifferentFolders) {
  Store store(root());
  SyntheticImage one, two;
  two.studyInstanceUid = one.studyInstanceUid;
  add(store, makePart10(one));
  add(store, makePart10(two));
  store.commit();
  const auto files = listDicomFiles(root());
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(fs::path(files[0]).parent_path().parent_path(), fs::path(files[1]).parent_path().parent_path())
      << "one study folder";
  EXPECT_NE(fs::path(files[0]).parent_path(), fs::path(files[1]).parent_path());
  EXPECT_EQ(store.series().size(), 2u);
  // The naming survives a restart: a third slice of the second series joins its folder, not the first's.
  SyntheticImage three = two;
  three.sopInstanceUid = newUid();
  three.position = std::array<double, 3>{0, 0, 9};
  Store reopened(root());
  const auto result = add(reopened, makePart10(three));
  EXPECT_EQ(result.file.parent_path(), (root() / reopened.find(*two.sopInstanceUid)->relativePath).parent_path());
}

TEST_F(StoreTest, Store_HostileNames_NothingWrittenOutsideRoot) {
  const fs::path outside = dir_.path();
  Store store(root());
  const std::vector<std::string> hostile = {"../../escape", "..", "/tmp/x", "..\\..\\x", "CON", std::string(2000, 'N'),
                                            "a/../../b", "\x1b[31mred"};
  for (const auto& text : hostile) {
    SyntheticImage image;
    image.patientName = text;
    image.patientId = text;
    image.studyDescription = text;
    image.seriesDescription = text;
    const auto result = add(store, makePart10(image));
    EXPECT_EQ(result.outcome, AddOutcome::Stored);
    EXPECT_TRUE(store::isInside(root(), result.file)) << result.file;
  }
  store.commit();
  // The temp folder holds the library and nothing else.
  std::vector<std::string> top;
  for (const auto& entry : fs::directory_iterator(outside)) top.push_back(entry.path().filename().string());
  EXPECT_EQ(top, std::vector<std::string>{"library"});
  for (const auto& file : listDicomFiles(root())) {
    const fs::path relative = file;
    EXPECT_EQ(std::distance(relative.begin(), relative.end()), 4) << file;
  }
}

TEST_F(StoreTest, Store_HostileUidsAndNoNames_StayInsideRoot) {
  // The store is the last line: even when handed identifiers nobody validated, it files inside the root.
  Store store(root());
  const std::vector<std::string> hostile = {"../../outside", "..", "/etc", "a/b/../../../c", std::string(300, '9')};
  int n = 0;
  for (const auto& uid : hostile) {
    fs::path candidate;
    auto info = stage(store, makePart10(SyntheticImage{}), candidate);
    info.studyInstanceUid = uid;
    info.seriesInstanceUid = uid + "/s";
    info.sopInstanceUid = "9.9." + std::to_string(++n);
    info.patientName.clear();
    info.patientId.clear();
    info.studyDescription.clear();
    info.seriesDescription.clear();
    info.modality.clear();
    info.studyDate.clear();
    info.seriesNumber.reset();
    const auto result = store.add(info, Origin::Served, candidate);
    EXPECT_EQ(result.outcome, AddOutcome::Stored) << uid;
    EXPECT_TRUE(store::isInside(root(), result.file)) << result.file;
  }
  store.commit();
  std::vector<std::string> top;
  for (const auto& entry : fs::directory_iterator(dir_.path())) top.push_back(entry.path().filename().string());
  EXPECT_EQ(top, std::vector<std::string>{"library"});
  EXPECT_EQ(listDicomFiles(root()).size(), hostile.size());
}

TEST_F(StoreTest, Store_IndexNamingPathOutsideRoot_Ignored) {
  fs::create_directories(root() / ".cloudfilm");
  const fs::path victim = dir_.path() / "victim.dcm";
  writeFile(victim, makePart10(SyntheticImage{}));
  writeFile(root() / ".cloudfilm" / "index.jsonl",
            R"({"op":"put","sop":"1.2.3","origin":0,"path":"../victim.dcm","bytes":10,"info":{}})" "\n");
  Store store(root());
  EXPECT_EQ(store.find("1.2.3"), nullptr);
  store.remove({});
  EXPECT_TRUE(fs::exists(victim)) << "remove() never touches a file outside the root";
}

TEST_F(StoreTest, Store_Remove_DeletesFilesAndEmptyFolders) {
  Store store(root());
  SyntheticImage a, b;
  add(store, makePart10(a));
  add(store, makePart10(b));
  store.commit();
  EXPECT_EQ(store.remove({*a.seriesInstanceUid}), 1u);
  EXPECT_EQ(store.size(), 1u);
  EXPECT_EQ(listDicomFiles(root()).size(), 1u);
  EXPECT_EQ(store.remove({}), 1u);
  EXPECT_TRUE(listFiles(root()).empty());
  Store reopened(root());
  EXPECT_EQ(reopened.size(), 0u);
}

TEST_F(StoreTest, Store_UnwritableRoot_ThrowsOneLine) {
  writeFile(dir_.path() / "a-file", "x");
  try {
    Store store(dir_.path() / "a-file" / "library");
    FAIL() << "expected an exception";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("a-file"), std::string::npos) << e.what();
  }
}

TEST_F(StoreTest, Store_StrayUnreadableDcm_LeftAlone) {
  fs::create_directories(root() / "somewhere");
  writeFile(root() / "somewhere" / "notes.dcm", "not dicom");
  Store store(root());
  EXPECT_EQ(store.size(), 0u);
  EXPECT_TRUE(fs::exists(root() / "somewhere" / "notes.dcm")) << "not ours to delete";
}

TEST_F(StoreTest, Store_WorkDirRemovedOnClose) {
  fs::path work;
  {
    Store store(root());
    work = store.workDir();
    EXPECT_TRUE(fs::is_directory(work));
    EXPECT_TRUE(store::isInside(root(), work));
  }
  EXPECT_FALSE(fs::exists(work));
}

}  // namespace
}  // namespace cloudfilm
