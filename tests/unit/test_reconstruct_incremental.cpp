// dicomweb/reconstructor, incremental: the index of pieces lives between calls and only the instances new pieces touch
// are examined again; what the others answered is repeated, in instance order, and bodies go once all their
// instances are done. (The cost: bench/dicomweb_rebuild_bench.sh.)
#include <gtest/gtest.h>

#include "dicom/dicom_file.h"
#include "dicomweb/reconstructor.h"
#include "ingest/ingestor.h"
#include "store/store.h"
#include "test_files.h"

namespace cloudfilm {
namespace {

using ingest::Outcome;
using nlohmann::json;
using namespace cloudfilm::test;

class ReconstructIncremental : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dicom::initialize().has_value());
    store_ = std::make_unique<store::Store>(dir_ / "library");
    ingestor_ = std::make_unique<ingest::Ingestor>(*store_);
  }

  static json instanceJson(const std::string& study, const std::string& series, const std::string& sop) {
    const auto us = [](int v) { return json{{"vr", "US"}, {"Value", {v}}}; };
    return {{"00080016", {{"vr", "UI"}, {"Value", {"1.2.840.10008.5.1.4.1.1.4"}}}},
            {"00080018", {{"vr", "UI"}, {"Value", {sop}}}},
            {"00080060", {{"vr", "CS"}, {"Value", {"MR"}}}},
            {"0020000D", {{"vr", "UI"}, {"Value", {study}}}},
            {"0020000E", {{"vr", "UI"}, {"Value", {series}}}},
            {"00280002", us(1)}, {"00280004", {{"vr", "CS"}, {"Value", {"MONOCHROME2"}}}},
            {"00280010", us(4)}, {"00280011", us(4)}, {"00280100", us(16)}, {"00280101", us(16)},
            {"00280102", us(15)}, {"00280103", us(0)}};
  }
  std::string base(const std::string& study, const std::string& series) const {
    return "http://pacs/dicom-web/studies/" + study + "/series/" + series;
  }
  void metadata(const std::string& study, const std::string& series, const std::vector<std::string>& sops) {
    json doc = json::array();
    for (const auto& sop : sops) doc.push_back(instanceJson(study, series, sop));
    ingest::BodyMeta meta{base(study, series) + "/metadata", 200, "application/dicom+json", 0};
    ASSERT_EQ(ingestor_->ingestBody(meta, doc.dump())[0].outcome, Outcome::KeptForReconstruction);
  }
  void frame(const std::string& study, const std::string& series, const std::string& sop) {
    ingest::BodyMeta meta{base(study, series) + "/instances/" + sop + "/frames/1", 200, "application/octet-stream", 0};
    ASSERT_EQ(ingestor_->ingestBody(meta, std::string(32, '\x07'))[0].outcome, Outcome::KeptForReconstruction);
  }
  static std::vector<std::string> describe(const std::vector<ingest::ObjectResult>& results) {
    std::vector<std::string> out;
    for (const auto& r : results) out.push_back(r.info.sopInstanceUid + ":" + ingest::outcomeName(r.outcome));
    return out;
  }
  std::size_t keptAside() { return ingestor_->inbox().size(); }

  TempDir dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<ingest::Ingestor> ingestor_;
};

TEST_F(ReconstructIncremental, WaitingInstancesAreRepeatedInOrderAndTheMetadataBodyGoesWithTheLast) {
  metadata("1.9", "1.9.1", {"1.9.1.1", "1.9.1.2", "1.9.1.3"});
  EXPECT_EQ(describe(ingestor_->rebuildFromPieces()),
            (std::vector<std::string>{"1.9.1.1:kept-for-reconstruction", "1.9.1.2:kept-for-reconstruction",
                                      "1.9.1.3:kept-for-reconstruction"}));
  frame("1.9", "1.9.1", "1.9.1.2");
  EXPECT_EQ(describe(ingestor_->rebuildFromPieces()),
            (std::vector<std::string>{"1.9.1.1:kept-for-reconstruction", "1.9.1.2:stored",
                                      "1.9.1.3:kept-for-reconstruction"}));
  EXPECT_EQ(keptAside(), 1u);  // the metadata body: two of its instances still wait
  const auto again = ingestor_->rebuildFromPieces();
  EXPECT_EQ(describe(again),
            (std::vector<std::string>{"1.9.1.1:kept-for-reconstruction", "1.9.1.3:kept-for-reconstruction"}));
  EXPECT_EQ(again[0].reason, "instance 1.9.1.1: frames 1 of 1 missing");
  EXPECT_EQ(again[0].info.modality, "MR");  // named from its metadata, as when first examined
  frame("1.9", "1.9.1", "1.9.1.3");
  frame("1.9", "1.9.1", "1.9.1.1");
  EXPECT_EQ(describe(ingestor_->rebuildFromPieces()),
            (std::vector<std::string>{"1.9.1.1:stored", "1.9.1.3:stored"}));
  EXPECT_EQ(keptAside(), 0u);
  EXPECT_TRUE(ingestor_->rebuildFromPieces().empty());
  EXPECT_EQ(store_->size(), 3u);
}

TEST_F(ReconstructIncremental, AnOriginalFiledMeanwhileEndsTheWait) {
  const fs::path slice = brainSlice(1);
  if (!fs::exists(slice)) GTEST_SKIP() << "sample data missing: run tests/data/fetch.sh";
  const auto original = dicom::inspectFile(slice, dicom::Framing::Part10);
  ASSERT_TRUE(original.usable) << original.reason;
  const auto& info = original.info;
  metadata(info.studyInstanceUid, info.seriesInstanceUid, {info.sopInstanceUid, info.sopInstanceUid + ".9"});
  EXPECT_EQ(ingestor_->rebuildFromPieces().size(), 2u);
  // The original arrives (no new piece: only the store changed).
  ingest::BodyMeta meta{"http://pacs/wado?objectUID=" + info.sopInstanceUid, 200, "application/dicom", 0};
  ASSERT_EQ(ingestor_->ingestBody(meta, readFile(slice))[0].outcome, Outcome::Stored);
  EXPECT_EQ(describe(ingestor_->rebuildFromPieces()),
            (std::vector<std::string>{info.sopInstanceUid + ".9:kept-for-reconstruction"}));
  EXPECT_EQ(keptAside(), 1u);  // still needed by the other instance
}

TEST_F(ReconstructIncremental, PiecesRemovedFromTheInboxAreForgotten) {
  metadata("1.8", "1.8.1", {"1.8.1.1"});
  frame("1.8", "1.8.1", "1.8.1.7");  // frames of an instance without metadata
  EXPECT_EQ(ingestor_->rebuildFromPieces().size(), 2u);
  ingestor_->inbox().clear();
  EXPECT_TRUE(ingestor_->rebuildFromPieces().empty());
  metadata("1.8", "1.8.1", {"1.8.1.1"});
  frame("1.8", "1.8.1", "1.8.1.1");
  EXPECT_EQ(describe(ingestor_->rebuildFromPieces()), (std::vector<std::string>{"1.8.1.1:stored"}));
}

}  // namespace
}  // namespace cloudfilm
