#pragma once
// The `list` reply: staged series grouped by patient and study, paged under the outbound frame cap.
#include <cstddef>
#include <vector>

#include <nlohmann/json.hpp>

#include "store/store.h"

namespace cloudfilm::host {

inline constexpr std::size_t kMaxListedMissing = 100;
// Room for the envelope of a list reply (type, id, page counters, totals) below the 1 MiB frame cap.
inline constexpr std::size_t kListPageBudget = 1024u * 1024u - 16u * 1024u;

nlohmann::json seriesEntry(const store::SeriesSummary& series);

struct ListPage {
  nlohmann::json patients = nlohmann::json::array();
  std::size_t page = 0;
  std::size_t pages = 1;
};

// `series` sorted by patient, study, series (as Store::series() returns them). Pages hold whole series; a patient or
// study spread over two pages appears on both. Throws std::out_of_range for a page past the last.
ListPage buildListPage(const std::vector<store::SeriesSummary>& series, std::size_t page,
                       std::size_t budget = kListPageBudget);

}  // namespace cloudfilm::host
