#pragma once
// The `list` reply: staged series grouped by patient and study, paged under the outbound frame cap.
#include <cstddef>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "dicomweb/series_facts.h"
#include "ingest/ingestor.h"
#include "store/store.h"

namespace cloudfilm::host {

inline constexpr std::size_t kMaxListedMissing = 100;
// Room for the envelope of a list reply (type, id, page counters, totals, the awaiting list) below the 1 MiB cap.
inline constexpr std::size_t kListPageBudget = 1024u * 1024u - 32u * 1024u;
inline constexpr std::size_t kAwaitingBudget = 12u * 1024u;

// `fact`: what DICOMweb answers said of the series (its size), when known: `expected` then rests on it.
nlohmann::json seriesEntry(const store::SeriesSummary& series, const dicomweb::SeriesFact* fact = nullptr);

struct ListPage {
  nlohmann::json patients = nlohmann::json::array();
  std::size_t page = 0;
  std::size_t pages = 1;
};

// `series` sorted by patient, study, series (as Store::series() returns them). Pages hold whole series; a patient or
// study spread over two pages appears on both. Throws std::out_of_range for a page past the last.
ListPage buildListPage(const std::vector<store::SeriesSummary>& series, std::size_t page,
                       std::size_t budget = kListPageBudget, const dicomweb::SeriesFacts* facts = nullptr);

// The instances DICOMweb reconstruction still waits for (outcome KeptForReconstruction), grouped by series:
// [{"studyInstanceUid","seriesInstanceUid","patientName","studyDescription","modality","seriesDescription",
//   "seriesNumber","instances":N,"reason":"<what the first one lacks>"}], most waiting first, within `budget` bytes;
// `omitted` counts the series left out. With `facts`, also the series a search answer named (with its count) that
// are neither in `staged` (Series Instance UIDs) nor waiting: seen in the viewer's list, never opened.
nlohmann::json awaitingSeries(const std::vector<ingest::ObjectResult>& awaiting, std::size_t budget,
                              std::size_t* omitted, const dicomweb::SeriesFacts* facts = nullptr,
                              const std::set<std::string>& staged = {});

}  // namespace cloudfilm::host
