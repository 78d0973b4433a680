#pragma once
// One series of the library, given its kept instances: their anatomical order, their slice files renamed into that
// order (0001.dcm, 0002.dcm ...), and the summary `list` shows.
#include <cstddef>
#include <filesystem>
#include <string_view>
#include <vector>

#include "store/store.h"

namespace cloudfilm::store {

// Temporary names of files being renumbered start with this; such a file found at open is an interrupted
// renumbering's, to be re-indexed.
inline constexpr std::string_view kRenumberingPrefix = ".cf-move-";

// How many names of attributes not sent a series summary lists (it counts them all).
inline constexpr std::size_t kMaxListedNotSent = 32;

// Indices of `members` in anatomical order (see anatomicalOrder()).
std::vector<std::size_t> anatomicalOrderOf(const std::vector<const KeptInstance*>& members);

// The first free slice name in `folder` at or after number `from`: new instances are appended after the series'
// current count, so filing stays linear in the series size (renumbering puts them in anatomical order anyway).
std::filesystem::path freeSliceName(const std::filesystem::path& folder, std::size_t from = 0);

// Renames the files of one series (under `root`) to 0001.dcm, 0002.dcm ... in anatomical order and updates each
// moved instance's relativePath; returns the moved instances. Two phases through temporary names, so no file ever
// overwrites another; an interruption leaves kRenumberingPrefix files. Best effort, never throws: when a file cannot be
// renamed (another program holds it open, on Windows) the series keeps its names and nothing moves.
std::vector<const KeptInstance*> renumberSeries(const std::filesystem::path& root, std::vector<KeptInstance*> members);

// The summary of one series under `root` (`members` not empty, in any order).
SeriesSummary summarizeSeries(const std::filesystem::path& root, const std::vector<const KeptInstance*>& members);

}  // namespace cloudfilm::store
