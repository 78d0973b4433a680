#include "dicomweb/series_facts.h"

#include <algorithm>
#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

#include "dicomweb/json_values.h"
#include "dicomweb/reconstructor.h"
#include "util/fd_io.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace cloudfilm::dicomweb {
namespace {

constexpr std::uint64_t kMaxFactsFileBytes = 64ull << 20;
constexpr std::size_t kMaxNameBytes = 256;  // names come from a page: bounded before they are kept

std::string bounded(std::string text) {
  if (text.size() <= kMaxNameBytes) return text;
  std::size_t cut = kMaxNameBytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  text.resize(cut);
  return text;
}

bool queryHas(const std::string& query, const char* name) {
  const std::string key = std::string(name) + "=";
  std::size_t at = 0;
  while ((at = query.find(key, at)) != std::string::npos) {
    if (at == 0 || query[at - 1] == '&') return true;
    at += key.size();
  }
  return false;
}

}  // namespace

DicomJsonKind classifyDicomJson(std::string_view url) {
  DicomJsonKind kind;
  std::string path = urlPath(url);
  std::string query;
  if (const auto mark = path.find('?'); mark != std::string::npos) {
    query = path.substr(mark + 1);
    path.resize(mark);
  }
  const auto segments = pathSegments(path);
  if (segments.empty()) return kind;
  // The study and series the path is scoped to: the segment after "studies" and after "series".
  for (std::size_t k = 0; k + 1 < segments.size(); ++k) {
    if (segments[k] == "studies" && kind.study.empty()) kind.study = segments[k + 1];
    else if (segments[k] == "series" && kind.series.empty()) kind.series = segments[k + 1];
    else if (segments[k] == "instances" && kind.instance.empty()) kind.instance = segments[k + 1];
  }
  const std::string& last = segments.back();
  if (last == "metadata") {
    kind.purpose = DicomJsonPurpose::Metadata;
  } else if (last == "studies" || last == "series" || last == "instances") {
    kind.purpose = DicomJsonPurpose::SearchAnswer;
    kind.level = last == "studies" ? SearchLevel::Studies : last == "series" ? SearchLevel::Series : SearchLevel::Instances;
    kind.paged = queryHas(query, "limit") || queryHas(query, "offset");
  }
  return kind;
}

ExpectedCount expectedInstances(const store::SeriesSummary& series, const SeriesFact* fact) {
  ExpectedCount out;
  if (fact && fact->instancesInMetadata) {
    out.count = static_cast<long>(*fact->instancesInMetadata);
    out.from = ExpectedFrom::SeriesMetadata;
    return out;
  }
  if (fact && fact->instancesInSearch) {
    out.count = static_cast<long>(*fact->instancesInSearch);
    out.from = ExpectedFrom::SearchAnswer;
    return out;
  }
  // Only inferred from here: gaps in the instance numbers say more than an acquisition's size does.
  if (series.expectedFromNumbers) {
    out.count = *series.expectedFromNumbers;
    out.from = ExpectedFrom::InstanceNumbers;
  }
  if (series.expectedFromAcquisition && *series.expectedFromAcquisition > out.count.value_or(0)) {
    out.count = *series.expectedFromAcquisition;
    out.from = ExpectedFrom::Acquisition;
  }
  return out;
}

const char* expectedFromName(ExpectedFrom from) {
  switch (from) {
    case ExpectedFrom::SeriesMetadata: return "series-metadata";
    case ExpectedFrom::SearchAnswer: return "search";
    case ExpectedFrom::InstanceNumbers: return "instance-numbers";
    case ExpectedFrom::Acquisition: return "acquisition";
    case ExpectedFrom::Nothing: break;
  }
  return "";
}

SeriesFacts::SeriesFacts(fs::path file) : file_(std::move(file)) {
  std::error_code ec;
  const auto size = fs::file_size(file_, ec);
  if (ec || size > kMaxFactsFileBytes) return;
  try {
    std::ifstream in(file_, std::ios::binary);
    const json document = json::parse(in);
    if (!document.is_object()) return;
    for (const auto& [uid, entry] : document.items()) {
      if (!entry.is_object() || facts_.size() >= kMaxSeries) continue;
      SeriesFact fact;
      fact.studyInstanceUid = entry.value("study", std::string());
      if (auto it = entry.find("metadata"); it != entry.end() && it->is_number_unsigned())
        fact.instancesInMetadata = it->get<std::size_t>();
      if (auto it = entry.find("search"); it != entry.end() && it->is_number_unsigned())
        fact.instancesInSearch = it->get<std::size_t>();
      if (auto it = entry.find("seriesNumber"); it != entry.end() && it->is_number_integer())
        fact.seriesNumber = it->get<long>();
      fact.patientName = bounded(entry.value("patientName", std::string()));
      fact.studyDescription = bounded(entry.value("studyDescription", std::string()));
      fact.modality = bounded(entry.value("modality", std::string()));
      fact.seriesDescription = bounded(entry.value("seriesDescription", std::string()));
      fact.announced = entry.value("announced", false);
      facts_[uid] = std::move(fact);
    }
  } catch (const std::exception&) {
    facts_.clear();  // an unreadable record is only a lost hint: counts fall back to what the files say
  }
}

const SeriesFact* SeriesFacts::find(const std::string& seriesUid) const {
  auto it = facts_.find(seriesUid);
  return it == facts_.end() ? nullptr : &it->second;
}

SeriesFact* SeriesFacts::slot(const std::string& seriesUid, const std::string& studyUid) {
  if (seriesUid.empty() || seriesUid.size() > 64) return nullptr;  // a UID is at most 64 characters
  auto it = facts_.find(seriesUid);
  if (it == facts_.end()) {
    if (facts_.size() >= kMaxSeries) return nullptr;
    it = facts_.emplace(seriesUid, SeriesFact{}).first;
  }
  if (it->second.studyInstanceUid.empty() && studyUid.size() <= 64) it->second.studyInstanceUid = studyUid;
  changed_ = true;
  return &it->second;
}

void SeriesFacts::fromMetadata(const std::vector<std::string>& instanceKeys) {
  // key: study/series/sop. Every instance the answer lists is counted once per series.
  std::map<std::pair<std::string, std::string>, std::set<std::string>> bySeries;
  for (const auto& key : instanceKeys) {
    const auto first = key.find('/'), last = key.rfind('/');
    if (first == std::string::npos || last == first) continue;
    bySeries[{key.substr(0, first), key.substr(first + 1, last - first - 1)}].insert(key.substr(last + 1));
  }
  for (const auto& [ids, sops] : bySeries) {
    SeriesFact* fact = slot(ids.second, ids.first);
    if (!fact) continue;
    // Two metadata answers of one series (a reload after the server received more): the later one is the truth.
    fact->instancesInMetadata = sops.size();
  }
}

std::size_t SeriesFacts::fromSearchAnswer(const json& answer, const DicomJsonKind& kind) {
  if (!answer.is_array() || kind.purpose != DicomJsonPurpose::SearchAnswer) return 0;
  std::size_t named = 0;
  if (kind.level == SearchLevel::Series) {
    for (const auto& match : answer) {
      if (!match.is_object()) continue;
      const std::string series = firstString(match, "0020000E");
      std::string study = firstString(match, "0020000D");
      if (study.empty()) study = kind.study;
      SeriesFact* fact = slot(series, study);
      if (!fact) continue;
      ++named;
      fact->announced = true;
      if (auto count = firstNumber<std::size_t>(match, "00201209")) fact->instancesInSearch = *count;
      if (auto name = firstPersonName(match, "00100010"); !name.empty()) fact->patientName = bounded(name);
      if (auto text = firstString(match, "00081030"); !text.empty()) fact->studyDescription = bounded(text);
      if (auto text = firstString(match, "00080060"); !text.empty()) fact->modality = bounded(text);
      if (auto text = firstString(match, "0008103E"); !text.empty()) fact->seriesDescription = bounded(text);
      if (auto number = firstNumber<long>(match, "00200011")) fact->seriesNumber = *number;
    }
  } else if (kind.level == SearchLevel::Instances) {
    // An instance search scoped to one series and not paged lists every instance of it.
    std::map<std::pair<std::string, std::string>, std::set<std::string>> bySeries;
    for (const auto& match : answer) {
      if (!match.is_object()) continue;
      std::string study = firstString(match, "0020000D"), series = firstString(match, "0020000E");
      if (study.empty()) study = kind.study;
      if (series.empty()) series = kind.series;
      const std::string sop = firstString(match, "00080018");
      if (!series.empty() && !sop.empty()) bySeries[{study, series}].insert(sop);
    }
    for (const auto& [ids, sops] : bySeries) {
      SeriesFact* fact = slot(ids.second, ids.first);
      if (!fact) continue;
      ++named;
      if (!kind.paged && !kind.series.empty() && ids.second == kind.series) fact->instancesInSearch = sops.size();
    }
  }
  return named;  // a study search names studies, not series: nothing to keep
}

void SeriesFacts::forget(const std::vector<std::string>& seriesUids) {
  if (seriesUids.empty()) {
    changed_ = changed_ || !facts_.empty();
    facts_.clear();
  }
  for (const auto& uid : seriesUids) changed_ = facts_.erase(uid) > 0 || changed_;
}

void SeriesFacts::save() {
  if (!changed_) return;
  json document = json::object();
  for (const auto& [uid, fact] : facts_) {
    json entry = {{"study", fact.studyInstanceUid}};
    if (fact.instancesInMetadata) entry["metadata"] = *fact.instancesInMetadata;
    if (fact.instancesInSearch) entry["search"] = *fact.instancesInSearch;
    if (fact.seriesNumber) entry["seriesNumber"] = *fact.seriesNumber;
    if (fact.announced) entry["announced"] = true;
    for (const auto& [key, value] : {std::pair<const char*, const std::string*>{"patientName", &fact.patientName},
                                     {"studyDescription", &fact.studyDescription},
                                     {"modality", &fact.modality},
                                     {"seriesDescription", &fact.seriesDescription}})
      if (!value->empty()) entry[key] = *value;
    document[uid] = std::move(entry);
  }
  const fs::path temporary = file_.string() + ".tmp";
  writeWholeFile(temporary, document.dump(-1, ' ', false, json::error_handler_t::replace));
  std::error_code ec;
  fs::rename(temporary, file_, ec);
  if (ec) {
    fs::remove(temporary, ec);
    return;  // a lost hint, not a lost image: counts fall back to what the files say
  }
  changed_ = false;
}

}  // namespace cloudfilm::dicomweb
