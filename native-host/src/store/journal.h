#pragma once
// The library's index on disk: an append-only journal of JSON lines ("put" with the whole record, "del") in
// <root>/.cloudfilm/index.jsonl, replayed at open and caught up with before every operation, under an advisory lock
// on <root>/.cloudfilm/lock, so two hosts (or a host and the command line) can share one library: each catches up
// with the other's lines before acting. A torn last line (a crash mid-append) is ignored; the store's scan at open
// then re-indexes whatever file it described. When the journal grows well past the index, it is compacted: rewritten
// as one "put" per instance and renamed over the old one.
#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

#include "store/store.h"
#include "util/file_lock.h"

namespace cloudfilm::store {

// The kept instances, by SOP Instance UID.
using InstanceIndex = std::map<std::string, KeptInstance>;

// Journal lines to append together, in one write.
class JournalBatch {
 public:
  void put(const KeptInstance& kept);
  void del(const std::string& sopInstanceUid);
  bool empty() const { return lines_ == 0; }
  std::size_t size() const { return lines_; }

 private:
  friend class Journal;
  std::string text_;
  std::size_t lines_ = 0;
};

class Journal {
 public:
  // The journal of the library at `root`, kept in `metaDir`. No record may name a file outside `root` (the journal
  // lives in the library and could be edited). Throws cloudfilm::Error when the lock file cannot be opened.
  Journal(std::filesystem::path root, const std::filesystem::path& metaDir);
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  const std::filesystem::path& file() const { return file_; }

  // The library lock: hold it for each operation, from catchUp() to the last append().
  FileLock lock() const { return FileLock(lockFd_); }

  // Applies to `index` the lines appended since the last call, by this process or another; replays from the start
  // (clearing `index`) when another process compacted the journal. Returns whether `index` may have changed.
  bool catchUp(InstanceIndex& index);

  // Appends `batch` in one write. Its records are already in the caller's index: they are not replayed.
  // Throws cloudfilm::Error (DiskFull for a full disk).
  void append(const JournalBatch& batch);

  // Rewrites the journal from `index` once it holds more than twice as many lines as instances (plus 1000), then
  // replays it into `index`. Returns whether it did. Throws cloudfilm::Error.
  bool compactIfLarge(InstanceIndex& index);

 private:
  void applyLine(const std::string& line, InstanceIndex& index);

  std::filesystem::path root_, file_, metaDir_;
  int lockFd_ = -1;
  std::uint64_t offset_ = 0;  // bytes of the file already applied
  std::uint64_t fileId_ = 0;  // of the file applied: another one means another process compacted it
  std::size_t lines_ = 0;     // lines in the file, for deciding when to compact
};

}  // namespace cloudfilm::store
