// store/journal: the index on disk, shared by two processes, robust to torn and hostile lines, compacted.
#include "store/journal.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <fstream>

#include "test_files.h"

namespace cloudfilm {
namespace {

using namespace cloudfilm::test;
using store::InstanceIndex;
using store::Journal;
using store::JournalBatch;
using store::KeptInstance;

KeptInstance kept(const std::string& sop, const std::string& path, store::Origin origin = store::Origin::Served) {
  KeptInstance instance;
  instance.info.sopInstanceUid = sop;
  instance.info.seriesInstanceUid = "1.2.3";
  instance.info.studyInstanceUid = "1.2";
  instance.info.transferSyntaxUid = "1.2.840.10008.1.2.1";
  instance.origin = origin;
  instance.relativePath = path;
  instance.bytes = 1000 + sop.size();
  return instance;
}

std::size_t lineCount(const fs::path& file) {
  std::ifstream in(file);
  std::size_t lines = 0;
  for (std::string line; std::getline(in, line);) ++lines;
  return lines;
}

class JournalTest : public ::testing::Test {
 protected:
  fs::path meta() const { return dir_.path() / ".cloudfilm"; }
  void SetUp() override { fs::create_directories(meta()); }
  TempDir dir_;
};

TEST_F(JournalTest, Append_ThenAnotherJournalCatchesUp) {
  Journal writer(dir_.path(), meta());
  InstanceIndex mine;
  EXPECT_FALSE(writer.catchUp(mine)) << "no file yet, nothing known";
  JournalBatch batch;
  batch.put(kept("1.1", "P/S/1/0001.dcm", store::Origin::Rebuilt));
  batch.put(kept("1.2", "P/S/1/0002.dcm"));
  EXPECT_EQ(batch.size(), 2u);
  writer.append(batch);
  EXPECT_FALSE(writer.catchUp(mine)) << "our own lines are not replayed";
  EXPECT_TRUE(mine.empty());

  Journal reader(dir_.path(), meta());
  InstanceIndex theirs;
  EXPECT_TRUE(reader.catchUp(theirs));
  ASSERT_EQ(theirs.size(), 2u);
  EXPECT_EQ(theirs.at("1.1").relativePath, "P/S/1/0001.dcm");
  EXPECT_EQ(theirs.at("1.1").origin, store::Origin::Rebuilt);
  EXPECT_EQ(theirs.at("1.1").bytes, 1003u);
  EXPECT_EQ(theirs.at("1.2").info.seriesInstanceUid, "1.2.3");
  EXPECT_FALSE(reader.catchUp(theirs)) << "nothing new";

  JournalBatch removal;
  removal.del("1.1");
  writer.append(removal);
  EXPECT_TRUE(reader.catchUp(theirs));
  EXPECT_EQ(theirs.size(), 1u);
  EXPECT_EQ(theirs.count("1.1"), 0u);
}

TEST_F(JournalTest, EmptyBatch_WritesNothing) {
  Journal journal(dir_.path(), meta());
  journal.append(JournalBatch{});
  EXPECT_FALSE(fs::exists(journal.file()));
}

TEST_F(JournalTest, TornLastLine_IgnoredUntilFinished) {
  Journal journal(dir_.path(), meta());
  JournalBatch batch;
  batch.put(kept("1.1", "a/0001.dcm"));
  journal.append(batch);
  std::ofstream(journal.file(), std::ios::app) << R"({"op":"del","sop":"1.1")";
  Journal reader(dir_.path(), meta());
  InstanceIndex index;
  reader.catchUp(index);
  EXPECT_EQ(index.size(), 1u) << "a line without its newline is not applied";
  std::ofstream(journal.file(), std::ios::app) << "}\n";
  reader.catchUp(index);
  EXPECT_TRUE(index.empty()) << "the finished line is";
}

TEST_F(JournalTest, HostileOrBrokenLines_Skipped) {
  Journal journal(dir_.path(), meta());
  JournalBatch batch;
  batch.put(kept("1.1", "../outside/0001.dcm"));
  batch.put(kept("1.2", "/etc/passwd"));
  batch.put(kept("1.3", ""));
  batch.put(kept("1.4", "fine/0001.dcm"));
  journal.append(batch);
  std::ofstream(journal.file(), std::ios::app) << "not json\n[1,2]\n{\"op\":\"put\",\"sop\":\"1.5\"}\n{\"op\":\"put\"}\n";
  Journal reader(dir_.path(), meta());
  InstanceIndex index;
  reader.catchUp(index);
  ASSERT_EQ(index.size(), 1u);
  EXPECT_EQ(index.begin()->first, "1.4");
}

TEST_F(JournalTest, CompactIfLarge_OneLinePerInstance_OthersReplayFromTheStart) {
  Journal journal(dir_.path(), meta());
  InstanceIndex index;
  for (int round = 0; round < 600; ++round) {
    JournalBatch batch;
    batch.put(kept("1.1", "a/000" + std::to_string(round % 2 + 1) + ".dcm"));
    batch.del("1.9");
    journal.append(batch);
  }
  index["1.1"] = kept("1.1", "a/0002.dcm");
  Journal reader(dir_.path(), meta());
  InstanceIndex theirs;
  reader.catchUp(theirs);

  EXPECT_TRUE(journal.compactIfLarge(index));
  EXPECT_EQ(lineCount(journal.file()), 1u);
  ASSERT_EQ(index.size(), 1u);
  EXPECT_EQ(index.at("1.1").relativePath, "a/0002.dcm");
  EXPECT_FALSE(journal.compactIfLarge(index)) << "small now";

  JournalBatch more;
  more.put(kept("1.2", "a/0003.dcm"));
  journal.append(more);
  EXPECT_TRUE(reader.catchUp(theirs));
  EXPECT_EQ(theirs.size(), 2u);
  EXPECT_EQ(theirs.at("1.1").relativePath, "a/0002.dcm");
}

TEST_F(JournalTest, SmallJournal_NotCompacted) {
  Journal journal(dir_.path(), meta());
  JournalBatch batch;
  batch.put(kept("1.1", "a/0001.dcm"));
  batch.put(kept("1.1", "a/0002.dcm"));
  journal.append(batch);
  InstanceIndex index{{"1.1", kept("1.1", "a/0002.dcm")}};
  EXPECT_FALSE(journal.compactIfLarge(index));
  EXPECT_EQ(lineCount(journal.file()), 2u);
}

TEST_F(JournalTest, Lock_ExcludesAnotherJournalOfTheSameLibrary) {
  Journal first(dir_.path(), meta());
  Journal second(dir_.path(), meta());
  const FileLock held = first.lock();
  const fs::path lockFile = meta() / "lock";
  ASSERT_TRUE(fs::exists(lockFile));
  const int fd = ::open(lockFile.c_str(), O_RDWR | O_CLOEXEC);
  EXPECT_NE(::flock(fd, LOCK_EX | LOCK_NB), 0);
  ::close(fd);
}

}  // namespace
}  // namespace cloudfilm
