#pragma once
// Reading a ZIP body, entry by entry, with the bounds an untrusted archive needs. The only code that uses libzip and
// libarchive (as dicom/ is the only code that uses DCMTK): the archive is read from its file on disk, each entry is
// inflated in blocks into a caller's sink, and the bytes actually inflated are counted while reading, never taken
// from headers.
//
// libzip reads a ZIP through its table of contents (the central directory at the end). A ZIP cut off before its end
// has none: then libarchive's streaming ZIP reader walks the entries' own headers from the start, so the entries
// that are whole before the cut are still kept, and the cut is reported.
//
// Entry names come from the archive and are hostile by assumption (`../`, `/etc/x`, `C:\x`, NUL, control bytes):
// they are only ever shown (zipEntryDisplayName), never used to build a path.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace cloudfilm::body {

struct ZipLimits {
  // A big CT study holds a few thousand files (a 0.6 mm chest-abdomen-pelvis CT: ~1,500 slices; a cardiac CT with
  // phases: ~5,000); 20,000 leaves room for a whole multi-series study with its viewer program's files, while an
  // archive of 65,535 (or, with ZIP64, millions of) empty entries is refused before any is read.
  std::uint64_t maxEntries = 20000;
  // The native host's body limit (host/body_stager.h kMaxBodyBytes): no single file from a ZIP may be larger than a
  // body the browser could have sent on its own.
  std::uint64_t maxEntryBytes = 4ull << 30;
  // All the entries of an archive together, nested archives included: a study downloaded whole is rarely over a few
  // GiB; a bomb made of overlapping entries (each "honest" on its own) stops here at the latest.
  std::uint64_t maxTotalBytes = 16ull << 30;
  // Deflate cannot exceed about 1032:1; only near-constant data comes close. Real DICOM compresses 2-10:1 (a mostly
  // black image perhaps 50:1). Above `ratioCheckedAbove` inflated bytes, an entry inflating to more than `maxRatio`
  // times its compressed size, or an archive to more than `maxRatio` times its own size (overlapping entries reuse
  // one compressed run), is refused: it holds nothing worth keeping, and it costs disk writes. Below 100 MiB the
  // ratio is not checked: small blank images compress that well and are harmless.
  std::uint64_t maxRatio = 1000;
  std::uint64_t ratioCheckedAbove = 100ull << 20;
};

// Bytes inflated so far by an archive and the archives nested in it, against ZipLimits::maxTotalBytes, and the size
// of the outermost archive file, for the whole-archive ratio (set by the first archive that reads with the budget).
struct ZipBudget {
  std::uint64_t archiveBytes = 0;
  std::uint64_t inflated = 0;
};

// A ZIP's local file header (`PK\3\4`) or an empty ZIP's end record (`PK\5\6`) at the start.
bool looksLikeZip(std::string_view head);

// An entry name fit for a report: bytes that are not printable UTF-8 (NUL, controls, broken sequences) become `?`,
// backslashes become `/`, at most 160 bytes (then `...`). Never a path.
std::string zipEntryDisplayName(std::string_view rawName);

enum class ZipOpenStatus {
  Opened,
  CutOff,          // no end-of-central-directory record and no entry header at the start: nothing to read
  Recovering,      // no end-of-central-directory record, but entries at the start: read as a stream (forEachEntry)
  Damaged,         // a central directory that contradicts itself or the file
  TooManyEntries,  // more than ZipLimits::maxEntries
  Unreadable,      // the file could not be read
};

struct ZipEntry {
  std::uint64_t index = 0;
  std::string name;                     // zipEntryDisplayName of the stored name
  bool directory = false;               // a name ending in '/': holds no bytes
  bool encrypted = false;
  std::uint64_t declaredSize = 0;       // from the central directory: untrusted, used only to refuse early
  std::uint64_t compressedSize = 0;
};

enum class ZipReadStatus {
  Read,
  PasswordProtected,  // encrypted entry: no password is tried
  TooLarge,           // over ZipLimits::maxEntryBytes (declared, or found while inflating)
  TooCompressed,      // over ZipLimits::maxRatio (entry or whole archive)
  ArchiveTooLarge,    // the archive's entries together are over maxTotalBytes, or maxRatio times the archive's size:
                      // read no further entry
  Damaged,            // CRC mismatch, a corrupt deflate stream, a local header that does not match, cut off
  Unsupported,        // a compression method libzip cannot read here
};

struct ZipReadResult {
  ZipReadStatus status = ZipReadStatus::Read;
  std::string reason;          // empty when Read; otherwise in words a person understands
  std::uint64_t bytes = 0;     // inflated and handed to the sink (also when reading stopped early)
};

class ZipArchive {
 public:
  // Opens the archive at `file` (read-only; the file must stay while the archive is open).
  ZipArchive(const std::filesystem::path& file, ZipLimits limits = {});
  ~ZipArchive();
  ZipArchive(const ZipArchive&) = delete;
  ZipArchive& operator=(const ZipArchive&) = delete;

  ZipOpenStatus status() const { return status_; }
  const std::string& problem() const { return problem_; }  // why it did not open, for a person
  std::uint64_t entryCount() const { return entryCount_; }
  const ZipLimits& limits() const { return limits_; }

  ZipEntry entry(std::uint64_t index) const;

  // Reads an entry's bytes into the sink: call at most once per entry, from inside forEachEntry's visitor.
  using Sink = std::function<void(std::string_view)>;
  using EntryReader = std::function<ZipReadResult(const Sink&)>;
  // Visits every entry in order, whether the archive Opened or is Recovering; `visit` returns false to stop. An entry
  // the visitor does not read is skipped. After a Recovering archive, cutNote() says where it ended.
  void forEachEntry(ZipBudget& budget, const std::function<bool(const ZipEntry&, const EntryReader&)>& visit);
  const std::string& cutNote() const { return cutNote_; }

  // Inflates entry `index` into `sink` in blocks of at most 1 MiB, counting against the limits and `budget`. When the
  // result is not Read, the sink has been given a prefix of the entry (or nothing) that must be discarded. The sink
  // may throw; the entry is closed on the way out.
  ZipReadResult read(std::uint64_t index, ZipBudget& budget, const std::function<void(std::string_view)>& sink);

 private:
  void recoverEntries(ZipBudget& budget, const std::function<bool(const ZipEntry&, const EntryReader&)>& visit);
  // The bounds every inflated block is held to; returns the status that stops reading, or Read to go on.
  ZipReadStatus countBlock(std::uint64_t count, std::uint64_t compressed, ZipBudget& budget, ZipReadResult& result) const;

  std::filesystem::path file_;
  std::string cutNote_;
  struct Handle;
  std::unique_ptr<Handle> handle_;
  ZipLimits limits_;
  ZipOpenStatus status_ = ZipOpenStatus::Unreadable;
  std::string problem_;
  std::uint64_t entryCount_ = 0;
  std::uint64_t fileBytes_ = 0;
};

}  // namespace cloudfilm::body
