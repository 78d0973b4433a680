#include "ingest/save.h"

#include "platform/platform.h"
#include "util/error.h"

namespace fs = std::filesystem;

namespace cloudfilm::ingest {

SavePlan planSave(const store::Store& staging, const std::vector<std::string>& seriesUids) {
  const std::set<std::string> chosen(seriesUids.begin(), seriesUids.end());
  std::set<std::string> found;
  SavePlan plan;
  for (const auto& series : staging.series()) {
    if (!chosen.empty() && !chosen.count(series.seriesInstanceUid)) continue;
    found.insert(series.seriesInstanceUid);
    for (const auto& sop : series.sopInstanceUids) {
      if (const store::KeptInstance* kept = staging.find(sop)) {
        plan.instances.push_back(kept);
        plan.bytes += kept->bytes;
      }
    }
  }
  for (const auto& uid : seriesUids)
    if (!found.count(uid)) plan.unknownSeries.push_back(uid);
  return plan;
}

SaveSummary saveStaged(const store::Store& staging, const SavePlan& plan, store::Store& library) {
  SaveSummary summary;
  std::uint64_t counter = 0;
  try {
    for (const store::KeptInstance* kept : plan.instances) {
      const fs::path source = staging.root() / platform::pathFromUtf8(kept->relativePath);
      const fs::path copy = library.workDir() / ("save-" + std::to_string(++counter));
      std::error_code ec;
      fs::copy_file(source, copy, fs::copy_options::overwrite_existing, ec);
      if (ec) {
        const int error = ec.value();
        const std::string problem = "cannot copy " + platform::utf8Of(source) + ": " + ec.message();
        fs::remove(copy, ec);
        if (errorCodeForErrno(error) == ErrorCode::DiskFull)
          throw Error(ErrorCode::DiskFull, "no space left in " + platform::utf8Of(library.root()));
        ++summary.failed;  // unreadable (gone from staging?): the others are still worth saving
        if (summary.problems.size() < 20) summary.problems.push_back(problem);
        continue;
      }
      const store::AddResult added = library.add(kept->info, kept->origin, copy);  // consumes `copy`
      switch (added.outcome) {
        case store::AddOutcome::Stored: ++summary.written; break;
        case store::AddOutcome::Duplicate: ++summary.duplicates; break;
        case store::AddOutcome::Replaced: ++summary.replaced; break;
        case store::AddOutcome::KeptWorse: ++summary.keptWorse; break;
      }
      // A file rebuilt from the site's tags takes the place of the one with derived identifiers saved before it.
      if (!kept->info.supersedes.empty() && added.outcome != store::AddOutcome::KeptWorse &&
          library.removeDerived(kept->info.supersedes))
        ++summary.superseded;
      summary.savedSeries.insert(kept->info.seriesInstanceUid);
    }
  } catch (const std::exception& error) {
    try {
      library.commit();  // what was filed before the failure stays filed and indexed
    } catch (...) {
    }
    if (errorCodeOf(error) == ErrorCode::DiskFull)
      throw Error(ErrorCode::DiskFull, "no space left in " + platform::utf8Of(library.root()));
    throw;
  }
  library.commit();
  return summary;
}

}  // namespace cloudfilm::ingest
