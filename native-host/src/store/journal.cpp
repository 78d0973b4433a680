#include "store/journal.h"

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <nlohmann/json.hpp>

#include "platform/platform.h"
#include "store/instance_json.h"
#include "store/path_policy.h"
#include "util/error.h"
#include "util/fd_io.h"

namespace fs = std::filesystem;

namespace cloudfilm::store {
namespace {

constexpr const char* kJournalName = "index.jsonl";
constexpr std::size_t kCompactionWriteBytes = 1 << 20;  // written at a time, so compaction memory stays small

std::string line(const nlohmann::json& record) {
  return record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

nlohmann::json putRecord(const KeptInstance& kept) {
  return {{"op", "put"}, {"sop", kept.info.sopInstanceUid}, {"origin", static_cast<int>(kept.origin)},
          {"path", kept.relativePath}, {"bytes", kept.bytes}, {"info", kept.info}};
}

}  // namespace

void JournalBatch::put(const KeptInstance& kept) {
  text_ += line(putRecord(kept));
  ++lines_;
}

void JournalBatch::del(const std::string& sopInstanceUid) {
  text_ += line({{"op", "del"}, {"sop", sopInstanceUid}});
  ++lines_;
}

Journal::Journal(fs::path root, const fs::path& metaDir)
    : root_(std::move(root)), file_(metaDir / kJournalName), metaDir_(metaDir) {
  const fs::path lockPath = metaDir / "lock";
  lockFd_ = platform::openForLocking(lockPath);
  if (lockFd_ < 0) throw ioError("cannot open", platform::utf8Of(lockPath), errno);
}

Journal::~Journal() {
  if (lockFd_ >= 0) platform::closeFile(lockFd_);
}

void Journal::applyLine(const std::string& text, InstanceIndex& index) {
  auto json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_discarded() || !json.is_object()) return;
  const std::string op = json.value("op", "");
  const std::string sop = json.value("sop", "");
  if (sop.empty()) return;
  if (op == "del") {
    index.erase(sop);
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
    if (kept.relativePath.empty() || !isInside(root_, root_ / platform::pathFromUtf8(kept.relativePath))) return;
    index[sop] = std::move(kept);
  }
  ++lines_;
}

bool Journal::catchUp(InstanceIndex& index) {
  const auto status = platform::fileIdentity(file_);
  if (!status) {
    const bool changed = !index.empty();
    index.clear();
    offset_ = 0;
    fileId_ = 0;
    return changed;
  }
  bool changed = false;
  if (status->id != fileId_ || status->size < offset_) {
    changed = true;
    index.clear();  // compacted by another process: replay from the start
    offset_ = 0;
    lines_ = 0;
    fileId_ = status->id;
  }
  if (status->size == offset_) return changed;
  std::ifstream in(file_, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(offset_));
  std::string text;
  while (std::getline(in, text)) {
    if (in.eof()) break;  // no newline: a torn line, or one still being written
    offset_ += text.size() + 1;
    applyLine(text, index);
    changed = true;
  }
  return changed;
}

void Journal::append(const JournalBatch& batch) {
  if (batch.empty()) return;
  const int fd = platform::openForWriting(file_, platform::Creation::Append, 0644);
  if (fd < 0) throw ioError("cannot write the index", platform::utf8Of(file_), errno);
  if (!writeAll(fd, batch.text_)) {
    const int error = errno;
    platform::closeFile(fd);
    throw ioError("cannot write the index", platform::utf8Of(file_), error);
  }
  platform::closeFile(fd);
  // Our own lines are already applied in memory: skip over them.
  if (const auto status = platform::fileIdentity(file_)) {
    fileId_ = status->id;
    offset_ = status->size;
  }
  lines_ += batch.size();
}

bool Journal::compactIfLarge(InstanceIndex& index) {
  if (lines_ < 2 * index.size() + 1000) return false;
  const fs::path temporary = metaDir_ / "index.jsonl.tmp";
  const int fd = platform::openForWriting(temporary, platform::Creation::Truncate, 0644);
  if (fd < 0) throw ioError("cannot write the index", platform::utf8Of(temporary), errno);
  std::string text;
  bool written = true;
  for (auto it = index.begin(); written && it != index.end(); ++it) {
    text += line(putRecord(it->second));
    if (text.size() >= kCompactionWriteBytes || std::next(it) == index.end()) {
      written = writeAll(fd, text);
      text.clear();
    }
  }
  if (!written || !platform::syncFile(fd)) {
    const int error = errno;
    platform::closeFile(fd);
    platform::removeFile(temporary);
    throw ioError("cannot write the index", platform::utf8Of(temporary), error);
  }
  platform::closeFile(fd);
  std::error_code ec;
  fs::rename(temporary, file_, ec);
  if (ec) throw ioError("cannot replace the index", platform::utf8Of(file_), ec.value());
  lines_ = index.size();
  offset_ = 0;
  fileId_ = 0;
  catchUp(index);
  return true;
}

}  // namespace cloudfilm::store
