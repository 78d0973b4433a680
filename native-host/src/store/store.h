#pragma once
// The library of kept instances under one root folder: Patient / Study / Series / 0001.dcm, one file per
// SOP Instance UID, with an index that survives restarts and can be rebuilt by scanning the folder.
// Every source (HAR import, folder import, native host) files through here: one code path.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dicom/instance_info.h"
#include "dicom/usable_instance.h"
#include "store/copy_policy.h"

namespace cloudfilm::store {

// Reads a file found in the library that the index does not know: its instance when it is a Part-10 file a viewer
// could use, nothing otherwise (the file is then left alone).
using InspectFile = std::function<std::optional<dicom::InstanceInfo>(const std::filesystem::path&)>;

enum class AddOutcome {
  Stored,     // new SOP instance
  Duplicate,  // the very same bytes were already kept
  Replaced,   // a better copy of a kept instance; the old file was replaced
  KeptWorse,  // a worse copy than the one kept; discarded
};

struct AddResult {
  AddOutcome outcome = AddOutcome::Stored;
  std::string reason;          // for Replaced / KeptWorse: which copy was kept and why
  std::filesystem::path file;  // the kept file (absolute)
};

struct KeptInstance {
  dicom::InstanceInfo info;
  Origin origin = Origin::Served;
  std::string relativePath;  // from the root, '/'-separated
  std::uint64_t bytes = 0;
};

struct SeriesSummary {
  std::string patientFolder, studyFolder, seriesFolder;  // folder names (UTF-8)
  std::filesystem::path folder;                           // absolute
  std::string studyInstanceUid, seriesInstanceUid;
  dicom::InstanceInfo first;                              // a representative instance (names, modality...)
  std::size_t instances = 0;
  std::size_t rebuilt = 0;                                // of `instances`, how many were rebuilt (Origin::Rebuilt)
  std::size_t derived = 0;                                // of `instances`, how many have identifiers CloudFilm derived
  std::set<std::string> rebuiltFrom;                      // the distinct InstanceInfo::rebuiltFrom of its instances
  std::optional<long> instanceNumberMin, instanceNumberMax;
  std::vector<long> missingInstanceNumbers;               // gaps between min and max
  std::optional<long> expected;                           // the larger of the two below
  // What the files suggest, never more than a possibility: the instance-number range (when gaps were worked out),
  // and NumberOfSlices / ImagesInAcquisition, which count an acquisition, not a series.
  std::optional<long> expectedFromNumbers, expectedFromAcquisition;
  // Attributes the site offered only as a BulkDataURI and never sent, left out of rebuilt files (distinct, at most
  // kMaxListedNotSent listed), and how many instances lack some.
  std::vector<std::string> attributesNotSent;
  std::size_t attributesNotSentCount = 0;
  std::size_t instancesWithoutAttributes = 0;
  std::vector<std::string> sopInstanceUids;               // in anatomical order
};

class Store {
 public:
  // Opens (or creates) the library at `root`. Reconciles the index with the disk: entries whose file is gone are
  // dropped, .dcm files the index does not know are read with `inspect` and indexed, leftovers of an interrupted
  // write are removed. Throws cloudfilm::Error with a one-line message when the folder cannot be created or written
  // (DiskFull for a full disk); so does every other method that writes.
  explicit Store(std::filesystem::path root, InspectFile inspect = dicom::usablePart10Instance);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  const std::filesystem::path& root() const;
  // A folder on the same filesystem as the library, for candidate files before they are filed.
  const std::filesystem::path& workDir() const;
  // Where DICOMweb metadata and frames are kept aside for reconstruction.
  const std::filesystem::path& reconstructionDir() const;
  // Where the pieces of vendor viewers' images wait (vendor/).
  const std::filesystem::path& vendorPiecesDir() const;

  // Files `candidate` (a complete, validated Part-10 file inside workDir()) for `info`. The candidate is moved into
  // place or deleted: never left behind. Atomic: a crash leaves either the old state or the new one.
  AddResult add(const dicom::InstanceInfo& info, Origin origin, const std::filesystem::path& candidate);

  // Numbers the slices of every series touched since the last commit in anatomical order (0001.dcm ...) and makes
  // everything durable. Call after a batch (a HAR, a folder, a body).
  void commit();

  // Removes kept instances (all when `seriesUids` is empty). Returns how many were removed.
  std::size_t remove(const std::vector<std::string>& seriesUids);
  // Removes one kept instance whose identifiers CloudFilm derived (a rebuild from a vendor viewer's pixels), when a
  // rebuild of the same image from the site's own tags supersedes it under the hospital's SOP Instance UID. Never
  // removes a file with the hospital's identifiers. False when no such instance is kept.
  bool removeDerived(const std::string& sopInstanceUid);

  const KeptInstance* find(const std::string& sopInstanceUid) const;
  std::vector<SeriesSummary> series() const;  // sorted by patient, study, series folder
  std::size_t size() const;

 private:
  std::size_t removeWhere(const std::function<bool(const KeptInstance&)>& chosen);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

const char* addOutcomeName(AddOutcome outcome);

}  // namespace cloudfilm::store
