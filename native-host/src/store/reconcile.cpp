#include "store/reconcile.h"

#include <vector>

#include "platform/platform.h"
#include "store/series.h"

namespace fs = std::filesystem;

namespace cloudfilm::store {
namespace {

bool isRenumberingLeftover(const fs::path& file) {
  return platform::utf8Of(file.filename()).rfind(kRenumberingPrefix, 0) == 0;
}

// Files under `root` that may be instances `index` does not know: .dcm files it does not name, and what an
// interrupted renumbering left.
std::vector<fs::path> unindexedFiles(const fs::path& root, const fs::path& metaFolder, const InstanceIndex& index) {
  std::set<fs::path> known;
  for (const auto& [sop, kept] : index) known.insert(platform::pathFromUtf8(kept.relativePath).lexically_normal());
  std::vector<fs::path> unknown;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::skip_permission_denied, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (it->is_directory() && it->path().filename() == metaFolder.filename()) {
      it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file() || it->is_symlink()) continue;
    const fs::path relative = it->path().lexically_relative(root);
    if (isRenumberingLeftover(it->path()) || (it->path().extension() == ".dcm" && !known.count(relative)))
      unknown.push_back(it->path());
  }
  return unknown;
}

}  // namespace

Reconciliation reconcileWithDisk(const fs::path& root, const fs::path& metaFolder, InstanceIndex& index,
                                 const InspectFile& inspect) {
  Reconciliation result;
  for (auto it = index.begin(); it != index.end();) {
    std::error_code ec;
    if (!fs::is_regular_file(root / platform::pathFromUtf8(it->second.relativePath), ec)) {
      result.journal.del(it->first);
      it = index.erase(it);
      result.changed = true;
    } else {
      ++it;
    }
  }
  for (const fs::path& file : unindexedFiles(root, metaFolder, index)) {
    std::optional<dicom::InstanceInfo> info = inspect(file);
    if (!info) continue;                             // not ours to judge or delete: leave it where it is
    if (index.count(info->sopInstanceUid)) continue;  // a stray second copy: the indexed one stays the one we keep
    fs::path path = file;
    std::error_code ec;
    if (isRenumberingLeftover(file)) {
      path = freeSliceName(file.parent_path());
      fs::rename(file, path, ec);
      if (ec) continue;
    }
    KeptInstance kept;
    kept.info = std::move(*info);
    kept.relativePath = platform::genericUtf8Of(path.lexically_relative(root));
    kept.bytes = fs::file_size(path, ec);
    result.touchedSeries.insert(kept.info.seriesInstanceUid);
    result.journal.put(kept);
    result.changed = true;
    index[kept.info.sopInstanceUid] = std::move(kept);
  }
  return result;
}

}  // namespace cloudfilm::store
