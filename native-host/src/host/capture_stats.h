#pragma once
// Counts of captured bodies that were not filed as instances (not DICOM, rejected), kept next to the staging
// library so `list` reports the same after a restart and across hosts. Updated under an advisory lock.
#include <cstdint>
#include <filesystem>

namespace cloudfilm::host {

struct CaptureCounts {
  std::uint64_t notDicom = 0;
  std::uint64_t rejected = 0;
};

class CaptureStats {
 public:
  explicit CaptureStats(std::filesystem::path dataDir);
  CaptureCounts read() const;
  void add(const CaptureCounts& delta);
  void reset();

 private:
  std::filesystem::path file_, lockFile_;
};

}  // namespace cloudfilm::host
