#pragma once
// Saving staged captures into a library (the person's output folder). The staged copies were recognised and validated
// by DCMTK when they were captured, and the staging index holds what was learnt of each: they are copied with that,
// never parsed again, and filed through the library's Store like any other source (same layout, same choice of the
// better copy, a rebuilt file never passing for an original).
#include <cstdint>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "store/store.h"

namespace cloudfilm::ingest {

struct SavePlan {
  std::vector<const store::KeptInstance*> instances;  // staged instances to copy, series by series
  std::uint64_t bytes = 0;                            // their total size
  std::vector<std::string> unknownSeries;             // asked for, but nothing staged has that Series Instance UID
};

struct SaveSummary {
  std::size_t written = 0, duplicates = 0, replaced = 0, keptWorse = 0, failed = 0;
  std::size_t superseded = 0;  // files with derived identifiers removed: their images came again with the site's tags
  std::set<std::string> savedSeries;  // Series Instance UIDs that now hold at least one of the saved instances
  std::vector<std::string> problems;  // why copies failed (the first few), for the log
};

// What saving the chosen series (all when `seriesUids` is empty) would copy. The plan points into `staging`: use it
// before staging changes.
SavePlan planSave(const store::Store& staging, const std::vector<std::string>& seriesUids);

// Copies the plan's instances into `library` and commits it. A copy that cannot be read counts as failed and the rest
// go on; a full disk stops the save with cloudfilm::Error(DiskFull) after committing what was filed before it.
SaveSummary saveStaged(const store::Store& staging, const SavePlan& plan, store::Store& library);

}  // namespace cloudfilm::ingest
