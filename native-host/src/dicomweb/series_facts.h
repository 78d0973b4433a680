#pragma once
// What a DICOMweb server itself said about whole series, as opposed to what the kept files suggest: how many
// instances a series has (its own metadata answer lists every one; a QIDO-RS search answer gives
// NumberOfSeriesRelatedInstances) and the names a search announced. The popup's "N of M slices" must rest on this
// when it was seen: ImagesInAcquisition and NumberOfSlices count an acquisition, not a series (a series may hold part
// of one, or several), so a count inferred from the files is only ever a possibility.
//
// Also here: telling a DICOMweb JSON body's purpose from its URL (instance metadata, a search answer, or neither).
#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "store/store.h"

namespace cloudfilm::dicomweb {

// What a DICOM JSON (application/dicom+json) body is, by its URL's path (PS3.18): WADO-RS metadata ends in
// /metadata; a QIDO-RS search ends in /studies, /series or /instances (a query may follow).
enum class DicomJsonPurpose { Metadata, SearchAnswer, Other };
enum class SearchLevel { Studies, Series, Instances };
struct DicomJsonKind {
  DicomJsonPurpose purpose = DicomJsonPurpose::Other;
  SearchLevel level = SearchLevel::Studies;  // for SearchAnswer
  std::string study, series, instance;       // what the URL is scoped to, when it names them
  bool paged = false;                        // a search with limit= or offset=: its matches may be a part only
};
DicomJsonKind classifyDicomJson(std::string_view url);

struct SeriesFact {
  std::string studyInstanceUid;
  // Instances the series' own metadata answer (series or study level) listed: the whole series, as the server has it.
  std::optional<std::size_t> instancesInMetadata;
  // NumberOfSeriesRelatedInstances from a search answer (or the matches of an unpaged instance search).
  std::optional<std::size_t> instancesInSearch;
  // Names from a search answer, for announcing a series nothing of which was loaded.
  std::string patientName, studyDescription, modality, seriesDescription;
  std::optional<long> seriesNumber;
  bool announced = false;  // named by a search answer
};

// How many instances a series should have, and how sure that is.
enum class ExpectedFrom { Nothing, SeriesMetadata, SearchAnswer, InstanceNumbers, Acquisition };
struct ExpectedCount {
  std::optional<long> count;
  ExpectedFrom from = ExpectedFrom::Nothing;
  bool definite() const { return from == ExpectedFrom::SeriesMetadata || from == ExpectedFrom::SearchAnswer; }
};
// The rule: the series' own metadata answer when it was seen; else a search answer's count; else what the files
// suggest (the instance-number range, then NumberOfSlices / ImagesInAcquisition), which is only a possibility.
ExpectedCount expectedInstances(const store::SeriesSummary& series, const SeriesFact* fact);
const char* expectedFromName(ExpectedFrom from);  // "series-metadata", "search", "instance-numbers", "acquisition"

// Series facts of the staging library, kept in one JSON file next to the pieces (written whole, then renamed).
// Bounded: a hostile site cannot make it grow past kMaxSeries series.
class SeriesFacts {
 public:
  static constexpr std::size_t kMaxSeries = 20000;

  explicit SeriesFacts(std::filesystem::path file);  // loads it; a missing or unreadable file is an empty record

  const SeriesFact* find(const std::string& seriesUid) const;
  const std::map<std::string, SeriesFact>& all() const { return facts_; }

  // A metadata answer of `level` ("series" or "study") listed these instances (one key "study/series/sop" each).
  void fromMetadata(const std::vector<std::string>& instanceKeys);
  // A search answer: returns how many series it named. `kind` is its URL's classification.
  std::size_t fromSearchAnswer(const nlohmann::json& answer, const DicomJsonKind& kind);

  void forget(const std::vector<std::string>& seriesUids);  // all when empty
  void save();  // when changed; throws cloudfilm::Error when it cannot be written

 private:
  SeriesFact* slot(const std::string& seriesUid, const std::string& studyUid);
  std::filesystem::path file_;
  std::map<std::string, SeriesFact> facts_;
  bool changed_ = false;
};

}  // namespace cloudfilm::dicomweb
