#include "host/list_pages.h"

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>
#include <string>

#include "protocol/messages.h"
#include "protocol/paging.h"

namespace cloudfilm::host {
using nlohmann::json;

namespace {

// Names come from untrusted files: keep any one field well below the page budget, cut on a UTF-8 boundary.
std::string bounded(const std::string& text, std::size_t maxBytes = 1024) {
  if (text.size() <= maxBytes) return text;
  std::size_t cut = maxBytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return text.substr(0, cut);
}

json patientShell(const store::SeriesSummary& series) {
  return {{"patientName", bounded(series.first.patientName)},
          {"patientId", bounded(series.first.patientId)},
          {"studies", json::array()}};
}

json studyShell(const store::SeriesSummary& series) {
  return {{"studyInstanceUid", bounded(series.studyInstanceUid)},
          {"studyDate", bounded(series.first.studyDate)},
          {"studyDescription", bounded(series.first.studyDescription)},
          {"series", json::array()}};
}

// Groups are told apart by their folders: the store already decided which instances belong to one patient.
std::string patientKey(const store::SeriesSummary& s) { return s.patientFolder; }
std::string studyKey(const store::SeriesSummary& s) { return s.patientFolder + "/" + s.studyFolder; }

}  // namespace

json seriesEntry(const store::SeriesSummary& series, const dicomweb::SeriesFact* fact) {
  json entry = {{"seriesInstanceUid", bounded(series.seriesInstanceUid)},
                {"modality", bounded(series.first.modality)},
                {"seriesDescription", bounded(series.first.seriesDescription)},
                {"instances", series.instances}};
  if (series.rebuilt) entry["rebuilt"] = series.rebuilt;
  if (series.derived) entry["derived"] = series.derived;
  // A vendor rebuild says "<vendor>-<how>" ("hinacom-tags", "ge-zfp-study": dicom/instance_info.h): the popup names
  // the vendor.
  for (const auto& from : series.rebuiltFrom)
    if (const auto dash = from.rfind('-'); dash != std::string::npos && dash > 0) entry["vendor"] = bounded(from.substr(0, dash));
  if (series.first.seriesNumber) entry["seriesNumber"] = *series.first.seriesNumber;
  if (series.instanceNumberMin) entry["instanceNumberMin"] = *series.instanceNumberMin;
  if (series.instanceNumberMax) entry["instanceNumberMax"] = *series.instanceNumberMax;
  json missing = json::array();
  for (std::size_t i = 0; i < series.missingInstanceNumbers.size() && i < kMaxListedMissing; ++i)
    missing.push_back(series.missingInstanceNumbers[i]);
  entry["missing"] = std::move(missing);
  if (const auto expected = dicomweb::expectedInstances(series, fact); expected.count) {
    entry["expected"] = *expected.count;
    entry["expectedFrom"] = dicomweb::expectedFromName(expected.from);
  }
  if (series.attributesNotSentCount > 0) entry["attributesNotSent"] = series.attributesNotSentCount;
  return entry;
}

ListPage buildListPage(const std::vector<store::SeriesSummary>& series, std::size_t page, std::size_t budget,
                       const dicomweb::SeriesFacts* facts) {
  const auto factOf = [&](const store::SeriesSummary& s) { return facts ? facts->find(s.seriesInstanceUid) : nullptr; };
  // Each series is charged its own size plus its patient's and study's shells, as if it opened both: an upper
  // bound, so a page never overflows whatever the grouping.
  std::vector<std::size_t> costs;
  costs.reserve(series.size());
  for (const auto& s : series) {
    costs.push_back(protocol::serialize(seriesEntry(s, factOf(s))).size() + protocol::serialize(patientShell(s)).size() +
                    protocol::serialize(studyShell(s)).size() + 8);
  }
  const auto ranges = protocol::paginate(costs, budget);
  if (page >= ranges.size())
    throw std::out_of_range("page " + std::to_string(page) + " does not exist; there are " +
                            std::to_string(ranges.size()));
  ListPage result;
  result.page = page;
  result.pages = ranges.size();
  std::string lastPatient, lastStudy;
  bool first = true;
  for (std::size_t i = ranges[page].begin; i < ranges[page].end; ++i) {
    const auto& s = series[i];
    if (first || patientKey(s) != lastPatient) {
      result.patients.push_back(patientShell(s));
      lastPatient = patientKey(s);
      lastStudy.clear();
    }
    json& studies = result.patients.back()["studies"];
    if (studies.empty() || studyKey(s) != lastStudy) {
      studies.push_back(studyShell(s));
      lastStudy = studyKey(s);
    }
    studies.back()["series"].push_back(seriesEntry(s, factOf(s)));
    first = false;
  }
  return result;
}

json awaitingSeries(const std::vector<ingest::ObjectResult>& awaiting, std::size_t budget, std::size_t* omitted,
                    const dicomweb::SeriesFacts* facts, const std::set<std::string>& staged) {
  struct Group {
    const ingest::ObjectResult* first = nullptr;
    std::size_t instances = 0;
  };
  std::map<std::string, Group> bySeries;  // key: study UID / series UID (from the URL when there is no metadata)
  // Series a search answer named of which nothing was loaded (no metadata, no frame, no file): announced, to be opened.
  std::vector<ingest::ObjectResult> announced;
  if (facts) {
    std::set<std::string> waiting;
    for (const auto& result : awaiting) waiting.insert(result.info.seriesInstanceUid);
    for (const auto& [uid, fact] : facts->all()) {
      if (!fact.announced || !fact.instancesInSearch || *fact.instancesInSearch == 0 || staged.count(uid) ||
          waiting.count(uid))
        continue;
      ingest::ObjectResult result;
      result.outcome = ingest::Outcome::KeptForReconstruction;
      result.info.studyInstanceUid = fact.studyInstanceUid;
      result.info.seriesInstanceUid = uid;
      result.info.patientName = fact.patientName;
      result.info.studyDescription = fact.studyDescription;
      result.info.modality = fact.modality;
      result.info.seriesDescription = fact.seriesDescription;
      result.info.seriesNumber = fact.seriesNumber;
      result.reason = "named by a search answer; nothing of it loaded";
      announced.push_back(std::move(result));
    }
  }
  for (const auto& result : announced) {
    Group& group = bySeries[result.info.studyInstanceUid + "/" + result.info.seriesInstanceUid];
    group.first = &result;
    group.instances = *facts->find(result.info.seriesInstanceUid)->instancesInSearch;
  }
  for (const auto& result : awaiting) {
    if (result.outcome != ingest::Outcome::KeptForReconstruction) continue;
    Group& group = bySeries[result.info.studyInstanceUid + "/" + result.info.seriesInstanceUid];
    // Prefer an instance whose metadata named the series: that is what the popup shows.
    if (!group.first || (group.first->info.seriesDescription.empty() && !result.info.seriesDescription.empty()))
      group.first = &result;
    ++group.instances;
  }
  std::vector<const Group*> order;
  for (const auto& [key, group] : bySeries) order.push_back(&group);
  std::stable_sort(order.begin(), order.end(), [](const Group* a, const Group* b) { return a->instances > b->instances; });

  protocol::BoundedArray out(budget, 2);  // 2: the array's brackets
  for (const Group* group : order) {
    const auto& info = group->first->info;
    json entry = {{"studyInstanceUid", bounded(info.studyInstanceUid, 128)},
                  {"seriesInstanceUid", bounded(info.seriesInstanceUid, 128)},
                  {"patientName", bounded(info.patientName, 256)},
                  {"studyDescription", bounded(info.studyDescription, 256)},
                  {"modality", bounded(info.modality, 16)},
                  {"seriesDescription", bounded(info.seriesDescription, 256)},
                  {"instances", group->instances},
                  {"reason", bounded(group->first->reason, 512)}};
    if (info.seriesNumber) entry["seriesNumber"] = *info.seriesNumber;
    out.add(std::move(entry));
  }
  if (omitted) *omitted = out.omitted();
  return out.take();
}

}  // namespace cloudfilm::host
