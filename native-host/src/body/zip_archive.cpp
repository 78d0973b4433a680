#include "body/zip_archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <zip.h>

#include <algorithm>
#include <cstring>
#include <fstream>

#include "platform/platform.h"

namespace cloudfilm::body {
namespace {

constexpr std::size_t kBlockBytes = 1 << 20;
constexpr std::size_t kMaxDisplayNameBytes = 160;

std::string mib(std::uint64_t bytes) { return std::to_string(bytes >> 20) + " MiB"; }

std::string libzipText(int code) {
  zip_error_t error;
  zip_error_init_with_code(&error, code);
  std::string text = zip_error_strerror(&error);
  zip_error_fini(&error);
  return text;
}

// Length of the valid UTF-8 sequence (no overlongs, no surrogates, at most U+10FFFF) starting at `at`, or 0.
std::size_t utf8SequenceLength(std::string_view text, std::size_t at) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char first = byte(at);
  std::size_t length = 0;
  unsigned char low = 0x80, high = 0xBF;
  if (first >= 0xC2 && first <= 0xDF) length = 2;
  else if (first >= 0xE0 && first <= 0xEF) {
    length = 3;
    if (first == 0xE0) low = 0xA0;
    if (first == 0xED) high = 0x9F;
  } else if (first >= 0xF0 && first <= 0xF4) {
    length = 4;
    if (first == 0xF0) low = 0x90;
    if (first == 0xF4) high = 0x8F;
  } else {
    return 0;
  }
  if (at + length > text.size()) return 0;
  if (byte(at + 1) < low || byte(at + 1) > high) return 0;
  for (std::size_t i = 2; i < length; ++i)
    if (byte(at + i) < 0x80 || byte(at + i) > 0xBF) return 0;
  return length;
}

}  // namespace

struct ZipArchive::Handle {
  zip_t* archive = nullptr;
  std::unique_ptr<char[]> block;
  ~Handle() {
    if (archive != nullptr) zip_discard(archive);  // read-only: nothing to write back
  }
};

bool looksLikeZip(std::string_view head) {
  return head.size() >= 4 && head[0] == 'P' && head[1] == 'K' &&
         ((head[2] == '\x03' && head[3] == '\x04') || (head[2] == '\x05' && head[3] == '\x06'));
}

std::string zipEntryDisplayName(std::string_view rawName) {
  std::string shown;
  std::size_t at = 0;
  while (at < rawName.size() && shown.size() < kMaxDisplayNameBytes) {
    const auto c = static_cast<unsigned char>(rawName[at]);
    if (c < 0x80) {
      shown += c == '\\' ? '/' : (c < 0x20 || c == 0x7F) ? '?' : static_cast<char>(c);
      ++at;
      continue;
    }
    const std::size_t length = utf8SequenceLength(rawName, at);
    if (length == 0) {
      shown += '?';  // not UTF-8 (often GBK or CP437 names): shown as ?, which is all a report needs
      ++at;
      continue;
    }
    shown.append(rawName.substr(at, length));
    at += length;
  }
  if (at < rawName.size()) shown += "...";
  return shown;
}

ZipArchive::ZipArchive(const std::filesystem::path& file, ZipLimits limits)
    : handle_(std::make_unique<Handle>()), limits_(limits) {
  file_ = file;
  std::error_code ec;
  fileBytes_ = std::filesystem::file_size(file, ec);
  if (ec) fileBytes_ = 0;
  int code = 0;
  // libzip takes UTF-8 names on every platform (on Windows it opens them as UTF-16 itself).
  handle_->archive = zip_open(platform::utf8ForOpening(file).c_str(), ZIP_RDONLY, &code);
  if (handle_->archive == nullptr) {
    switch (code) {
      case ZIP_ER_NOZIP: {
        // libzip finds entries through the central directory at the end of the file. Without it, an archive that
        // starts with an entry header is a download cut short: its whole entries are read as a stream.
        std::ifstream in(file, std::ios::binary);
        char head[4] = {};
        in.read(head, 4);
        const bool startsWithEntry = in.gcount() == 4 && std::memcmp(head, "PK\x03\x04", 4) == 0;
        status_ = startsWithEntry ? ZipOpenStatus::Recovering : ZipOpenStatus::CutOff;
        problem_ = "this ZIP is cut off (its table of contents at the end is missing): nothing in it could be read";
        break;
      }
      case ZIP_ER_INCONS:
        status_ = ZipOpenStatus::Damaged;
        problem_ = "this ZIP is damaged (its table of contents contradicts itself)";
        break;
      case ZIP_ER_OPEN:
      case ZIP_ER_READ:
      case ZIP_ER_SEEK:
        status_ = ZipOpenStatus::Unreadable;
        problem_ = "this ZIP could not be read (" + libzipText(code) + ")";
        break;
      default:
        status_ = ZipOpenStatus::Damaged;
        problem_ = "this ZIP could not be opened (" + libzipText(code) + ")";
        break;
    }
    return;
  }
  const zip_int64_t entries = zip_get_num_entries(handle_->archive, 0);
  if (entries < 0) {
    status_ = ZipOpenStatus::Damaged;
    problem_ = "this ZIP could not be opened";
    return;
  }
  entryCount_ = static_cast<std::uint64_t>(entries);
  if (entryCount_ > limits_.maxEntries) {
    status_ = ZipOpenStatus::TooManyEntries;
    problem_ = "this ZIP holds " + std::to_string(entryCount_) + " entries, more than the " +
               std::to_string(limits_.maxEntries) + " a study needs: not opened";
    return;
  }
  status_ = ZipOpenStatus::Opened;
}

ZipArchive::~ZipArchive() = default;

ZipEntry ZipArchive::entry(std::uint64_t index) const {
  ZipEntry entry;
  entry.index = index;
  if (status_ != ZipOpenStatus::Opened || index >= entryCount_) return entry;
  zip_stat_t stat;
  zip_stat_init(&stat);
  if (zip_stat_index(handle_->archive, index, ZIP_FL_ENC_RAW, &stat) != 0) return entry;
  const char* name = (stat.valid & ZIP_STAT_NAME) != 0 ? stat.name : nullptr;
  const std::string_view raw = name != nullptr ? std::string_view(name) : std::string_view();
  entry.name = raw.empty() ? "(no name)" : zipEntryDisplayName(raw);
  entry.directory = !raw.empty() && (raw.back() == '/' || raw.back() == '\\');
  if ((stat.valid & ZIP_STAT_ENCRYPTION_METHOD) != 0) entry.encrypted = stat.encryption_method != ZIP_EM_NONE;
  if ((stat.valid & ZIP_STAT_SIZE) != 0) entry.declaredSize = stat.size;
  if ((stat.valid & ZIP_STAT_COMP_SIZE) != 0) entry.compressedSize = stat.comp_size;
  return entry;
}

ZipReadResult ZipArchive::read(std::uint64_t index, ZipBudget& budget,
                               const std::function<void(std::string_view)>& sink) {
  ZipReadResult result;
  const auto stop = [&](ZipReadStatus status, std::string reason) {
    result.status = status;
    result.reason = std::move(reason);
    return result;
  };
  if (status_ != ZipOpenStatus::Opened || index >= entryCount_) return stop(ZipReadStatus::Damaged, "no such entry");
  const ZipEntry info = entry(index);
  if (info.encrypted) return stop(ZipReadStatus::PasswordProtected, "this ZIP is password-protected");
  if (info.declaredSize > limits_.maxEntryBytes)
    return stop(ZipReadStatus::TooLarge, "an entry of " + mib(info.declaredSize) + ", more than the " +
                                             mib(limits_.maxEntryBytes) + " a file may have: not inflated");

  zip_file_t* opened = zip_fopen_index(handle_->archive, index, 0);
  if (opened == nullptr) {
    const int code = zip_error_code_zip(zip_get_error(handle_->archive));
    zip_error_clear(handle_->archive);
    switch (code) {
      case ZIP_ER_NOPASSWD:
      case ZIP_ER_WRONGPASSWD:
      case ZIP_ER_ENCRNOTSUPP: return stop(ZipReadStatus::PasswordProtected, "this ZIP is password-protected");
      case ZIP_ER_COMPNOTSUPP:
        return stop(ZipReadStatus::Unsupported, "an entry compressed in a way that cannot be read here");
      default: return stop(ZipReadStatus::Damaged, "a damaged entry (" + libzipText(code) + ")");
    }
  }
  const std::unique_ptr<zip_file_t, int (*)(zip_file_t*)> file(opened, zip_fclose);
  if (!handle_->block) handle_->block = std::make_unique<char[]>(kBlockBytes);
  if (budget.archiveBytes == 0) budget.archiveBytes = fileBytes_;
  while (true) {
    // Never ask for more than the limits leave, so the count stops at the bound, not a block past it.
    const std::uint64_t entryRoom = limits_.maxEntryBytes - std::min(limits_.maxEntryBytes, result.bytes);
    const std::uint64_t totalRoom = limits_.maxTotalBytes - std::min(limits_.maxTotalBytes, budget.inflated);
    const std::uint64_t ask = std::min<std::uint64_t>({kBlockBytes, entryRoom + 1, totalRoom + 1});
    const zip_int64_t got = zip_fread(file.get(), handle_->block.get(), ask);
    if (got < 0) {
      const int code = zip_error_code_zip(zip_file_get_error(file.get()));
      if (code == ZIP_ER_CRC)
        return stop(ZipReadStatus::Damaged, "a damaged entry (its checksum does not match its bytes)");
      return stop(ZipReadStatus::Damaged, "a damaged entry (" + libzipText(code) + ")");
    }
    if (got == 0) break;
    const auto count = static_cast<std::uint64_t>(got);
    if (const auto status = countBlock(count, info.compressedSize, budget, result); status != ZipReadStatus::Read)
      return result;
    sink(std::string_view(handle_->block.get(), static_cast<std::size_t>(got)));
  }
  return result;
}

ZipReadStatus ZipArchive::countBlock(std::uint64_t count, std::uint64_t compressedSize, ZipBudget& budget,
                                     ZipReadResult& result) const {
  const auto stop = [&](ZipReadStatus status, std::string reason) {
    result.status = status;
    result.reason = std::move(reason);
    return status;
  };
  result.bytes += count;
  budget.inflated += count;
  if (result.bytes > limits_.maxEntryBytes)
    return stop(ZipReadStatus::TooLarge, "an entry that inflates to more than the " + mib(limits_.maxEntryBytes) +
                                             " a file may have (a zip bomb?): not kept");
  if (budget.inflated > limits_.maxTotalBytes)
    return stop(ZipReadStatus::ArchiveTooLarge, "this ZIP inflates to more than " + mib(limits_.maxTotalBytes) +
                                                    " in all (a zip bomb?): the rest was not read");
  // A streamed entry may not say its compressed size (it comes after the data): then only the whole-archive ratio
  // applies, which is enough to stop a bomb.
  if (compressedSize > 0 && result.bytes > limits_.ratioCheckedAbove &&
      result.bytes / compressedSize > limits_.maxRatio)
    return stop(ZipReadStatus::TooCompressed,
                "an entry that inflates more than " + std::to_string(limits_.maxRatio) + " times (a zip bomb?): not kept");
  const std::uint64_t archiveBytes = std::max<std::uint64_t>(budget.archiveBytes, 1);
  if (budget.inflated > limits_.ratioCheckedAbove && budget.inflated / archiveBytes > limits_.maxRatio)
    return stop(ZipReadStatus::ArchiveTooLarge, "this ZIP inflates to more than " + std::to_string(limits_.maxRatio) +
                                                    " times its size (a zip bomb?): the rest was not read");
  return ZipReadStatus::Read;
}

void ZipArchive::forEachEntry(ZipBudget& budget,
                              const std::function<bool(const ZipEntry&, const EntryReader&)>& visit) {
  if (status_ == ZipOpenStatus::Recovering) return recoverEntries(budget, visit);
  if (status_ != ZipOpenStatus::Opened) return;
  for (std::uint64_t index = 0; index < entryCount_; ++index) {
    const ZipEntry info = entry(index);
    if (!visit(info, [&](const Sink& sink) { return read(index, budget, sink); })) return;
  }
}

void ZipArchive::recoverEntries(ZipBudget& budget,
                                const std::function<bool(const ZipEntry&, const EntryReader&)>& visit) {
  // Opened here, so the name crosses into the system the platform's way (UTF-16 on Windows). libarchive leaves the
  // descriptor open: it is closed after the reader is freed (declared first, destroyed last).
  struct Descriptor {
    int fd;
    ~Descriptor() {
      if (fd >= 0) platform::closeFile(fd);
    }
  } const file{platform::openForReading(file_)};
  const std::unique_ptr<archive, int (*)(archive*)> reader(archive_read_new(), archive_read_free);
  if (!reader) return;
  // The streaming ZIP reader walks local headers from the start: what a cut-off archive still has.
  archive_read_support_format_zip_streamable(reader.get());
  if (file.fd < 0 || archive_read_open_fd(reader.get(), file.fd, 64 * 1024) != ARCHIVE_OK) {
    cutNote_ = "this ZIP is cut off (its table of contents at the end is missing) and could not be read";
    return;
  }
  if (budget.archiveBytes == 0) budget.archiveBytes = fileBytes_;
  if (!handle_->block) handle_->block = std::make_unique<char[]>(kBlockBytes);
  std::uint64_t index = 0, whole = 0;
  bool stopped = false;
  archive_entry* header = nullptr;
  int status = ARCHIVE_OK;
  while ((status = archive_read_next_header(reader.get(), &header)) == ARCHIVE_OK || status == ARCHIVE_WARN) {
    if (index >= limits_.maxEntries) {
      cutNote_ = "this ZIP holds more than the " + std::to_string(limits_.maxEntries) +
                 " entries a study needs: the rest was not read";
      return;
    }
    ZipEntry info;
    info.index = index++;
    const char* rawName = archive_entry_pathname(header);
    const std::string_view raw = rawName != nullptr ? std::string_view(rawName) : std::string_view();
    info.name = raw.empty() ? "(no name)" : zipEntryDisplayName(raw);
    info.directory = archive_entry_filetype(header) == AE_IFDIR || (!raw.empty() && (raw.back() == '/' || raw.back() == '\\'));
    info.encrypted = archive_entry_is_encrypted(header) != 0;
    if (archive_entry_size_is_set(header) != 0 && archive_entry_size(header) > 0)
      info.declaredSize = static_cast<std::uint64_t>(archive_entry_size(header));
    bool cut = false;
    const EntryReader readEntry = [&](const Sink& sink) {
      ZipReadResult result;
      if (info.encrypted) {
        result.status = ZipReadStatus::PasswordProtected;
        result.reason = "this ZIP is password-protected";
        return result;
      }
      while (true) {
        const std::uint64_t entryRoom = limits_.maxEntryBytes - std::min(limits_.maxEntryBytes, result.bytes);
        const std::uint64_t totalRoom = limits_.maxTotalBytes - std::min(limits_.maxTotalBytes, budget.inflated);
        const std::uint64_t ask = std::min<std::uint64_t>({kBlockBytes, entryRoom + 1, totalRoom + 1});
        const la_ssize_t got = archive_read_data(reader.get(), handle_->block.get(), static_cast<std::size_t>(ask));
        if (got < 0) {
          cut = true;
          result.status = ZipReadStatus::Damaged;
          result.reason = "an entry cut off or damaged where the download stopped";
          return result;
        }
        if (got == 0) return result;
        if (countBlock(static_cast<std::uint64_t>(got), 0, budget, result) != ZipReadStatus::Read) return result;
        sink(std::string_view(handle_->block.get(), static_cast<std::size_t>(got)));
      }
    };
    bool read = false;
    const bool goOn = visit(info, [&](const Sink& sink) {
      read = true;
      auto result = readEntry(sink);
      if (result.status == ZipReadStatus::Read && !info.directory) ++whole;
      return result;
    });
    if (cut || !goOn) {
      stopped = !cut;
      break;
    }
    if (!read && archive_read_data_skip(reader.get()) != ARCHIVE_OK) break;
  }
  if (!stopped)
    cutNote_ = "this ZIP is cut off (its table of contents at the end is missing): the " + std::to_string(whole) +
               " whole entries before the cut were read, the rest is missing";
}

}  // namespace cloudfilm::body
