#pragma once
// The index brought in line with the library's folder when the store opens: records whose file is gone are dropped;
// files the index does not know (.dcm files, leftovers of an interrupted renumbering) are read with the inspection
// the store was given and indexed. What the inspection does not recognise stays where it is: not ours to judge or
// delete.
#include <filesystem>
#include <set>
#include <string>

#include "store/journal.h"
#include "store/store.h"

namespace cloudfilm::store {

struct Reconciliation {
  JournalBatch journal;                 // the records dropped and added, to append
  std::set<std::string> touchedSeries;  // series that gained files: to renumber
  bool changed = false;                 // whether `index` changed
};

// Updates `index` for the library at `root`; folders named like `metaFolder` (the library's own) are not scanned.
Reconciliation reconcileWithDisk(const std::filesystem::path& root, const std::filesystem::path& metaFolder,
                                 InstanceIndex& index, const InspectFile& inspect);

}  // namespace cloudfilm::store
