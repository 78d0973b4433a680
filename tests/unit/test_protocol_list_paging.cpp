// The list reply's paging: every series on exactly one page, each page under the 1 MiB cap, groups rebuilt.
#include <gtest/gtest.h>

#include "host/list_pages.h"
#include "protocol/frame.h"
#include "protocol/messages.h"

using namespace cloudfilm;

namespace {

store::SeriesSummary makeSeries(int patient, int study, int series, std::size_t missing = 0) {
  store::SeriesSummary s;
  s.patientFolder = "P" + std::to_string(patient);
  s.studyFolder = "S" + std::to_string(study);
  s.seriesFolder = "X" + std::to_string(series);
  s.studyInstanceUid = "1.2." + std::to_string(patient) + "." + std::to_string(study);
  s.seriesInstanceUid = s.studyInstanceUid + "." + std::to_string(series);
  s.first.patientName = "王^小明" + std::to_string(patient);
  s.first.patientId = "P" + std::to_string(patient);
  s.first.modality = "CT";
  s.first.seriesNumber = series;
  s.first.seriesDescription = std::string(200, 'd');
  s.instances = 40;
  s.instanceNumberMin = 1;
  s.instanceNumberMax = 42;
  for (std::size_t i = 0; i < missing; ++i) s.missingInstanceNumbers.push_back(static_cast<long>(1000 + i));
  s.expected = 42;
  s.expectedFromNumbers = 42;
  return s;
}

}  // namespace

TEST(ProtocolListPaging, SmallListIsOnePageGroupedByPatientAndStudy) {
  std::vector<store::SeriesSummary> all = {makeSeries(1, 1, 1), makeSeries(1, 1, 2), makeSeries(1, 2, 1),
                                           makeSeries(2, 1, 1)};
  const auto page = host::buildListPage(all, 0);
  EXPECT_EQ(page.pages, 1u);
  ASSERT_EQ(page.patients.size(), 2u);
  EXPECT_EQ(page.patients[0]["studies"].size(), 2u);
  EXPECT_EQ(page.patients[0]["studies"][0]["series"].size(), 2u);
  const auto& series = page.patients[0]["studies"][0]["series"][0];
  EXPECT_EQ(series["instances"], 40);
  EXPECT_EQ(series["expected"], 42);
  EXPECT_EQ(series["instanceNumberMin"], 1);
  EXPECT_EQ(series["modality"], "CT");
}

TEST(ProtocolListPaging, MissingIsCappedAtOneHundred) {
  const auto entry = host::seriesEntry(makeSeries(1, 1, 1, 5000));
  EXPECT_EQ(entry["missing"].size(), host::kMaxListedMissing);
}

TEST(ProtocolListPaging, ThousandsOfSeriesArePagedUnderTheCap) {
  std::vector<store::SeriesSummary> all;
  for (int p = 0; p < 20; ++p)
    for (int st = 0; st < 10; ++st)
      for (int se = 0; se < 25; ++se) all.push_back(makeSeries(p, st, se, 100));
  const auto first = host::buildListPage(all, 0);
  ASSERT_GT(first.pages, 1u);
  std::size_t seen = 0;
  for (std::size_t i = 0; i < first.pages; ++i) {
    const auto page = host::buildListPage(all, i);
    nlohmann::json reply = {{"type", "list-result"}, {"id", 123456}, {"page", i}, {"pages", page.pages},
                            {"patients", page.patients}, {"rejected", 0}, {"notDicom", 0}, {"reconstruction", 0}};
    EXPECT_LT(protocol::serialize(reply).size(), protocol::kMaxOutboundFrameBytes);
    for (const auto& patient : page.patients)
      for (const auto& study : patient["studies"]) seen += study["series"].size();
  }
  EXPECT_EQ(seen, all.size());
  EXPECT_THROW(host::buildListPage(all, first.pages), std::out_of_range);
}

TEST(ProtocolListPaging, EmptyLibraryIsOneEmptyPage) {
  const auto page = host::buildListPage({}, 0);
  EXPECT_EQ(page.pages, 1u);
  EXPECT_TRUE(page.patients.empty());
}

namespace {

ingest::ObjectResult waitingInstance(const std::string& series, int n, const std::string& description) {
  ingest::ObjectResult r;
  r.outcome = ingest::Outcome::KeptForReconstruction;
  r.info.studyInstanceUid = "1.2.3";
  r.info.seriesInstanceUid = series;
  r.info.sopInstanceUid = series + "." + std::to_string(n);
  r.info.seriesDescription = description;
  r.reason = "instance " + r.info.sopInstanceUid + ": frames 1 of 1 missing";
  return r;
}

}  // namespace

TEST(ProtocolListAwaiting, GroupedBySeriesMostWaitingFirstNamedWhereMetadataSaysSo) {
  std::vector<ingest::ObjectResult> waiting;
  waiting.push_back(waitingInstance("1.2.3.1", 1, ""));  // frames seen, metadata not: no name
  waiting.push_back(waitingInstance("1.2.3.1", 2, "胸部平扫"));
  waiting.push_back(waitingInstance("1.2.3.1", 3, "胸部平扫"));
  waiting.push_back(waitingInstance("1.2.3.2", 1, "定位像"));
  ingest::ObjectResult rebuilt = waitingInstance("1.2.3.3", 1, "x");
  rebuilt.outcome = ingest::Outcome::Stored;  // not waiting: never listed
  waiting.push_back(rebuilt);
  std::size_t omitted = 99;
  const auto listed = host::awaitingSeries(waiting, host::kAwaitingBudget, &omitted);
  EXPECT_EQ(omitted, 0u);
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0]["seriesInstanceUid"], "1.2.3.1");
  EXPECT_EQ(listed[0]["instances"], 3);
  EXPECT_EQ(listed[0]["seriesDescription"], "胸部平扫");
  EXPECT_EQ(listed[1]["seriesInstanceUid"], "1.2.3.2");
  EXPECT_EQ(listed[1]["instances"], 1);
}

TEST(ProtocolListAwaiting, HostileNamesAndManySeriesStayWithinTheBudget) {
  std::vector<ingest::ObjectResult> waiting;
  for (int s = 0; s < 500; ++s)
    waiting.push_back(waitingInstance("1.2.3." + std::to_string(s), 1, std::string(100000, 'n') + "名"));
  std::size_t omitted = 0;
  const auto listed = host::awaitingSeries(waiting, host::kAwaitingBudget, &omitted);
  EXPECT_GT(listed.size(), 0u);
  EXPECT_EQ(listed.size() + omitted, 500u);
  EXPECT_LE(protocol::serialize(listed).size(), host::kAwaitingBudget);
}
