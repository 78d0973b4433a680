// Issue 18, what a real OHIF viewer in front of Orthanc showed: the expected count of a series (the site's own
// count wins over ImagesInAcquisition / NumberOfSlices, which count an acquisition), search answers told from metadata
// (never kept as pieces waiting to be rebuilt), and attributes the site gave only as a BulkDataURI accounted for.
#include "dicomweb/series_facts.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "dicom/dicom_file.h"
#include "dicom/dicom_json.h"
#include "host/list_pages.h"
#include "ingest/ingestor.h"
#include "ingest/report.h"
#include "protocol/messages.h"
#include "store/store.h"
#include "test_files.h"

namespace cloudfilm {
namespace {

using dicomweb::classifyDicomJson;
using dicomweb::DicomJsonPurpose;
using dicomweb::ExpectedFrom;
using dicomweb::SearchLevel;
using ingest::Outcome;
using nlohmann::json;
using namespace cloudfilm::test;

constexpr const char* kStudy = "1.2.826.0.1.3680043.8.498.71";
constexpr const char* kSeries = "1.2.826.0.1.3680043.8.498.72";
constexpr const char* kOther = "1.2.826.0.1.3680043.8.498.73";

// ---- what a DICOM JSON body is, by its URL -----------------------------------------------------------------------

TEST(DicomJsonPurpose, MetadataAndSearchAnswersAsOhifAsksForThem) {
  const std::string root = "http://127.0.0.1:41000/orthanc/dicom-web";
  const auto studies = classifyDicomJson(root + "/studies?limit=101&offset=0&fuzzymatching=false&includefield=00081030");
  EXPECT_EQ(studies.purpose, DicomJsonPurpose::SearchAnswer);
  EXPECT_EQ(studies.level, SearchLevel::Studies);
  EXPECT_TRUE(studies.paged);
  const auto series = classifyDicomJson(root + "/studies/1.2.3/series?includefield=00080021%2C0008103E");
  EXPECT_EQ(series.purpose, DicomJsonPurpose::SearchAnswer);
  EXPECT_EQ(series.level, SearchLevel::Series);
  EXPECT_EQ(series.study, "1.2.3");
  EXPECT_FALSE(series.paged);
  const auto instances = classifyDicomJson(root + "/studies/1.2.3/series/4.5/instances");
  EXPECT_EQ(instances.purpose, DicomJsonPurpose::SearchAnswer);
  EXPECT_EQ(instances.level, SearchLevel::Instances);
  EXPECT_EQ(instances.series, "4.5");
  EXPECT_EQ(classifyDicomJson(root + "/series?PatientID=7").level, SearchLevel::Series);
  EXPECT_EQ(classifyDicomJson(root + "/instances/").purpose, DicomJsonPurpose::SearchAnswer);

  const auto seriesMetadata = classifyDicomJson(root + "/studies/1.2.3/series/4.5/metadata");
  EXPECT_EQ(seriesMetadata.purpose, DicomJsonPurpose::Metadata);
  EXPECT_TRUE(seriesMetadata.instance.empty());
  const auto instanceMetadata = classifyDicomJson(root + "/studies/1.2.3/series/4.5/instances/6.7/metadata");
  EXPECT_EQ(instanceMetadata.purpose, DicomJsonPurpose::Metadata);
  EXPECT_EQ(instanceMetadata.instance, "6.7");
  EXPECT_EQ(classifyDicomJson(root + "/studies/1.2.3/metadata?x=1").purpose, DicomJsonPurpose::Metadata);

  EXPECT_EQ(classifyDicomJson("https://site/api/patient/7/viewer.json").purpose, DicomJsonPurpose::Other);
  EXPECT_EQ(classifyDicomJson("").purpose, DicomJsonPurpose::Other);
  EXPECT_EQ(classifyDicomJson("/").purpose, DicomJsonPurpose::Other);
  EXPECT_EQ(classifyDicomJson("http://h/studies/1/series/2/instances/3").purpose, DicomJsonPurpose::Other);
}

// ---- the expected-count rule --------------------------------------------------------------------------------------

store::SeriesSummary summary(std::size_t instances, std::optional<long> fromNumbers, std::optional<long> fromAcquisition) {
  store::SeriesSummary s;
  s.seriesInstanceUid = kSeries;
  s.instances = instances;
  s.expectedFromNumbers = fromNumbers;
  s.expectedFromAcquisition = fromAcquisition;
  return s;
}

TEST(ExpectedCount, TheSeriesMetadataAnswerWinsOverImagesInAcquisition) {
  // The case: a series of 7 whose files say ImagesInAcquisition 12; the series metadata listed 7.
  dicomweb::SeriesFact fact;
  fact.instancesInMetadata = 7;
  fact.instancesInSearch = 9;  // a stale search: the metadata answer is the fuller truth
  const auto expected = dicomweb::expectedInstances(summary(7, 7, 12), &fact);
  EXPECT_EQ(expected.count, 7);
  EXPECT_EQ(expected.from, ExpectedFrom::SeriesMetadata);
  EXPECT_TRUE(expected.definite());
}

TEST(ExpectedCount, ASearchAnswersCountWhenNoMetadataWasSeen) {
  dicomweb::SeriesFact fact;
  fact.instancesInSearch = 20;
  const auto expected = dicomweb::expectedInstances(summary(8, 8, std::nullopt), &fact);
  EXPECT_EQ(expected.count, 20);
  EXPECT_EQ(expected.from, ExpectedFrom::SearchAnswer);
  EXPECT_TRUE(expected.definite());
}

TEST(ExpectedCount, WithoutTheSitesCountOnlyInferredNeverDefinite) {
  auto acquisition = dicomweb::expectedInstances(summary(7, 7, 12), nullptr);
  EXPECT_EQ(acquisition.count, 12);
  EXPECT_EQ(acquisition.from, ExpectedFrom::Acquisition);
  EXPECT_FALSE(acquisition.definite());
  auto numbers = dicomweb::expectedInstances(summary(7, 9, 4), nullptr);  // gaps: 9 numbers, 7 kept
  EXPECT_EQ(numbers.count, 9);
  EXPECT_EQ(numbers.from, ExpectedFrom::InstanceNumbers);
  EXPECT_FALSE(numbers.definite());
  const dicomweb::SeriesFact empty;  // a fact without counts (only names) says nothing of the size
  EXPECT_EQ(dicomweb::expectedInstances(summary(7, std::nullopt, std::nullopt), &empty).from, ExpectedFrom::Nothing);
  EXPECT_FALSE(dicomweb::expectedInstances(summary(7, std::nullopt, std::nullopt), nullptr).count);
}

TEST(ExpectedCount, ListEntriesSayWhereTheCountComesFrom) {
  dicomweb::SeriesFact fact;
  fact.instancesInMetadata = 7;
  const json definite = host::seriesEntry(summary(7, 7, 12), &fact);
  EXPECT_EQ(definite["expected"], 7);
  EXPECT_EQ(definite["expectedFrom"], "series-metadata");
  const json inferred = host::seriesEntry(summary(7, 7, 12), nullptr);
  EXPECT_EQ(inferred["expected"], 12);
  EXPECT_EQ(inferred["expectedFrom"], "acquisition");
  EXPECT_FALSE(host::seriesEntry(summary(7, std::nullopt, std::nullopt)).contains("expected"));
  // `cloudfilm list` words an inferred count as a possibility, the site's own as a fact.
  EXPECT_NE(ingest::describeSeries(summary(7, 7, 12)).find("may be 12"), std::string::npos);
  dicomweb::SeriesFact bigger;
  bigger.instancesInMetadata = 9;
  EXPECT_NE(ingest::describeSeries(summary(7, 7, 12), &bigger).find("7 of 9"), std::string::npos);
  EXPECT_EQ(ingest::describeSeries(summary(7, 7, 12), &fact).find("of"), std::string::npos);
}

// ---- search answers and metadata through the ingestor ---------------------------------------------------------------

json attribute(const char* vr, json value) { return {{"vr", vr}, {"Value", json::array({std::move(value)})}}; }

json seriesMatch(const std::string& series, int instances, const std::string& description) {
  return {{"0020000D", attribute("UI", kStudy)},
          {"0020000E", attribute("UI", series)},
          {"00080060", attribute("CS", "MR")},
          {"0008103E", attribute("LO", description)},
          {"00200011", attribute("IS", 700)},
          {"00100010", attribute("PN", json{{"Alphabetic", "Wang^Xiaoming"}, {"Ideographic", "王^小明"}})},
          {"00201209", attribute("IS", instances)}};
}

json instanceJson(const std::string& sop, const std::string& series = kSeries) {
  return {{"00080016", attribute("UI", "1.2.840.10008.5.1.4.1.1.4")},
          {"00080018", attribute("UI", sop)},
          {"00080060", attribute("CS", "MR")},
          {"0020000D", attribute("UI", kStudy)},
          {"0020000E", attribute("UI", series)},
          {"00200013", attribute("IS", 1)},
          {"00201002", attribute("IS", 12)},  // ImagesInAcquisition: of the acquisition, not of this series
          {"00280002", attribute("US", 1)},
          {"00280004", attribute("CS", "MONOCHROME2")},
          {"00280010", attribute("US", 2)},
          {"00280011", attribute("US", 2)},
          {"00280100", attribute("US", 8)},
          {"00280101", attribute("US", 8)},
          {"00280102", attribute("US", 7)},
          {"00280103", attribute("US", 0)}};
}

class SeriesFactsIngest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dicom::initialize().has_value());
    open();
  }
  void open() {
    ingestor_.reset();
    store_ = std::make_unique<store::Store>(dir_ / "library");
    ingestor_ = std::make_unique<ingest::Ingestor>(*store_);
  }
  std::string root() const { return "http://127.0.0.1:41000/orthanc/dicom-web/studies/" + std::string(kStudy); }
  std::vector<ingest::ObjectResult> body(const std::string& url, const std::string& bytes,
                                         const std::string& type = "application/dicom+json") {
    return ingestor_->ingestBody(ingest::BodyMeta{url, 200, type, 0}, bytes);
  }
  void frame(const std::string& sop, const std::string& series = kSeries) {
    const std::string url = root() + "/series/" + series + "/instances/" + sop + "/frames/1";
    for (const auto& r : body(url, "--B\r\nContent-Type: application/octet-stream\r\n\r\nABCD\r\n--B--\r\n",
                              "multipart/related; type=\"application/octet-stream\"; boundary=B"))
      ASSERT_EQ(r.outcome, Outcome::KeptForReconstruction) << r.reason;
  }

  TempDir dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<ingest::Ingestor> ingestor_;
};

TEST_F(SeriesFactsIngest, ASearchAnswerIsRecognisedReadAndNeverKeptAsAPiece) {
  const json answer = json::array({seriesMatch(kSeries, 7, "ANGIO"), seriesMatch(kOther, 3, "定位像")});
  const auto results = body(root() + "/series?includefield=00080021", answer.dump());
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].outcome, Outcome::SearchAnswer);
  EXPECT_EQ(std::string(ingest::outcomeName(results[0].outcome)), "search-answer");
  EXPECT_NE(results[0].reason.find("2 series named"), std::string::npos) << results[0].reason;
  EXPECT_EQ(ingestor_->inbox().size(), 0u);  // nothing waits "for rebuilding"
  ingestor_->rebuildFromPieces();
  EXPECT_EQ(ingestor_->piecesWaiting(), 0u);
  const auto* fact = ingestor_->seriesFacts().find(kSeries);
  ASSERT_NE(fact, nullptr);
  EXPECT_EQ(fact->instancesInSearch, 7u);
  EXPECT_EQ(fact->seriesDescription, "ANGIO");
  EXPECT_EQ(fact->patientName, "Wang^Xiaoming=王^小明");

  // A study search (the viewer's study list) names no series; other DICOM JSON is not kept either.
  EXPECT_EQ(body(root().substr(0, root().find("/studies")) + "/studies?limit=101", "[]").at(0).outcome,
            Outcome::SearchAnswer);
  EXPECT_EQ(body("http://site/api/list.json", answer.dump()).at(0).outcome, Outcome::NotDicom);
  EXPECT_EQ(ingestor_->inbox().size(), 0u);
}

TEST_F(SeriesFactsIngest, TheSeriesMetadataAnswerGivesTheSeriesSizeWhichOutlivesItsPieces) {
  json metadata = json::array();
  for (int i = 1; i <= 7; ++i) metadata.push_back(instanceJson("1.2.3.18." + std::to_string(i)));
  ASSERT_EQ(body(root() + "/series/" + kSeries + "/metadata", metadata.dump()).at(0).outcome,
            Outcome::KeptForReconstruction);
  for (int i = 1; i <= 7; ++i) frame("1.2.3.18." + std::to_string(i));
  std::size_t filed = 0;
  for (const auto& r : ingestor_->rebuildFromPieces()) filed += r.outcome == Outcome::Stored;
  EXPECT_EQ(filed, 7u);
  store_->commit();
  EXPECT_EQ(ingestor_->piecesWaiting(), 0u);
  EXPECT_EQ(ingestor_->inbox().size(), 0u);

  // Another host (a restart) still knows the series has 7, though the metadata piece is gone.
  open();
  const auto* fact = ingestor_->seriesFacts().find(kSeries);
  ASSERT_NE(fact, nullptr);
  EXPECT_EQ(fact->instancesInMetadata, 7u);
  const auto series = store_->series();
  ASSERT_EQ(series.size(), 1u);
  EXPECT_EQ(series[0].expectedFromAcquisition, 12);  // what the files say...
  // (The list groups series by these folder names: once lost, every series showed under one study.)
  EXPECT_FALSE(series[0].patientFolder.empty());
  EXPECT_FALSE(series[0].studyFolder.empty());
  EXPECT_FALSE(series[0].seriesFolder.empty());
  EXPECT_EQ(series[0].folder, store_->root() / series[0].patientFolder / series[0].studyFolder / series[0].seriesFolder);
  const json entry = host::seriesEntry(series[0], fact);
  EXPECT_EQ(entry["expected"], 7);  // ...is not what the popup is told
  EXPECT_EQ(entry["expectedFrom"], "series-metadata");

  // One instance's own metadata says nothing of its series' size.
  ASSERT_EQ(body(root() + "/series/" + kOther + "/instances/1.2.3.19.1/metadata",
                 json::array({instanceJson("1.2.3.19.1", kOther)}).dump()).at(0).outcome,
            Outcome::KeptForReconstruction);
  ingestor_->rebuildFromPieces();
  EXPECT_EQ(ingestor_->seriesFacts().find(kOther), nullptr);
  EXPECT_EQ(ingestor_->piecesWaiting(), 1u);  // that one waits for its frame

  ingestor_->seriesFacts().forget({kSeries});
  EXPECT_EQ(ingestor_->seriesFacts().find(kSeries), nullptr);
}

TEST_F(SeriesFactsIngest, ASeriesASearchNamedAndNothingOfItLoadedIsListedAsSeenNotLoaded) {
  body(root() + "/series", json::array({seriesMatch(kSeries, 7, "ANGIO"), seriesMatch(kOther, 3, "LOC")}).dump());
  std::size_t omitted = 0;
  json listed = host::awaitingSeries({}, host::kAwaitingBudget, &omitted, &ingestor_->seriesFacts(), {kOther});
  ASSERT_EQ(listed.size(), 1u);  // kOther is staged: not listed
  EXPECT_EQ(listed[0]["seriesInstanceUid"], kSeries);
  EXPECT_EQ(listed[0]["instances"], 7);
  EXPECT_EQ(listed[0]["seriesDescription"], "ANGIO");
  EXPECT_EQ(listed[0]["seriesNumber"], 700);
  // Once its metadata arrived, the instances waiting say it (once, not twice).
  ingest::ObjectResult waiting;
  waiting.outcome = Outcome::KeptForReconstruction;
  waiting.info.studyInstanceUid = kStudy;
  waiting.info.seriesInstanceUid = kSeries;
  listed = host::awaitingSeries({waiting}, host::kAwaitingBudget, &omitted, &ingestor_->seriesFacts(), {});
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0]["seriesInstanceUid"], kOther);
  EXPECT_EQ(listed[1]["instances"], 1);
}

TEST_F(SeriesFactsIngest, HostileSearchAnswersAreBoundedAndNeverCrash) {
  for (const std::string& text : {std::string("{"), std::string("[1,2,\"x\",null,{}]"), std::string("{\"a\":1}"),
                                  std::string("[{\"0020000E\":{\"vr\":\"UI\",\"Value\":[{}]}}]"),
                                  std::string("[{\"0020000E\":{\"vr\":\"UI\",\"Value\":[\"") + std::string(500, '9') +
                                      "\"]}}]",
                                  std::string("[{\"0020000E\":{\"vr\":\"UI\",\"Value\":[\"1.2\"]},\"00201209\":"
                                              "{\"vr\":\"IS\",\"Value\":[-5]}}]")}) {
    const auto results = body(root() + "/series", text);
    ASSERT_EQ(results.size(), 1u);
    EXPECT_EQ(results[0].outcome, Outcome::SearchAnswer) << text;
  }
  EXPECT_EQ(ingestor_->seriesFacts().find(std::string(500, '9')), nullptr);  // not a UID: not kept
  const auto* negative = ingestor_->seriesFacts().find("1.2");
  ASSERT_NE(negative, nullptr);
  EXPECT_FALSE(negative->instancesInSearch);  // -5 is not a count
  EXPECT_EQ(ingestor_->inbox().size(), 0u);
  // A corrupt record file is only a lost hint.
  { std::ofstream(store_->reconstructionDir().parent_path() / "dicomweb-series.json") << "{not json"; }
  open();
  EXPECT_TRUE(ingestor_->seriesFacts().all().empty());
}

// ---- attributes given only as a BulkDataURI ----------------------------------------------------------------------

TEST_F(SeriesFactsIngest, AttributesTheSiteDidNotSendAreCountedPerSeriesAndRecordedInTheFile) {
  json metadata = json::array();
  for (int i = 1; i <= 3; ++i) {
    json instance = instanceJson("1.2.3.20." + std::to_string(i));
    // A GE-style private block and an icon, both offered only as links the viewer never follows.
    instance["00090010"] = attribute("LO", "GEMS_IDEN_01");
    instance["00091010"] = {{"vr", "OB"}, {"BulkDataURI", root() + "/series/x/instances/y/bulk/00091010"}};
    if (i == 1) instance["00880200"] = {{"vr", "SQ"}, {"Value", json::array({{{"7FE00010", {{"vr", "OB"},
                     {"BulkDataURI", root() + "/bulk/icon"}}}}})}};
    metadata.push_back(std::move(instance));
  }
  body(root() + "/series/" + kSeries + "/metadata", metadata.dump());
  for (int i = 1; i <= 3; ++i) frame("1.2.3.20." + std::to_string(i));
  std::size_t filed = 0;
  for (const auto& r : ingestor_->rebuildFromPieces()) {
    if (r.outcome != Outcome::Stored) continue;
    ++filed;
    EXPECT_FALSE(r.info.attributesNotSent.empty());
    // The file says it itself, in a private block: creator, a sentence naming them, their count.
    std::ifstream in(r.file, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_NE(bytes.find(dicom::kRebuildNoteCreator), std::string::npos);
    EXPECT_NE(bytes.find("did not send them"), std::string::npos);
    EXPECT_NE(bytes.find("(0009,1010)"), std::string::npos);
    EXPECT_TRUE(dicom::inspectFile(r.file, dicom::Framing::Part10).usable);
  }
  EXPECT_EQ(filed, 3u);
  store_->commit();
  open();  // the index keeps it across restarts
  const auto series = store_->series();
  ASSERT_EQ(series.size(), 1u);
  EXPECT_EQ(series[0].attributesNotSentCount, 2u);  // (0009,1010) and the icon's pixel data, distinct
  EXPECT_EQ(series[0].instancesWithoutAttributes, 3u);
  EXPECT_EQ(host::seriesEntry(series[0])["attributesNotSent"], 2);
  EXPECT_NE(ingest::describeSeries(series[0]).find("rebuilt without 2 attributes the site did not send"),
            std::string::npos)
      << ingest::describeSeries(series[0]);
  EXPECT_EQ(ingest::seriesJson(series[0])["attributesNotSent"], 2);
}

TEST_F(SeriesFactsIngest, AFullyResolvedRebuildCarriesNoNote) {
  body(root() + "/series/" + kSeries + "/metadata", json::array({instanceJson("1.2.3.21.1")}).dump());
  frame("1.2.3.21.1");
  const auto results = ingestor_->rebuildFromPieces();
  ASSERT_EQ(results.size(), 1u);
  EXPECT_TRUE(results[0].info.attributesNotSent.empty());
  std::ifstream in(results[0].file, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(bytes.find(dicom::kRebuildNoteCreator), std::string::npos);
  store_->commit();
  EXPECT_FALSE(host::seriesEntry(store_->series().at(0)).contains("attributesNotSent"));
}

}  // namespace
}  // namespace cloudfilm
