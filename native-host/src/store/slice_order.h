#pragma once
#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace cloudfilm::store {

struct SliceKey {
  std::string sopInstanceUid;
  std::optional<std::array<double, 3>> imagePositionPatient;
  std::optional<std::array<double, 6>> imageOrientationPatient;
  std::optional<long> instanceNumber;
  std::string acquisitionTime;  // DICOM TM (HHMMSS.FFFFFF), may be empty
};

// Indices of `slices` in anatomical order: by position along the slice normal (ImagePositionPatient projected on
// the cross product of the ImageOrientationPatient row and column vectors, taken from the slice whose UID sorts
// first) when every slice has both; else by InstanceNumber when every slice has one; else by acquisition time when
// every slice has one; else by UID. Ties are always broken by SOP Instance UID, so the order is stable whatever the
// input order. Ascending along the normal: feet to head for the usual axial orientation (1,0,0 / 0,1,0), reversed
// when the orientation flips the normal. Non-finite positions or orientations count as missing. UIDs compare
// component by component, numerically ("1.2.9" before "1.2.10").
std::vector<std::size_t> anatomicalOrder(const std::vector<SliceKey>& slices);

}  // namespace cloudfilm::store
