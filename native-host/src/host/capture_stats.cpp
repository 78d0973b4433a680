#include "host/capture_stats.h"

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "util/file_lock.h"

namespace cloudfilm::host {
namespace fs = std::filesystem;

namespace {

CaptureCounts readUnlocked(const fs::path& file) {
  CaptureCounts counts;
  std::ifstream in(file);
  if (!in) return counts;
  std::stringstream text;
  text << in.rdbuf();
  const auto json = nlohmann::json::parse(text.str(), nullptr, false);
  if (!json.is_object()) return counts;
  counts.notDicom = json.value("notDicom", std::uint64_t{0});
  counts.rejected = json.value("rejected", std::uint64_t{0});
  return counts;
}

void writeUnlocked(const fs::path& file, const CaptureCounts& counts) {
  const fs::path temporary = fs::path(file).concat(".tmp");
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << nlohmann::json{{"notDicom", counts.notDicom}, {"rejected", counts.rejected}}.dump() << "\n";
  }
  std::error_code ec;
  fs::rename(temporary, file, ec);
}

}  // namespace

CaptureStats::CaptureStats(fs::path dataDir)
    : file_(dataDir / "capture-counts.json"), lockFile_(dataDir / "capture-counts.lock") {}

CaptureCounts CaptureStats::read() const {
  FileLock lock(lockFile_);
  return readUnlocked(file_);
}

void CaptureStats::add(const CaptureCounts& delta) {
  if (delta.notDicom == 0 && delta.rejected == 0) return;
  FileLock lock(lockFile_);
  CaptureCounts counts = readUnlocked(file_);
  counts.notDicom += delta.notDicom;
  counts.rejected += delta.rejected;
  writeUnlocked(file_, counts);
}

void CaptureStats::reset() {
  FileLock lock(lockFile_);
  writeUnlocked(file_, {});
}

}  // namespace cloudfilm::host
