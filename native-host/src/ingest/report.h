#pragma once
// What an import did, for the person who ran it: counts, reasons, the series touched. Text and JSON.
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>
#include <nlohmann/json.hpp>

#include "ingest/ingestor.h"
#include "dicomweb/series_facts.h"
#include "store/store.h"

namespace cloudfilm::ingest {

struct InputStatus {
  std::string input;    // the file given on the command line
  std::string problem;  // empty when read completely
  bool partial = false; // read up to a cut; what came before is filed
};

class ImportReport {
 public:
  void record(const std::vector<ObjectResult>& results, const std::string& source);
  void record(const ObjectResult& result, const std::string& source) { record(std::vector<ObjectResult>{result}, source); }
  void inputRead(InputStatus status) { inputs_.push_back(std::move(status)); }

  std::size_t count(Outcome outcome) const;
  const std::vector<InputStatus>& inputs() const { return inputs_; }

  std::string toText(const store::Store& store) const;
  nlohmann::json toJson(const store::Store& store) const;

 private:
  struct ReasonCount {
    std::size_t count = 0;
    std::string example;  // a URL or file that had it
  };
  std::map<Outcome, std::size_t> counts_;
  std::map<std::string, ReasonCount> rejected_, notDicom_;
  std::vector<std::string> copyDecisions_;  // replaced / kept-worse: which copy was kept and why
  std::vector<std::string> rebuilt_;        // SOP Instance UIDs rebuilt from DICOMweb metadata and frames
  std::vector<std::string> incomplete_;     // "instance I: frames 3,4 of 10 missing": not filed
  std::set<std::string> seriesTouched_;
  std::vector<InputStatus> inputs_;
};

// `fact`: what DICOMweb answers said of the series, when known (the expected count then rests on it).
nlohmann::json seriesJson(const store::SeriesSummary& series, const dicomweb::SeriesFact* fact = nullptr);
std::string describeSeries(const store::SeriesSummary& series, const dicomweb::SeriesFact* fact = nullptr);

}  // namespace cloudfilm::ingest
