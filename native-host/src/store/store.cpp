#include "store/store.h"

#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>

#include "platform/platform.h"
#include "store/folder_map.h"
#include "store/journal.h"
#include "store/path_policy.h"
#include "store/reconcile.h"
#include "store/series.h"
#include "util/error.h"
#include "util/fd_io.h"
#include "util/file_lock.h"

namespace fs = std::filesystem;

namespace cloudfilm::store {
namespace {

constexpr const char* kMetaFolder = ".cloudfilm";

bool sameContents(const fs::path& a, const fs::path& b) {
  std::error_code ec;
  if (fs::file_size(a, ec) != fs::file_size(b, ec) || ec) return false;
  std::ifstream left(a, std::ios::binary), right(b, std::ios::binary);
  std::string leftBlock(1 << 16, '\0'), rightBlock(1 << 16, '\0');
  while (left && right) {
    left.read(leftBlock.data(), static_cast<std::streamsize>(leftBlock.size()));
    right.read(rightBlock.data(), static_cast<std::streamsize>(rightBlock.size()));
    if (left.gcount() != right.gcount()) return false;
    if (std::memcmp(leftBlock.data(), rightBlock.data(), static_cast<std::size_t>(left.gcount())) != 0) return false;
  }
  return true;
}


// Creates `folder` and its parents; "already exists" is success (no check-then-create race).
void createFolder(const fs::path& folder) {
  std::error_code ec;
  fs::create_directories(folder, ec);
  if (ec) throw ioError("cannot create the folder", platform::utf8Of(folder), ec.value());
  if (!fs::is_directory(folder, ec))
    throw Error(ErrorCode::Internal, "cannot create the folder " + platform::utf8Of(folder) + ": not a folder");
}

}  // namespace

const char* addOutcomeName(AddOutcome outcome) {
  switch (outcome) {
    case AddOutcome::Stored: return "stored";
    case AddOutcome::Duplicate: return "duplicate";
    case AddOutcome::Replaced: return "replaced";
    case AddOutcome::KeptWorse: return "kept-worse";
  }
  return "stored";
}

// Folder names short enough that root/Patient/Study/Series/<file> fits the system's path limit: on Windows 259
// characters, which a deep path of long names passes easily (std::filesystem there cannot go past it without a
// policy most PCs lack). Each name gets a third of what the root leaves, less room for the file name (a renumbering
// temporary name is the longest) and a " (n)" suffix; never more than kMaxComponentBytes. UTF-8 bytes are at least
// UTF-16 units, so a cut in bytes is a cut in units. Throws when the root leaves no room for readable names.
std::size_t folderNameBytesFitting(const fs::path& root) {
  constexpr std::size_t kFileRoom = 48, kSuffixRoom = 6, kShortestUseful = 12;
  const std::size_t used = platform::pathUnits(root) + kFileRoom;
  const std::size_t limit = platform::maxPathUnits();
  const std::size_t each = used < limit ? (limit - used) / 3 : 0;
  if (each < kShortestUseful + kSuffixRoom)
    throw Error(ErrorCode::BadOutputFolder, "the folder " + platform::utf8Of(root) +
                                                " is too deep for the system's path limit: choose a shorter one");
  return std::min(kMaxComponentBytes, each - kSuffixRoom - 1);
}

struct Store::Impl {
  fs::path root;
  fs::path metaDir;
  fs::path workDir;
  fs::path reconstructionDir;
  fs::path vendorPiecesDir;
  std::unique_ptr<Journal> journal;
  std::size_t componentBytes = kMaxComponentBytes;  // for new Patient / Study / Series folder names

  InstanceIndex instances;
  std::set<std::string> touchedSeries;
  std::set<fs::path> unsynced;  // files and folders written since the last commit

  // Rebuilt when records change behind our back (journal replay, removal), kept up to date by add().
  FolderMap folders;
  bool foldersStale = true;

  void catchUp() {
    if (journal->catchUp(instances)) foldersStale = true;
  }

  FolderMap& folderMap() {
    if (foldersStale) {
      folders = FolderMap{};
      for (const auto& [sop, kept] : instances) folders.note(kept);
      foldersStale = false;
    }
    return folders;
  }

  fs::path absolute(const KeptInstance& kept) const { return root / platform::pathFromUtf8(kept.relativePath); }

  // Renames the touched series' files into anatomical order (see renumberSeries()) and journals the moves.
  void renumberTouched() {
    std::map<std::string, std::vector<KeptInstance*>> members;
    for (auto& [sop, kept] : instances)
      if (touchedSeries.count(kept.info.seriesInstanceUid)) members[kept.info.seriesInstanceUid].push_back(&kept);
    JournalBatch batch;
    for (const auto& series : touchedSeries) {
      for (const KeptInstance* kept : renumberSeries(root, std::move(members[series]))) {
        unsynced.insert(absolute(*kept).parent_path());
        batch.put(*kept);
      }
    }
    touchedSeries.clear();
    journal->append(batch);
  }

  void removeStaleWorkFolders() {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(metaDir / "tmp", ec)) {
      const std::string name = platform::utf8Of(entry.path().filename());
      const long pid = std::strtol(name.c_str(), nullptr, 10);
      if (!platform::processAlive(pid)) fs::remove_all(entry.path(), ec);
    }
  }
};

Store::Store(fs::path root, InspectFile inspect) : impl_(std::make_unique<Impl>()) {
  Impl& s = *impl_;
  std::error_code ec;
  s.root = fs::absolute(root, ec).lexically_normal();
  if (s.root.has_filename() == false) s.root = s.root.parent_path();
  s.metaDir = s.root / kMetaFolder;
  s.reconstructionDir = s.metaDir / "reconstruction";
  s.vendorPiecesDir = s.metaDir / "vendor-pieces";
  for (const fs::path& folder : {s.root, s.metaDir, s.metaDir / "tmp", s.reconstructionDir, s.vendorPiecesDir})
    createFolder(folder);
  if (!platform::writableFolder(s.root)) throw ioError("cannot write to", platform::utf8Of(s.root), errno);
  s.componentBytes = folderNameBytesFitting(s.root);
  s.journal = std::make_unique<Journal>(s.root, s.metaDir);

  const FileLock lock = s.journal->lock();
  s.removeStaleWorkFolders();
  s.workDir = s.metaDir / "tmp" / (std::to_string(platform::currentProcessId()) + "-" + std::to_string(reinterpret_cast<std::uintptr_t>(this)));
  fs::create_directories(s.workDir, ec);
  if (ec) throw ioError("cannot create the folder", platform::utf8Of(s.workDir), ec.value());
  s.catchUp();
  Reconciliation reconciled = reconcileWithDisk(s.root, s.metaDir, s.instances, inspect);
  if (reconciled.changed) s.foldersStale = true;
  s.journal->append(reconciled.journal);
  s.touchedSeries.merge(reconciled.touchedSeries);
  if (!s.touchedSeries.empty()) s.renumberTouched();
}

Store::~Store() {
  if (!impl_) return;
  std::error_code ec;
  fs::remove_all(impl_->workDir, ec);
}

const fs::path& Store::root() const { return impl_->root; }
const fs::path& Store::workDir() const { return impl_->workDir; }
const fs::path& Store::reconstructionDir() const { return impl_->reconstructionDir; }
const fs::path& Store::vendorPiecesDir() const { return impl_->vendorPiecesDir; }

AddResult Store::add(const dicom::InstanceInfo& info, Origin origin, const fs::path& candidate) {
  Impl& s = *impl_;
  const FileLock lock = s.journal->lock();
  s.catchUp();
  AddResult result;
  std::error_code ec;
  const std::uint64_t candidateBytes = fs::file_size(candidate, ec);

  if (auto existing = s.instances.find(info.sopInstanceUid); existing != s.instances.end()) {
    KeptInstance& kept = existing->second;
    result.file = s.absolute(kept);
    if (sameContents(candidate, result.file)) {
      fs::remove(candidate, ec);
      result.outcome = AddOutcome::Duplicate;
      return result;
    }
    if (kept.info.seriesInstanceUid != info.seriesInstanceUid || kept.info.studyInstanceUid != info.studyInstanceUid) {
      fs::remove(candidate, ec);
      result.outcome = AddOutcome::KeptWorse;
      result.reason = "another copy of this SOP instance claims a different study or series; kept the first one";
      return result;
    }
    CopyChoice choice = compareCopies({info, origin, candidateBytes}, {kept.info, kept.origin, kept.bytes});
    result.reason = std::move(choice.reason);
    if (!choice.candidateIsBetter) {
      fs::remove(candidate, ec);
      result.outcome = AddOutcome::KeptWorse;
      return result;
    }
    fs::rename(candidate, result.file, ec);  // atomic replacement: the old copy until the very moment
    if (ec) {
      fs::remove(candidate);
      throw ioError("cannot replace", platform::utf8Of(result.file), ec.value());
    }
    kept.info = info;
    kept.origin = origin;
    kept.bytes = candidateBytes;
    s.touchedSeries.insert(info.seriesInstanceUid);
    s.unsynced.insert(result.file);
    s.unsynced.insert(result.file.parent_path());
    JournalBatch batch;
    batch.put(kept);
    s.journal->append(batch);
    result.outcome = AddOutcome::Replaced;
    return result;
  }

  const fs::path folder = s.folderMap().folderFor(info, s.componentBytes);
  if (!isInside(s.root, s.root / folder)) {  // names are sanitized; this is the belt to those braces
    fs::remove(candidate, ec);
    throw Error(ErrorCode::Internal, "refusing a folder outside the library: " + platform::utf8Of(folder));
  }
  fs::create_directories(s.root / folder, ec);
  if (ec) {
    fs::remove(candidate);
    throw ioError("cannot create the folder", platform::utf8Of((s.root / folder)), ec.value());
  }
  const fs::path target = freeSliceName(s.root / folder, s.folderMap().seriesSize(info.seriesInstanceUid));
  fs::rename(candidate, target, ec);
  if (ec) {
    fs::remove(candidate);
    throw ioError("cannot file", platform::utf8Of(target), ec.value());
  }
  KeptInstance kept;
  kept.info = info;
  kept.origin = origin;
  kept.bytes = candidateBytes;
  kept.relativePath = platform::genericUtf8Of(target.lexically_relative(s.root));
  s.touchedSeries.insert(info.seriesInstanceUid);
  s.unsynced.insert(target);
  s.unsynced.insert(target.parent_path());
  JournalBatch batch;
  batch.put(kept);
  s.journal->append(batch);
  result.file = target;
  s.folderMap().note(kept);
  s.instances[info.sopInstanceUid] = std::move(kept);
  result.outcome = AddOutcome::Stored;
  return result;
}

void Store::commit() {
  Impl& s = *impl_;
  const FileLock lock = s.journal->lock();
  s.catchUp();
  s.renumberTouched();
  // Make the batch survive a crash of the machine, not only of the program (the renames already make each file
  // all-or-nothing). A few files (the native host commits after each body) are flushed one by one; a large batch
  // (a HAR import) with one filesystem-wide flush, which is far cheaper than thousands of fsyncs.
  constexpr std::size_t kFsyncEachUpTo = 64;
  if (s.unsynced.size() > kFsyncEachUpTo) {
    platform::syncFileSystem(s.root);
  } else if (!s.unsynced.empty()) {
    for (const fs::path& path : s.unsynced) syncPath(path);
    syncPath(s.journal->file());
  }
  s.unsynced.clear();
  if (s.journal->compactIfLarge(s.instances)) s.foldersStale = true;
}

std::size_t Store::remove(const std::vector<std::string>& seriesUids) {
  return removeWhere([&](const KeptInstance& kept) {
    return seriesUids.empty() ||
           std::find(seriesUids.begin(), seriesUids.end(), kept.info.seriesInstanceUid) != seriesUids.end();
  });
}

bool Store::removeDerived(const std::string& sopInstanceUid) {
  return removeWhere([&](const KeptInstance& kept) {
    return kept.info.derivedIdentifiers && kept.info.sopInstanceUid == sopInstanceUid;
  }) > 0;
}

std::size_t Store::removeWhere(const std::function<bool(const KeptInstance&)>& chosen) {
  Impl& s = *impl_;
  const FileLock lock = s.journal->lock();
  s.catchUp();
  JournalBatch batch;
  std::set<fs::path> folders;
  for (auto it = s.instances.begin(); it != s.instances.end();) {
    if (!chosen(it->second)) {
      ++it;
      continue;
    }
    std::error_code ec;
    const fs::path file = s.absolute(it->second);
    fs::remove(file, ec);
    folders.insert(file.parent_path());
    batch.del(it->first);
    it = s.instances.erase(it);
  }
  if (batch.size() == 0) return 0;
  s.journal->append(batch);
  s.foldersStale = true;
  for (fs::path folder : folders) {  // drop series, study and patient folders left empty
    std::error_code ec;
    while (folder != s.root && isInside(s.root, folder) && fs::is_empty(folder, ec) && fs::remove(folder, ec))
      folder = folder.parent_path();
  }
  return batch.size();
}

const KeptInstance* Store::find(const std::string& sopInstanceUid) const {
  const FileLock lock = impl_->journal->lock();
  impl_->catchUp();
  auto it = impl_->instances.find(sopInstanceUid);
  return it == impl_->instances.end() ? nullptr : &it->second;
}

std::size_t Store::size() const {
  const FileLock lock = impl_->journal->lock();
  impl_->catchUp();
  return impl_->instances.size();
}

std::vector<SeriesSummary> Store::series() const {
  Impl& s = *impl_;
  const FileLock lock = s.journal->lock();
  s.catchUp();
  std::map<std::string, std::vector<const KeptInstance*>> bySeries;
  for (const auto& [sop, kept] : s.instances) bySeries[kept.info.seriesInstanceUid].push_back(&kept);
  std::vector<SeriesSummary> result;
  for (const auto& [seriesUid, members] : bySeries) result.push_back(summarizeSeries(s.root, members));
  std::sort(result.begin(), result.end(), [](const SeriesSummary& a, const SeriesSummary& b) {
    return std::tie(a.patientFolder, a.studyFolder, a.seriesFolder) < std::tie(b.patientFolder, b.studyFolder, b.seriesFolder);
  });
  return result;
}

}  // namespace cloudfilm::store
