#pragma once
// Which folder each study and series of the library has, derived from the kept instances and kept up to date as
// instances are filed, so choosing the folder of a new instance stays O(log n).
#include <cstddef>
#include <filesystem>
#include <map>
#include <string>

#include "store/store.h"

namespace cloudfilm::store {

class FolderMap {
 public:
  void note(const KeptInstance& kept);

  // Folder (relative to the root) for a new instance. A study or series keeps the folder it got first; a new one
  // gets "name (2)" when another study or series already uses its name, so two never share a folder. A new folder's
  // names are cut to `componentBytes` (UTF-8) each, so the whole path fits the system's limit.
  std::filesystem::path folderFor(const dicom::InstanceInfo& info, std::size_t componentBytes) const;

  // How many noted instances belong to the series.
  std::size_t seriesSize(const std::string& seriesInstanceUid) const;

 private:
  std::map<std::string, std::filesystem::path> seriesFolder_, studyFolder_;  // by UID
  std::map<std::filesystem::path, std::string> seriesOfFolder_, studyOfFolder_;
  std::map<std::string, std::size_t> seriesSize_;
};

}  // namespace cloudfilm::store
