// store/piece_inbox: pieces kept on disk until a rebuild uses them.
#include "store/piece_inbox.h"

#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "test_files.h"
#include "util/error.h"

namespace cloudfilm {
namespace {

using namespace cloudfilm::test;
using store::PieceInbox;
using store::PieceMeta;

TEST(PieceInbox, AKeptPieceIsReadBackWithItsDescription) {
  TempDir dir;
  PieceInbox inbox(dir.path());
  writeFile(dir.path() / "incoming", "frame bytes");
  const PieceMeta meta{"frames", "https://pacs/studies/1/series/2/instances/3/frames/1", "application/octet-stream", 200,
                       2, 11};
  const auto kept = inbox.keep(meta, dir.path() / "incoming");
  EXPECT_FALSE(fs::exists(dir.path() / "incoming"));  // moved, not copied
  EXPECT_EQ(readFile(kept), "frame bytes");
  const auto ids = inbox.ids();
  ASSERT_EQ(ids.size(), 1u);
  EXPECT_EQ(inbox.size(), 1u);
  const auto piece = inbox.read(ids[0]);
  ASSERT_TRUE(piece.has_value());
  EXPECT_EQ(piece->bytesFile, kept);
  EXPECT_EQ(piece->meta.kind, "frames");
  EXPECT_EQ(piece->meta.url, meta.url);
  EXPECT_EQ(piece->meta.contentType, meta.contentType);
  EXPECT_EQ(piece->meta.status, 200);
  EXPECT_EQ(piece->meta.part, 2u);
  EXPECT_EQ(piece->meta.bytes, 11u);

  inbox.discard(ids[0]);
  EXPECT_TRUE(inbox.ids().empty());
  EXPECT_EQ(countEntries(dir.path()), 0u);
}

// A piece whose bytes are not there yet (a crash between the two renames, or another host writing it) is not listed.
TEST(PieceInbox, ADescriptionWithoutItsBytesIsNotAPiece) {
  TempDir dir;
  writeFile(dir.path() / "frames-1-1.json", R"({"kind":"frames"})");
  PieceInbox inbox(dir.path());
  EXPECT_TRUE(inbox.ids().empty());
  EXPECT_EQ(inbox.size(), 0u);
  EXPECT_FALSE(inbox.read("frames-1-1").has_value());
}

// A site that sends the same frame again: the rebuild believes the piece kept last, so ids() lists oldest first. By
// name, piece 10 sorts before piece 9 (the order that once made a re-sent Hinacom frame point at a discarded file).
TEST(PieceInbox, IdsListThePiecesOldestFirst) {
  TempDir dir;
  PieceInbox inbox(dir.path());
  std::vector<std::string> kept;
  for (int i = 0; i < 12; ++i) {
    writeFile(dir.path() / "incoming", std::to_string(i));
    const fs::path file = inbox.keep({"hinacom-pixels", "u", "application/octet-stream", 200, 0, 1}, dir.path() / "incoming");
    kept.push_back(file.stem().string());
  }
  EXPECT_EQ(inbox.ids(), kept);
  // Kept earlier by another process (an older modification time): listed first whatever its number.
  writeFile(dir.path() / "hinacom-pixels-1-99.json", R"({"kind":"hinacom-pixels","url":"u"})");
  writeFile(dir.path() / "hinacom-pixels-1-99.bin", "old");
  fs::last_write_time(dir.path() / "hinacom-pixels-1-99.bin",
                      fs::last_write_time(dir.path() / (kept.front() + ".bin")) - std::chrono::hours(1));
  const auto ids = inbox.ids();
  ASSERT_EQ(ids.size(), 13u);
  EXPECT_EQ(ids.front(), "hinacom-pixels-1-99");
}

TEST(PieceInbox, PiecesOfTwoInboxesOnOneFolderNeverCollide_ClearEmptiesIt) {
  TempDir dir;
  PieceInbox first(dir.path()), second(dir.path());
  for (int i = 0; i < 3; ++i) {
    writeFile(dir.path() / "a", "1");
    first.keep({"dicom-json", "u", "application/dicom+json", 200, 0, 1}, dir.path() / "a");
    writeFile(dir.path() / "b", "2");
    second.keep({"frames", "u", "application/octet-stream", 200, 0, 1}, dir.path() / "b");
  }
  EXPECT_EQ(first.ids().size(), 6u);
  first.clear();
  EXPECT_EQ(countEntries(dir.path()), 0u);
}

TEST(PieceInbox, KeepingIntoAFolderThatIsGoneFails_AndLeavesNothing) {
  TempDir dir;
  PieceInbox inbox(dir.path() / "missing");
  writeFile(dir.path() / "incoming", "x");
  EXPECT_THROW(inbox.keep({"frames", "u", "", 200, 0, 1}, dir.path() / "incoming"), Error);
  EXPECT_FALSE(fs::exists(dir.path() / "incoming"));  // consumed even on failure: never left behind
}

}  // namespace
}  // namespace cloudfilm
