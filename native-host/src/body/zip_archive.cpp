#include "body/zip_archive.h"

#include <zip.h>

#include <algorithm>
#include <cstring>

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
  std::error_code ec;
  fileBytes_ = std::filesystem::file_size(file, ec);
  if (ec) fileBytes_ = 0;
  int code = 0;
  handle_->archive = zip_open(file.c_str(), ZIP_RDONLY, &code);
  if (handle_->archive == nullptr) {
    switch (code) {
      case ZIP_ER_NOZIP:
        // libzip finds entries through the central directory at the end of the file; without it nothing can be
        // read. Entries before a cut could be recovered by walking local headers (libarchive's streaming ZIP reader
        // does that), but a cut archive is a failed download to fetch again, not something to half-keep quietly.
        status_ = ZipOpenStatus::CutOff;
        problem_ = "this ZIP is cut off (its table of contents at the end is missing): nothing in it could be read";
        break;
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
  const std::uint64_t compressed = std::max<std::uint64_t>(info.compressedSize, 1);
  if (budget.archiveBytes == 0) budget.archiveBytes = fileBytes_;
  const std::uint64_t archiveBytes = std::max<std::uint64_t>(budget.archiveBytes, 1);
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
    result.bytes += count;
    budget.inflated += count;
    if (result.bytes > limits_.maxEntryBytes)
      return stop(ZipReadStatus::TooLarge, "an entry that inflates to more than the " + mib(limits_.maxEntryBytes) +
                                               " a file may have (a zip bomb?): not kept");
    if (budget.inflated > limits_.maxTotalBytes)
      return stop(ZipReadStatus::ArchiveTooLarge, "this ZIP inflates to more than " + mib(limits_.maxTotalBytes) +
                                                      " in all (a zip bomb?): the rest was not read");
    if (result.bytes > limits_.ratioCheckedAbove && result.bytes / compressed > limits_.maxRatio)
      return stop(ZipReadStatus::TooCompressed, "an entry that inflates more than " +
                                                    std::to_string(limits_.maxRatio) +
                                                    " times (a zip bomb?): not kept");
    if (budget.inflated > limits_.ratioCheckedAbove && budget.inflated / archiveBytes > limits_.maxRatio)
      return stop(ZipReadStatus::ArchiveTooLarge, "this ZIP inflates to more than " + std::to_string(limits_.maxRatio) +
                                                    " times its size (a zip bomb?): the rest was not read");
    sink(std::string_view(handle_->block.get(), static_cast<std::size_t>(got)));
  }
  return result;
}

}  // namespace cloudfilm::body
