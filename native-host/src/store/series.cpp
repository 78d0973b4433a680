#include "store/series.h"

#include <algorithm>
#include <set>
#include <string>

#include "platform/platform.h"
#include "store/layout.h"
#include "store/slice_order.h"
#include "util/error.h"

namespace fs = std::filesystem;

namespace cloudfilm::store {

std::vector<std::size_t> anatomicalOrderOf(const std::vector<const KeptInstance*>& members) {
  std::vector<SliceKey> keys;
  keys.reserve(members.size());
  for (const KeptInstance* kept : members)
    keys.push_back({kept->info.sopInstanceUid, kept->info.imagePositionPatient, kept->info.imageOrientationPatient,
                    kept->info.instanceNumber, kept->info.acquisitionTime});
  return anatomicalOrder(keys);
}

fs::path freeSliceName(const fs::path& folder, std::size_t from) {
  for (std::size_t n = from;; ++n) {
    fs::path candidate = folder / sliceFileName(n, n + 1);
    std::error_code ec;
    if (!fs::exists(candidate, ec)) return candidate;
  }
}

std::vector<const KeptInstance*> renumberSeries(const fs::path& root, std::vector<KeptInstance*> members) {
  std::vector<const KeptInstance*> moved;
  if (members.empty()) return moved;
  const auto order = anatomicalOrderOf({members.begin(), members.end()});
  struct Move {
    KeptInstance* kept;
    fs::path temporary, target;
  };
  std::vector<Move> moves;
  for (std::size_t rank = 0; rank < order.size(); ++rank) {
    KeptInstance* kept = members[order[rank]];
    const fs::path folder = platform::pathFromUtf8(kept->relativePath).parent_path();
    const fs::path target = folder / sliceFileName(rank, order.size());
    if (platform::pathFromUtf8(kept->relativePath) != target) moves.push_back({kept, {}, target});
  }
  const std::string tag = std::string(kRenumberingPrefix) + std::to_string(platform::currentProcessId()) + "-";
  // Two phases through temporary names, so no file is ever replaced. Best effort: slice order is for reading, and a
  // file another program holds open cannot be renamed on Windows (a viewer showing the series). Then every file
  // goes back where it was and the series keeps its current names: nothing is lost, filing goes on.
  for (std::size_t i = 0; i < moves.size(); ++i) {
    Move& move = moves[i];
    move.temporary = move.target.parent_path() / (tag + std::to_string(i) + ".tmp");
    std::error_code ec;
    fs::rename(root / platform::pathFromUtf8(move.kept->relativePath), root / move.temporary, ec);
    if (ec) {
      for (std::size_t back = 0; back < i; ++back)
        fs::rename(root / moves[back].temporary, root / platform::pathFromUtf8(moves[back].kept->relativePath), ec);
      return moved;
    }
  }
  for (Move& move : moves) {
    std::error_code ec;
    fs::rename(root / move.temporary, root / move.target, ec);
    if (ec) {
      // Back to its own name, else it stays under the temporary one: the index always says where each file is.
      fs::rename(root / move.temporary, root / platform::pathFromUtf8(move.kept->relativePath), ec);
      if (!ec) continue;
      move.target = move.temporary;
    }
    move.kept->relativePath = platform::genericUtf8Of(move.target);
    moved.push_back(move.kept);
  }
  return moved;
}

SeriesSummary summarizeSeries(const fs::path& root, const std::vector<const KeptInstance*>& members) {
  SeriesSummary summary;
  const auto order = anatomicalOrderOf(members);
  const fs::path seriesFolder = platform::pathFromUtf8(members[order.front()]->relativePath).parent_path();
  summary.seriesFolder = platform::utf8Of(seriesFolder.filename());
  summary.studyFolder = platform::utf8Of(seriesFolder.parent_path().filename());
  summary.patientFolder = platform::utf8Of(seriesFolder.parent_path().parent_path());
  summary.folder = root / seriesFolder;
  summary.studyInstanceUid = members.front()->info.studyInstanceUid;
  summary.seriesInstanceUid = members.front()->info.seriesInstanceUid;
  summary.first = members[order.front()]->info;
  summary.instances = members.size();
  std::set<long> numbers;
  std::set<std::string> notSent;
  for (std::size_t index : order) {
    const KeptInstance* kept = members[index];
    summary.sopInstanceUids.push_back(kept->info.sopInstanceUid);
    if (kept->origin == Origin::Rebuilt) ++summary.rebuilt;
    if (kept->info.derivedIdentifiers) ++summary.derived;
    if (!kept->info.rebuiltFrom.empty()) summary.rebuiltFrom.insert(kept->info.rebuiltFrom);
    if (kept->info.instanceNumber) numbers.insert(*kept->info.instanceNumber);
    if (kept->info.expectedSlices)
      summary.expectedFromAcquisition = std::max(summary.expectedFromAcquisition.value_or(0), *kept->info.expectedSlices);
    if (!kept->info.attributesNotSent.empty()) {
      ++summary.instancesWithoutAttributes;
      notSent.insert(kept->info.attributesNotSent.begin(), kept->info.attributesNotSent.end());
    }
  }
  summary.expected = summary.expectedFromAcquisition;
  summary.attributesNotSentCount = notSent.size();
  for (const auto& name : notSent) {
    if (summary.attributesNotSent.size() >= kMaxListedNotSent) break;
    summary.attributesNotSent.push_back(name);
  }
  if (!numbers.empty()) {
    summary.instanceNumberMin = *numbers.begin();
    summary.instanceNumberMax = *numbers.rbegin();
    // Gaps only mean something for a plausible range; a hostile number must not make us list billions.
    const long span = *numbers.rbegin() - *numbers.begin() + 1;
    if (span > 0 && span <= 100000) {
      for (long n = *numbers.begin(); n <= *numbers.rbegin(); ++n)
        if (!numbers.count(n)) summary.missingInstanceNumbers.push_back(n);
      const long fromNumbers = static_cast<long>(numbers.size() + summary.missingInstanceNumbers.size());
      summary.expectedFromNumbers = fromNumbers;
      summary.expected = std::max(summary.expected.value_or(0), fromNumbers);
    }
  }
  return summary;
}

}  // namespace cloudfilm::store
