// platform_windows.cpp on a real Windows file system API (Wine's): UTF-8 names round-trip through UTF-16, paths past
// MAX_PATH are written, locks exclude, nothing is ever replaced that should not be, and the frame reader reads a
// binary pipe whose length prefix holds the two bytes text mode would change (0x0a, 0x1a).
#include <windows.h>
// after windows.h
#include <fcntl.h>
#include <io.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <fstream>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "ingest/ingestor.h"
#include "platform/platform.h"
#include "protocol/frame.h"
#include "store/layout.h"
#include "store/store.h"
#include "test_files.h"
#include "util/error.h"
#include "util/fd_io.h"

namespace fs = std::filesystem;
namespace platform = cloudfilm::platform;
using cloudfilm::test::TempDir;

namespace {

std::string namesIn(const fs::path& folder) {
  std::string names;
  for (const auto& entry : fs::directory_iterator(folder)) names += platform::utf8Of(entry.path().filename()) + "|";
  return names;
}

}  // namespace

TEST(WindowsPlatform, ChineseNamesRoundTripThroughUtf16) {
  TempDir dir;
  const std::string name = "王小明 (P123) 𠀀";  // U+20000: a supplementary-plane ideograph, two UTF-16 units
  const fs::path folder = dir.path() / platform::pathFromUtf8(name);
  EXPECT_EQ(platform::utf8Of(folder.filename()), name);
  fs::create_directories(folder);
  cloudfilm::writeWholeFile(folder / platform::pathFromUtf8("胸部.dcm"), "DICM");
  EXPECT_EQ(namesIn(dir.path()), name + "|");
  EXPECT_EQ(namesIn(folder), "胸部.dcm|");
  EXPECT_EQ(fs::file_size(folder / L"\u80f8\u90e8.dcm"), 4u);  // the same file, named in UTF-16 directly
}

TEST(WindowsPlatform, FilesPastMaxPathAreWrittenReadAndRemoved) {
  TempDir dir;
  fs::path deep = dir.path();
  for (int i = 0; i < 10; ++i) deep /= platform::pathFromUtf8("二〇二六年三月二日 CT 胸部平扫 增强 五毫米 第" + std::to_string(i) + "层");
  ASSERT_GT(deep.wstring().size(), 300u);
  std::error_code ec;
  fs::create_directories(deep, ec);
  ASSERT_FALSE(ec) << ec.message();
  const fs::path file = deep / "0001.dcm";
  cloudfilm::writeWholeFile(file, std::string(1000, 'x'));
  const auto identity = platform::fileIdentity(file);
  ASSERT_TRUE(identity);
  EXPECT_EQ(identity->size, 1000u);
  const int fd = platform::openForReading(file);
  ASSERT_GE(fd, 0);
  char head[4];
  EXPECT_EQ(platform::readSome(fd, head, 4), 4);
  platform::closeFile(fd);
  platform::removeFile(file);
  EXPECT_FALSE(platform::fileIdentity(file));
}

TEST(WindowsPlatform, ReservedNamesAndTrailingDotsNeverReachTheFileSystem) {
  // Windows would open the console for "CON", or drop the dots and spaces, silently merging two series.
  TempDir dir;
  cloudfilm::dicom::InstanceInfo info;
  info.patientName = "CON";
  info.patientId = "..";
  info.studyInstanceUid = "1.2.3";
  info.seriesInstanceUid = "1.2.3.4";
  info.studyDescription = "AUX. ";
  info.seriesDescription = "nul...";
  info.modality = "CT";
  for (const std::string& name :
       {cloudfilm::store::patientFolderName(info), cloudfilm::store::studyFolderName(info),
        cloudfilm::store::seriesFolderName(info)}) {
    const fs::path folder = dir.path() / platform::pathFromUtf8(name);
    ASSERT_TRUE(fs::create_directory(folder)) << name;
    cloudfilm::writeWholeFile(folder / "0001.dcm", "x");
    EXPECT_EQ(namesIn(folder), "0001.dcm|") << name;
    EXPECT_NE(name.back(), '.');
    EXPECT_NE(name.back(), ' ');
  }
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 3);
}

TEST(WindowsPlatform, TheLockExcludesASecondHandleUntilReleased) {
  TempDir dir;
  const fs::path lock = dir.path() / "lock";
  const int first = platform::openForLocking(lock), second = platform::openForLocking(lock);
  ASSERT_GE(first, 0);
  ASSERT_GE(second, 0);
  ASSERT_TRUE(platform::lockFile(first));
  std::atomic<bool> acquired = false;
  std::thread waiter([&] {
    platform::lockFile(second);
    acquired = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_FALSE(acquired);
  platform::unlockFile(first);
  waiter.join();
  EXPECT_TRUE(acquired);
  platform::closeFile(second);
  platform::closeFile(first);
}

TEST(WindowsPlatform, MovingNeverReplacesAFile) {
  TempDir dir;
  cloudfilm::writeWholeFile(dir.path() / "a", "new");
  cloudfilm::writeWholeFile(dir.path() / "b", "old");
  EXPECT_EQ(platform::moveFileWithoutReplacing(dir.path() / "a", dir.path() / "b"), -1);
  EXPECT_EQ(errno, EEXIST);
  EXPECT_EQ(cloudfilm::test::readFile(dir.path() / "b"), "old");
  EXPECT_EQ(platform::moveFileWithoutReplacing(dir.path() / "a", dir.path() / "c"), 0);
  EXPECT_EQ(cloudfilm::test::readFile(dir.path() / "c"), "new");
}

TEST(WindowsPlatform, AFolderReplacesAnEmptyFolderButNeverAFullOne) {
  TempDir dir;
  fs::create_directories(dir.path() / "made" / "DICOM");
  fs::create_directories(dir.path() / "empty");
  EXPECT_EQ(platform::renameIntoPlace(dir.path() / "made", dir.path() / "empty"), 0);
  EXPECT_TRUE(fs::is_directory(dir.path() / "empty" / "DICOM"));
  fs::create_directories(dir.path() / "made2");
  EXPECT_EQ(platform::renameIntoPlace(dir.path() / "made2", dir.path() / "empty"), -1);
  EXPECT_TRUE(fs::is_directory(dir.path() / "empty" / "DICOM"));
  EXPECT_TRUE(fs::is_directory(dir.path() / "made2"));
}

TEST(WindowsPlatform, UserFoldersUnderLocalAppDataAndTheDownloadsKnownFolder) {
  auto env = [](const std::string& name) -> std::optional<std::string> {
    if (name == "LOCALAPPDATA") return std::string("C:\\Users\\张三\\AppData\\Local");
    return platform::environmentVariable(name);
  };
  const platform::UserFolders folders = platform::userFolders(env);
  EXPECT_EQ(platform::utf8Of(folders.data), "C:\\Users\\张三\\AppData\\Local\\CloudFilm");
  EXPECT_EQ(platform::utf8Of(folders.logs), "C:\\Users\\张三\\AppData\\Local\\CloudFilm\\logs");
  EXPECT_TRUE(folders.downloads.is_absolute()) << platform::utf8Of(folders.downloads);
  EXPECT_EQ(folders.downloads.filename(), fs::path(L"Downloads"));
}

TEST(WindowsPlatform, AProcessIsAliveWhileItRuns) {
  EXPECT_TRUE(platform::processAlive(platform::currentProcessId()));
  EXPECT_FALSE(platform::processAlive(0));
  EXPECT_FALSE(platform::processAlive(0x7ffffff0));
}

TEST(WindowsPlatform, FramesWhoseLengthHoldsNewlineAndEndOfFileBytesSurviveABinaryPipe) {
  int fds[2];
  ASSERT_EQ(::_pipe(fds, 1 << 20, _O_BINARY), 0);
  const std::string payload = "{\"type\":\"hello\"," + std::string(0x1a0a - 17, ' ') + "}";  // length 0x00001a0a
  ASSERT_EQ(payload.size(), 0x1a0au);
  ASSERT_TRUE(cloudfilm::writeAll(fds[1], cloudfilm::protocol::encodeFrame(payload)));
  platform::closeFile(fds[1]);
  cloudfilm::protocol::FrameReader reader(fds[0]);
  ASSERT_EQ(reader.next(), cloudfilm::protocol::ReadStatus::Frame);
  EXPECT_EQ(reader.frame(), payload);
  EXPECT_EQ(reader.next(), cloudfilm::protocol::ReadStatus::EndOfStream);
  platform::closeFile(fds[0]);
}

// A viewer holding a kept file open (Windows lets no one rename or remove it then): filing more slices of that series
// (which renumbers the files into anatomical order) must neither lose an image nor wedge the library; once the viewer
// lets go, the next commit puts everything in order.
TEST(WindowsPlatform, AFileAViewerHoldsOpenLosesNothingAndWedgesNothing) {
  cloudfilm::test::quietDcmtk();
  TempDir dir;
  const fs::path library = dir.path() / platform::pathFromUtf8("图像库");
  cloudfilm::test::SyntheticImage image;
  image.position = std::array<double, 3>{0, 0, 10};
  std::vector<std::string> files{cloudfilm::test::makePart10(image)};
  {
    cloudfilm::store::Store store(library);
    cloudfilm::ingest::Ingestor ingestor(store);
    cloudfilm::ingest::BodyMeta meta;
    meta.url = "https://film.example/1";
    ASSERT_EQ(ingestor.ingestBody(meta, files[0]).at(0).outcome, cloudfilm::ingest::Outcome::Stored);
    store.commit();
  }
  const auto kept = cloudfilm::test::listDicomFiles(library);
  ASSERT_EQ(kept.size(), 1u);
  // What a viewer does: open for reading, sharing reads only.
  const HANDLE viewer = ::CreateFileW((library / platform::pathFromUtf8(kept[0])).wstring().c_str(), GENERIC_READ,
                                      FILE_SHARE_READ, nullptr, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, nullptr);
  ASSERT_NE(viewer, INVALID_HANDLE_VALUE);
  for (double z : {0.0, 5.0}) {  // slices below the held one: it would have to become 0003.dcm
    cloudfilm::test::SyntheticImage slice = image;
    slice.sopInstanceUid = cloudfilm::test::newUid();
    slice.position = std::array<double, 3>{0, 0, z};
    files.push_back(cloudfilm::test::makePart10(slice));
  }
  {
    cloudfilm::store::Store store(library);
    cloudfilm::ingest::Ingestor ingestor(store);
    for (std::size_t i = 1; i < files.size(); ++i) {
      cloudfilm::ingest::BodyMeta meta;
      meta.url = "https://film.example/" + std::to_string(i + 1);
      try {
        ingestor.ingestBody(meta, files[i]);
        store.commit();
      } catch (const cloudfilm::Error& e) {
        ADD_FAILURE() << "filing stopped at the held file: " << e.what();
      } catch (const std::exception& e) {
        ADD_FAILURE() << "not a cloudfilm::Error: " << e.what();
      }
    }
  }
  ::CloseHandle(viewer);
  cloudfilm::store::Store store(library);
  store.commit();
  std::set<std::string> onDisk;
  for (const auto& file : cloudfilm::test::listDicomFiles(library))
    onDisk.insert(cloudfilm::test::readFile(library / platform::pathFromUtf8(file)));
  EXPECT_EQ(onDisk, std::set<std::string>(files.begin(), files.end())) << "every image kept, byte for byte";
  EXPECT_EQ(store.size(), 3u);
}
