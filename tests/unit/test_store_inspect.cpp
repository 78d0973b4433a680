// store/store with its file inspection passed in: reconciliation asks the given function, and nothing else, what a
// file found on disk is.
#include <gtest/gtest.h>

#include <vector>

#include "store/store.h"
#include "test_files.h"

namespace cloudfilm {
namespace {

using namespace cloudfilm::test;
using store::Store;

TEST(StoreInspect, UnknownFiles_AskedOfTheGivenInspector_NothingMeansLeftAlone) {
  TempDir dir;
  const fs::path root = dir / "library";
  fs::create_directories(root / "P" / "S" / "1");
  writeFile(root / "P" / "S" / "1" / "0001.dcm", "not even DICOM");
  writeFile(root / "P" / "S" / "1" / "notes.txt", "not a .dcm: never asked about");
  std::vector<fs::path> asked;
  Store store(root, [&](const fs::path& file) -> std::optional<dicom::InstanceInfo> {
    asked.push_back(file);
    return std::nullopt;
  });
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_EQ(asked.front().filename(), "0001.dcm");
  EXPECT_EQ(store.size(), 0u);
  EXPECT_TRUE(fs::exists(root / "P" / "S" / "1" / "0001.dcm"));
}

TEST(StoreInspect, WhatTheInspectorSays_IsIndexedAndNumbered) {
  TempDir dir;
  const fs::path root = dir / "library";
  fs::create_directories(root / "P" / "S" / "1");
  writeFile(root / "P" / "S" / "1" / "later.dcm", "slice two");
  writeFile(root / "P" / "S" / "1" / "earlier.dcm", "slice one");
  const auto inspect = [](const fs::path& file) -> std::optional<dicom::InstanceInfo> {
    dicom::InstanceInfo info;
    info.studyInstanceUid = "1.2";
    info.seriesInstanceUid = "1.2.3";
    const bool earlier = file.filename() == "earlier.dcm";
    info.sopInstanceUid = earlier ? "1.2.3.1" : "1.2.3.2";
    info.instanceNumber = earlier ? 1 : 2;
    return info;
  };
  {
    Store store(root, inspect);
    EXPECT_EQ(store.size(), 2u);
    ASSERT_NE(store.find("1.2.3.1"), nullptr);
    EXPECT_EQ(store.find("1.2.3.1")->relativePath, "P/S/1/0001.dcm");
    EXPECT_EQ(store.find("1.2.3.2")->relativePath, "P/S/1/0002.dcm");
  }
  EXPECT_EQ(readFile(root / "P" / "S" / "1" / "0001.dcm"), "slice one");
  EXPECT_EQ(readFile(root / "P" / "S" / "1" / "0002.dcm"), "slice two");

  int calls = 0;
  Store reopened(root, [&](const fs::path&) -> std::optional<dicom::InstanceInfo> {
    ++calls;
    return std::nullopt;
  });
  EXPECT_EQ(calls, 0) << "indexed files are not inspected again";
  EXPECT_EQ(reopened.size(), 2u);
}

}  // namespace
}  // namespace cloudfilm
