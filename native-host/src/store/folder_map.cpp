#include "store/folder_map.h"

#include "platform/platform.h"
#include "store/layout.h"
#include "store/path_policy.h"

namespace fs = std::filesystem;

namespace cloudfilm::store {

void FolderMap::note(const KeptInstance& kept) {
  ++seriesSize_[kept.info.seriesInstanceUid];
  const fs::path series = platform::pathFromUtf8(kept.relativePath).parent_path();
  const fs::path study = series.parent_path();
  seriesFolder_.emplace(kept.info.seriesInstanceUid, series);
  studyFolder_.emplace(kept.info.studyInstanceUid, study);
  seriesOfFolder_.emplace(series, kept.info.seriesInstanceUid);
  studyOfFolder_.emplace(study, kept.info.studyInstanceUid);
}

fs::path FolderMap::folderFor(const dicom::InstanceInfo& info, std::size_t componentBytes) const {
  const auto fit = [componentBytes](const std::string& name) {
    return platform::pathFromUtf8(sanitizeComponent(name, "x", componentBytes));
  };
  if (auto it = seriesFolder_.find(info.seriesInstanceUid); it != seriesFolder_.end()) return it->second;
  fs::path studyFolder;
  if (auto it = studyFolder_.find(info.studyInstanceUid); it != studyFolder_.end()) {
    studyFolder = it->second;
  } else {
    const std::string study = studyFolderName(info);
    for (int n = 1;; ++n) {
      studyFolder = fit(patientFolderName(info)) / fit(numberedVariant(study, n));
      if (!studyOfFolder_.count(studyFolder)) break;
    }
  }
  const std::string series = seriesFolderName(info);
  for (int n = 1;; ++n) {
    fs::path candidate = studyFolder / fit(numberedVariant(series, n));
    if (!seriesOfFolder_.count(candidate)) return candidate;
  }
}

std::size_t FolderMap::seriesSize(const std::string& seriesInstanceUid) const {
  const auto it = seriesSize_.find(seriesInstanceUid);
  return it == seriesSize_.end() ? 0 : it->second;
}

}  // namespace cloudfilm::store
