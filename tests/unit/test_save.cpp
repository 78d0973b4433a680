// ingest/save: staged instances copied into a library with what staging knows of them.
#include "ingest/save.h"

#include <gtest/gtest.h>

#include "dicom/dicom_file.h"
#include "ingest/ingestor.h"
#include "test_files.h"

namespace cloudfilm {
namespace {

using namespace cloudfilm::test;

class SaveStaged : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dicom::initialize().has_value());
    staging_.emplace(dir_.path() / "staging");
    library_.emplace(dir_.path() / "output");
  }

  // Stages one synthetic instance of `series`; returns its bytes.
  std::string stage(const std::string& series, long instanceNumber) {
    SyntheticImage image;
    image.seriesInstanceUid = series;
    image.instanceNumber = instanceNumber;
    const std::string bytes = makePart10(image);
    ingest::Ingestor ingestor(*staging_);
    ingest::BodyMeta meta{"https://pacs/wado", 200, "application/dicom", 0, {}};
    EXPECT_EQ(ingestor.ingestBody(meta, bytes).at(0).outcome, ingest::Outcome::Stored);
    staging_->commit();
    return bytes;
  }

  TempDir dir_;
  std::optional<store::Store> staging_, library_;
};

TEST_F(SaveStaged, ChosenSeriesAreCopiedByteIdentical_UnknownOnesNamed) {
  const std::string a1 = stage("1.2.3.1", 1), a2 = stage("1.2.3.1", 2), b1 = stage("1.2.3.2", 1);
  const auto plan = ingest::planSave(*staging_, {"1.2.3.1", "9.9.9"});
  EXPECT_EQ(plan.instances.size(), 2u);
  EXPECT_EQ(plan.bytes, a1.size() + a2.size());
  EXPECT_EQ(plan.unknownSeries, std::vector<std::string>{"9.9.9"});

  const auto saved = ingest::saveStaged(*staging_, plan, *library_);
  EXPECT_EQ(saved.written, 2u);
  EXPECT_EQ(saved.failed, 0u);
  EXPECT_EQ(saved.savedSeries, std::set<std::string>{"1.2.3.1"});
  const auto files = listDicomFiles(library_->root());
  ASSERT_EQ(files.size(), 2u);
  std::set<std::string> contents;
  for (const auto& file : files) contents.insert(readFile(library_->root() / file));
  EXPECT_EQ(contents, (std::set<std::string>{a1, a2}));
  EXPECT_EQ(countEntries(library_->workDir()), 0u);
}

TEST_F(SaveStaged, SavingAgainFindsDuplicates) {
  stage("1.2.3.1", 1);
  ingest::saveStaged(*staging_, ingest::planSave(*staging_, {}), *library_);
  const auto again = ingest::saveStaged(*staging_, ingest::planSave(*staging_, {}), *library_);
  EXPECT_EQ(again.written, 0u);
  EXPECT_EQ(again.duplicates, 1u);
}

TEST_F(SaveStaged, AStagedFileGoneCountsAsFailed_TheRestAreSaved) {
  stage("1.2.3.1", 1);
  stage("1.2.3.1", 2);
  const auto plan = ingest::planSave(*staging_, {});
  ASSERT_EQ(plan.instances.size(), 2u);
  fs::remove(staging_->root() / plan.instances[0]->relativePath);
  const auto saved = ingest::saveStaged(*staging_, plan, *library_);
  EXPECT_EQ(saved.failed, 1u);
  EXPECT_EQ(saved.written, 1u);
  ASSERT_EQ(saved.problems.size(), 1u);
  EXPECT_NE(saved.problems[0].find("cannot copy"), std::string::npos);
  EXPECT_EQ(countEntries(library_->workDir()), 0u);
}

// The copy is filed with what staging knows (its origin included): a rebuilt file stays marked rebuilt, and the
// bytes are not parsed again (a staged file changed behind the index's back is copied as it is, under its indexed
// identity).
TEST_F(SaveStaged, CopiesAreFiledWithTheStagedIdentityAndOrigin) {
  stage("1.2.3.1", 1);
  const auto plan = ingest::planSave(*staging_, {});
  ASSERT_EQ(plan.instances.size(), 1u);
  const std::string sop = plan.instances[0]->info.sopInstanceUid;
  ingest::saveStaged(*staging_, plan, *library_);
  const store::KeptInstance* saved = library_->find(sop);
  ASSERT_NE(saved, nullptr);
  EXPECT_EQ(saved->origin, plan.instances[0]->origin);
  EXPECT_EQ(saved->info.seriesInstanceUid, "1.2.3.1");
}

}  // namespace
}  // namespace cloudfilm
