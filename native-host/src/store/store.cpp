#include "store/store.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <stdexcept>
#include <nlohmann/json.hpp>

#include "dicom/dicom_file.h"
#include "store/instance_json.h"
#include "store/layout.h"
#include "store/path_policy.h"
#include "store/slice_order.h"

namespace fs = std::filesystem;

namespace cloudfilm::store {
namespace {

constexpr const char* kMetaFolder = ".cloudfilm";
constexpr const char* kJournalName = "index.jsonl";
constexpr const char* kMovePrefix = ".cf-move-";

std::runtime_error ioError(const std::string& what, const fs::path& path, int error = errno) {
  return std::runtime_error(what + " " + path.string() + ": " + std::strerror(error));
}

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

const char* originName(Origin origin) {
  switch (origin) {
    case Origin::Served: return "served";
    case Origin::Wrapped: return "wrapped";
    case Origin::Rebuilt: return "rebuilt";
  }
  return "served";
}

// Which copy of one SOP instance to keep. The original lossless encoding beats a lossy one; a copy as served beats
// one we wrapped or rebuilt; then the more complete one. A tie keeps what we have: the first copy a viewer loads
// is usually the original, and keeping it makes re-imports stable.
int compareCopies(const dicom::InstanceInfo& candidate, Origin candidateOrigin, const KeptInstance& kept,
                  std::uint64_t candidateBytes, std::string& reason) {
  if (candidate.lossyCompressed != kept.info.lossyCompressed) {
    reason = candidate.lossyCompressed ? "kept the lossless copy (" + dicom::transferSyntaxName(kept.info.transferSyntaxUid) +
                                             ") over a lossy one (" + dicom::transferSyntaxName(candidate.transferSyntaxUid) + ")"
                                       : "the new copy is lossless (" + dicom::transferSyntaxName(candidate.transferSyntaxUid) +
                                             ") where the kept one was lossy (" + dicom::transferSyntaxName(kept.info.transferSyntaxUid) + ")";
    return candidate.lossyCompressed ? -1 : 1;
  }
  if (candidateOrigin != kept.origin) {
    const bool better = candidateOrigin < kept.origin;
    reason = std::string("kept the ") + originName(better ? candidateOrigin : kept.origin) + " copy over the " +
             originName(better ? kept.origin : candidateOrigin) + " one";
    return better ? 1 : -1;
  }
  if (candidate.hasPixelData != kept.info.hasPixelData) {
    reason = candidate.hasPixelData ? "the new copy has pixel data, the kept one had none" : "kept the copy with pixel data";
    return candidate.hasPixelData ? 1 : -1;
  }
  if (candidate.datasetElementCount != kept.info.datasetElementCount) {
    const bool better = candidate.datasetElementCount > kept.info.datasetElementCount;
    reason = "kept the more complete copy (" +
             std::to_string(std::max(candidate.datasetElementCount, kept.info.datasetElementCount)) + " elements against " +
             std::to_string(std::min(candidate.datasetElementCount, kept.info.datasetElementCount)) + ")";
    return better ? 1 : -1;
  }
  reason = "kept the first copy (" + dicom::transferSyntaxName(kept.info.transferSyntaxUid) + ", " +
           std::to_string(kept.bytes) + " bytes) over an equivalent one (" +
           dicom::transferSyntaxName(candidate.transferSyntaxUid) + ", " + std::to_string(candidateBytes) + " bytes)";
  return -1;
}

std::string toGeneric(const fs::path& relative) { return relative.generic_string(); }

bool processAlive(long pid) { return pid > 0 && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM); }

// An exclusive advisory lock on the library, held for each operation, so two hosts (or a host and the command
// line) can share one folder: each catches up with the other's journal lines before acting.
class LibraryLock {
 public:
  explicit LibraryLock(int fd) : fd_(fd) {
    while (::flock(fd_, LOCK_EX) != 0 && errno == EINTR) {
    }
  }
  ~LibraryLock() { ::flock(fd_, LOCK_UN); }
  LibraryLock(const LibraryLock&) = delete;
  LibraryLock& operator=(const LibraryLock&) = delete;

 private:
  int fd_;
};

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

struct Store::Impl {
  fs::path root;
  fs::path metaDir;
  fs::path workDir;
  fs::path reconstructionDir;
  fs::path journalPath;
  int lockFd = -1;

  std::map<std::string, KeptInstance> instances;  // by SOP Instance UID
  std::set<std::string> touchedSeries;
  std::set<fs::path> unsynced;  // files and folders written since the last commit
  std::uint64_t journalOffset = 0;
  ino_t journalInode = 0;
  std::size_t journalLines = 0;

  // ---- journal ----------------------------------------------------------------------------------------------
  // The index is an append-only journal of JSON lines ("put" with the whole record, "del"), replayed at open.
  // A torn last line (crash mid-append) is ignored; the scan at open then re-indexes whatever file it described.

  void applyJournalLine(const std::string& line) {
    auto json = nlohmann::json::parse(line, nullptr, false);
    if (json.is_discarded() || !json.is_object()) return;
    const std::string op = json.value("op", "");
    const std::string sop = json.value("sop", "");
    if (sop.empty()) return;
    foldersStale = true;
    if (op == "del") {
      instances.erase(sop);
    } else if (op == "put") {
      KeptInstance kept;
      try {
        kept.info = json.at("info").get<dicom::InstanceInfo>();
        kept.origin = static_cast<Origin>(std::clamp(json.value("origin", 0), 0, 2));
        kept.relativePath = json.value("path", "");
        kept.bytes = json.value("bytes", std::uint64_t{0});
      } catch (const nlohmann::json::exception&) {
        return;
      }
      // The journal lives in the library and could be edited: never let it name a path outside the root.
      if (kept.relativePath.empty() || !isInside(root, root / kept.relativePath)) return;
      instances[sop] = std::move(kept);
    }
    ++journalLines;
  }

  void catchUp() {
    struct stat status {};
    if (::stat(journalPath.c_str(), &status) != 0) {
      instances.clear();
      journalOffset = 0;
      journalInode = 0;
      return;
    }
    if (status.st_ino != journalInode || static_cast<std::uint64_t>(status.st_size) < journalOffset) {
      foldersStale = true;
      instances.clear();  // compacted by another process: replay from the start
      journalOffset = 0;
      journalLines = 0;
      journalInode = status.st_ino;
    }
    if (static_cast<std::uint64_t>(status.st_size) == journalOffset) return;
    std::ifstream in(journalPath, std::ios::binary);
    in.seekg(static_cast<std::streamoff>(journalOffset));
    std::string line;
    while (std::getline(in, line)) {
      if (in.eof()) break;  // no newline: a torn line, or one still being written
      journalOffset += line.size() + 1;
      applyJournalLine(line);
    }
  }

  void appendJournal(const std::vector<nlohmann::json>& records) {
    if (records.empty()) return;
    std::string text;
    for (const auto& record : records) text += record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    const int fd = ::open(journalPath.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) throw ioError("cannot write the index", journalPath);
    std::size_t written = 0;
    while (written < text.size()) {
      const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        const int error = errno;
        ::close(fd);
        throw ioError("cannot write the index", journalPath, error);
      }
      written += static_cast<std::size_t>(n);
    }
    ::close(fd);
    // Our own lines are already applied in memory: skip over them.
    struct stat status {};
    if (::stat(journalPath.c_str(), &status) == 0) {
      journalInode = status.st_ino;
      journalOffset = static_cast<std::uint64_t>(status.st_size);
    }
    journalLines += records.size();
  }

  static nlohmann::json putRecord(const KeptInstance& kept) {
    return {{"op", "put"}, {"sop", kept.info.sopInstanceUid}, {"origin", static_cast<int>(kept.origin)},
            {"path", kept.relativePath}, {"bytes", kept.bytes}, {"info", kept.info}};
  }
  static nlohmann::json delRecord(const std::string& sop) { return {{"op", "del"}, {"sop", sop}}; }

  void compactIfLarge() {
    if (journalLines < 2 * instances.size() + 1000) return;
    const fs::path temporary = metaDir / "index.jsonl.tmp";
    {
      std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
      for (const auto& [sop, kept] : instances)
        out << putRecord(kept).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
      out.flush();
      if (!out) throw ioError("cannot write the index", temporary);
    }
    syncPath(temporary);
    fs::rename(temporary, journalPath);
    journalLines = instances.size();
    journalOffset = 0;
    journalInode = 0;
    catchUp();
  }

  static void syncPath(const fs::path& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
      ::fsync(fd);
      ::close(fd);
    }
  }

  // ---- layout -------------------------------------------------------------------------------------------------

  fs::path absolute(const KeptInstance& kept) const { return root / fs::path(kept.relativePath); }

  // Which folder each study and series has, derived from the records; rebuilt when records change behind our back
  // (journal replay, removal) and kept up to date by add(), so filing stays O(log n) per instance.
  struct FolderMaps {
    std::map<std::string, fs::path> seriesFolder, studyFolder;  // by UID
    std::map<fs::path, std::string> seriesOfFolder, studyOfFolder;
    std::map<std::string, std::size_t> seriesSize;  // instances per series UID
    void note(const KeptInstance& kept) {
      ++seriesSize[kept.info.seriesInstanceUid];
      const fs::path series = fs::path(kept.relativePath).parent_path();
      const fs::path study = series.parent_path();
      seriesFolder.emplace(kept.info.seriesInstanceUid, series);
      studyFolder.emplace(kept.info.studyInstanceUid, study);
      seriesOfFolder.emplace(series, kept.info.seriesInstanceUid);
      studyOfFolder.emplace(study, kept.info.studyInstanceUid);
    }
  };
  FolderMaps folders;
  bool foldersStale = true;

  FolderMaps& folderMaps() {
    if (foldersStale) {
      folders = FolderMaps{};
      for (const auto& [sop, kept] : instances) folders.note(kept);
      foldersStale = false;
    }
    return folders;
  }

  // Folder (relative to the root) for a new instance. A study or series keeps the folder it got first; a new one
  // gets "name (2)" when another study or series already uses its name, so two never share a folder.
  fs::path folderFor(const dicom::InstanceInfo& info) {
    FolderMaps& maps = folderMaps();
    if (auto it = maps.seriesFolder.find(info.seriesInstanceUid); it != maps.seriesFolder.end()) return it->second;
    fs::path studyFolder;
    if (auto it = maps.studyFolder.find(info.studyInstanceUid); it != maps.studyFolder.end()) {
      studyFolder = it->second;
    } else {
      const std::string patient = patientFolderName(info);
      const std::string study = studyFolderName(info);
      for (int n = 1;; ++n) {
        studyFolder = fs::path(patient) / numberedVariant(study, n);
        if (!maps.studyOfFolder.count(studyFolder)) break;
      }
    }
    const std::string series = seriesFolderName(info);
    for (int n = 1;; ++n) {
      fs::path candidate = studyFolder / numberedVariant(series, n);
      if (!maps.seriesOfFolder.count(candidate)) return candidate;
    }
  }

  std::vector<const KeptInstance*> seriesMembers(const std::string& seriesUid) const {
    std::vector<const KeptInstance*> members;
    for (const auto& [sop, kept] : instances)
      if (kept.info.seriesInstanceUid == seriesUid) members.push_back(&kept);
    return members;
  }

  static std::vector<std::size_t> orderOf(const std::vector<const KeptInstance*>& members) {
    std::vector<SliceKey> keys;
    keys.reserve(members.size());
    for (const KeptInstance* kept : members)
      keys.push_back({kept->info.sopInstanceUid, kept->info.imagePositionPatient, kept->info.imageOrientationPatient,
                      kept->info.instanceNumber, kept->info.acquisitionTime});
    return anatomicalOrder(keys);
  }

  // Renames the files of one series to 0001.dcm, 0002.dcm ... in anatomical order. Two phases through temporary
  // names, so no file ever overwrites another; an interruption leaves .cf-move-* files that the next open
  // re-indexes.
  void renumber(const std::string& seriesUid, std::vector<nlohmann::json>& journal) {
    auto members = seriesMembers(seriesUid);
    if (members.empty()) return;
    const auto order = orderOf(members);
    struct Move {
      KeptInstance* kept;
      fs::path temporary, target;
    };
    std::vector<Move> moves;
    for (std::size_t rank = 0; rank < order.size(); ++rank) {
      auto* kept = const_cast<KeptInstance*>(members[order[rank]]);
      const fs::path folder = fs::path(kept->relativePath).parent_path();
      const fs::path target = folder / sliceFileName(rank, order.size());
      if (fs::path(kept->relativePath) != target) moves.push_back({kept, {}, target});
    }
    if (moves.empty()) return;
    const std::string tag = std::to_string(::getpid());
    for (std::size_t i = 0; i < moves.size(); ++i) {
      Move& move = moves[i];
      move.temporary = move.target.parent_path() / (kMovePrefix + tag + "-" + std::to_string(i) + ".tmp");
      std::error_code ec;
      fs::rename(absolute(*move.kept), root / move.temporary, ec);
      if (ec) throw ioError("cannot rename", absolute(*move.kept), ec.value());
    }
    for (Move& move : moves) {
      std::error_code ec;
      fs::rename(root / move.temporary, root / move.target, ec);
      if (ec) throw ioError("cannot rename", root / move.temporary, ec.value());
      move.kept->relativePath = toGeneric(move.target);
      unsynced.insert(root / move.target.parent_path());
      journal.push_back(putRecord(*move.kept));
    }
  }

  // ---- reconciliation -----------------------------------------------------------------------------------------

  void removeStaleWorkFolders() {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(metaDir / "tmp", ec)) {
      const std::string name = entry.path().filename().string();
      const long pid = std::strtol(name.c_str(), nullptr, 10);
      if (!processAlive(pid)) fs::remove_all(entry.path(), ec);
    }
  }

  void reconcileWithDisk() {
    std::vector<nlohmann::json> journal;
    for (auto it = instances.begin(); it != instances.end();) {
      std::error_code ec;
      if (!fs::is_regular_file(absolute(it->second), ec)) {
        journal.push_back(delRecord(it->first));
        it = instances.erase(it);
        foldersStale = true;
      } else {
        ++it;
      }
    }
    std::set<fs::path> known;
    for (const auto& [sop, kept] : instances) known.insert(fs::path(kept.relativePath).lexically_normal());

    std::vector<fs::path> unknown;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::skip_permission_denied, ec);
         it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (ec) break;
      if (it->is_directory() && it->path().filename() == kMetaFolder) {
        it.disable_recursion_pending();
        continue;
      }
      if (!it->is_regular_file() || it->is_symlink()) continue;
      const std::string name = it->path().filename().string();
      const fs::path relative = it->path().lexically_relative(root);
      if (name.rfind(kMovePrefix, 0) == 0 || (it->path().extension() == ".dcm" && !known.count(relative)))
        unknown.push_back(it->path());
    }
    for (const fs::path& file : unknown) {
      const auto inspection = dicom::inspectFile(file, dicom::Framing::Part10);
      if (!inspection.usable) continue;  // not ours to judge or delete: leave it where it is
      auto existing = instances.find(inspection.info.sopInstanceUid);
      if (existing != instances.end()) continue;  // a stray second copy: the indexed one stays the one we keep
      fs::path path = file;
      if (path.filename().string().rfind(kMovePrefix, 0) == 0) {
        path = freeSliceName(file.parent_path());
        fs::rename(file, path, ec);
        if (ec) continue;
      }
      KeptInstance kept;
      kept.info = inspection.info;
      kept.relativePath = toGeneric(path.lexically_relative(root));
      kept.bytes = fs::file_size(path, ec);
      touchedSeries.insert(kept.info.seriesInstanceUid);
      journal.push_back(putRecord(kept));
      foldersStale = true;
      instances[kept.info.sopInstanceUid] = std::move(kept);
    }
    appendJournal(journal);
  }

  // The first free slice name at or after `from`: new instances are appended after the series' current count, so
  // filing stays linear in the series size (commit() renumbers them into anatomical order anyway).
  static fs::path freeSliceName(const fs::path& folder, std::size_t from = 0) {
    for (std::size_t n = from;; ++n) {
      fs::path candidate = folder / sliceFileName(n, n + 1);
      std::error_code ec;
      if (!fs::exists(candidate, ec)) return candidate;
    }
  }
};

Store::Store(fs::path root) : impl_(std::make_unique<Impl>()) {
  Impl& s = *impl_;
  std::error_code ec;
  s.root = fs::absolute(root, ec).lexically_normal();
  if (s.root.has_filename() == false) s.root = s.root.parent_path();
  s.metaDir = s.root / kMetaFolder;
  s.journalPath = s.metaDir / kJournalName;
  s.reconstructionDir = s.metaDir / "reconstruction";
  for (const fs::path& folder : {s.root, s.metaDir, s.metaDir / "tmp", s.reconstructionDir}) {
    fs::create_directories(folder, ec);  // "already exists" is success: no check-then-create race
    if (ec || !fs::is_directory(folder)) throw std::runtime_error("cannot create the folder " + folder.string() + ": " +
                                                                  (ec ? ec.message() : "not a folder"));
  }
  if (::access(s.root.c_str(), W_OK) != 0) throw ioError("cannot write to", s.root);
  const fs::path lockPath = s.metaDir / "lock";
  s.lockFd = ::open(lockPath.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (s.lockFd < 0) throw ioError("cannot open", lockPath);

  LibraryLock lock(s.lockFd);
  s.removeStaleWorkFolders();
  s.workDir = s.metaDir / "tmp" / (std::to_string(::getpid()) + "-" + std::to_string(reinterpret_cast<std::uintptr_t>(this)));
  fs::create_directories(s.workDir, ec);
  if (ec) throw std::runtime_error("cannot create the folder " + s.workDir.string() + ": " + ec.message());
  s.catchUp();
  s.reconcileWithDisk();
  if (!s.touchedSeries.empty()) {
    std::vector<nlohmann::json> journal;
    for (const auto& series : s.touchedSeries) s.renumber(series, journal);
    s.touchedSeries.clear();
    s.appendJournal(journal);
  }
}

Store::~Store() {
  if (!impl_) return;
  std::error_code ec;
  fs::remove_all(impl_->workDir, ec);
  if (impl_->lockFd >= 0) ::close(impl_->lockFd);
}

const fs::path& Store::root() const { return impl_->root; }
const fs::path& Store::workDir() const { return impl_->workDir; }
const fs::path& Store::reconstructionDir() const { return impl_->reconstructionDir; }

AddResult Store::add(const dicom::InstanceInfo& info, Origin origin, const fs::path& candidate) {
  Impl& s = *impl_;
  LibraryLock lock(s.lockFd);
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
    if (compareCopies(info, origin, kept, candidateBytes, result.reason) <= 0) {
      fs::remove(candidate, ec);
      result.outcome = AddOutcome::KeptWorse;
      return result;
    }
    fs::rename(candidate, result.file, ec);  // atomic replacement: the old copy until the very moment
    if (ec) {
      fs::remove(candidate);
      throw ioError("cannot replace", result.file, ec.value());
    }
    kept.info = info;
    kept.origin = origin;
    kept.bytes = candidateBytes;
    s.touchedSeries.insert(info.seriesInstanceUid);
    s.unsynced.insert(result.file);
    s.unsynced.insert(result.file.parent_path());
    s.appendJournal({Impl::putRecord(kept)});
    result.outcome = AddOutcome::Replaced;
    return result;
  }

  const fs::path folder = s.folderFor(info);
  if (!isInside(s.root, s.root / folder)) {  // names are sanitized; this is the belt to those braces
    fs::remove(candidate, ec);
    throw std::runtime_error("refusing a folder outside the library: " + folder.string());
  }
  fs::create_directories(s.root / folder, ec);
  if (ec) {
    fs::remove(candidate);
    throw std::runtime_error("cannot create the folder " + (s.root / folder).string() + ": " + ec.message());
  }
  const auto& sizes = s.folderMaps().seriesSize;
  const auto known = sizes.find(info.seriesInstanceUid);
  const fs::path target = Impl::freeSliceName(s.root / folder, known == sizes.end() ? 0 : known->second);
  fs::rename(candidate, target, ec);
  if (ec) {
    fs::remove(candidate);
    throw ioError("cannot file", target, ec.value());
  }
  KeptInstance kept;
  kept.info = info;
  kept.origin = origin;
  kept.bytes = candidateBytes;
  kept.relativePath = toGeneric(target.lexically_relative(s.root));
  s.touchedSeries.insert(info.seriesInstanceUid);
  s.unsynced.insert(target);
  s.unsynced.insert(target.parent_path());
  s.appendJournal({Impl::putRecord(kept)});
  result.file = target;
  s.folderMaps().note(kept);
  s.instances[info.sopInstanceUid] = std::move(kept);
  result.outcome = AddOutcome::Stored;
  return result;
}

void Store::commit() {
  Impl& s = *impl_;
  LibraryLock lock(s.lockFd);
  s.catchUp();
  std::vector<nlohmann::json> journal;
  for (const auto& series : s.touchedSeries) s.renumber(series, journal);
  s.touchedSeries.clear();
  s.appendJournal(journal);
  // Make the batch survive a crash of the machine, not only of the program (the renames already make each file
  // all-or-nothing). A few files (the native host commits after each body) are flushed one by one; a large batch
  // (a HAR import) with one filesystem-wide flush, which is far cheaper than thousands of fsyncs.
  constexpr std::size_t kFsyncEachUpTo = 64;
  if (s.unsynced.size() > kFsyncEachUpTo) {
    const int fd = ::open(s.root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
      ::syncfs(fd);
      ::close(fd);
    }
  } else if (!s.unsynced.empty()) {
    for (const fs::path& path : s.unsynced) Impl::syncPath(path);
    Impl::syncPath(s.journalPath);
  }
  s.unsynced.clear();
  s.compactIfLarge();
}

std::size_t Store::remove(const std::vector<std::string>& seriesUids) {
  Impl& s = *impl_;
  LibraryLock lock(s.lockFd);
  s.catchUp();
  std::vector<nlohmann::json> journal;
  std::set<fs::path> folders;
  for (auto it = s.instances.begin(); it != s.instances.end();) {
    const bool chosen = seriesUids.empty() || std::find(seriesUids.begin(), seriesUids.end(),
                                                        it->second.info.seriesInstanceUid) != seriesUids.end();
    if (!chosen) {
      ++it;
      continue;
    }
    std::error_code ec;
    const fs::path file = s.absolute(it->second);
    fs::remove(file, ec);
    folders.insert(file.parent_path());
    journal.push_back(Impl::delRecord(it->first));
    it = s.instances.erase(it);
  }
  s.appendJournal(journal);
  s.foldersStale = true;
  for (fs::path folder : folders) {  // drop series, study and patient folders left empty
    std::error_code ec;
    while (folder != s.root && isInside(s.root, folder) && fs::is_empty(folder, ec) && fs::remove(folder, ec))
      folder = folder.parent_path();
  }
  return journal.size();
}

const KeptInstance* Store::find(const std::string& sopInstanceUid) const {
  LibraryLock lock(impl_->lockFd);
  impl_->catchUp();
  auto it = impl_->instances.find(sopInstanceUid);
  return it == impl_->instances.end() ? nullptr : &it->second;
}

std::size_t Store::size() const {
  LibraryLock lock(impl_->lockFd);
  impl_->catchUp();
  return impl_->instances.size();
}

std::vector<SeriesSummary> Store::series() const {
  Impl& s = *impl_;
  LibraryLock lock(s.lockFd);
  s.catchUp();
  std::map<std::string, std::vector<const KeptInstance*>> bySeries;
  for (const auto& [sop, kept] : s.instances) bySeries[kept.info.seriesInstanceUid].push_back(&kept);

  std::vector<SeriesSummary> result;
  for (auto& [seriesUid, members] : bySeries) {
    SeriesSummary summary;
    const auto order = Impl::orderOf(members);
    const fs::path seriesFolder = fs::path(members[order.front()]->relativePath).parent_path();
    summary.seriesFolder = seriesFolder.filename().string();
    summary.studyFolder = seriesFolder.parent_path().filename().string();
    summary.patientFolder = seriesFolder.parent_path().parent_path().string();
    summary.folder = s.root / seriesFolder;
    summary.studyInstanceUid = members.front()->info.studyInstanceUid;
    summary.seriesInstanceUid = seriesUid;
    summary.first = members[order.front()]->info;
    summary.instances = members.size();
    std::set<long> numbers;
    for (std::size_t index : order) {
      const KeptInstance* kept = members[index];
      summary.sopInstanceUids.push_back(kept->info.sopInstanceUid);
      if (kept->origin == Origin::Rebuilt) ++summary.rebuilt;
      if (kept->info.instanceNumber) numbers.insert(*kept->info.instanceNumber);
      if (kept->info.expectedSlices)
        summary.expected = std::max(summary.expected.value_or(0), *kept->info.expectedSlices);
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
        summary.expected = std::max(summary.expected.value_or(0), fromNumbers);
      }
    }
    result.push_back(std::move(summary));
  }
  std::sort(result.begin(), result.end(), [](const SeriesSummary& a, const SeriesSummary& b) {
    return std::tie(a.patientFolder, a.studyFolder, a.seriesFolder) < std::tie(b.patientFolder, b.studyFolder, b.seriesFolder);
  });
  return result;
}

}  // namespace cloudfilm::store
