#include "store/slice_order.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string_view>
#include <utility>

namespace cloudfilm::store {
namespace {

using Vector3 = std::array<double, 3>;
// A measured key (distance, seconds) or a counted one (InstanceNumber, kept exact: a double would merge
// neighbouring values above 2^53); each series uses only one of the two, the other stays zero.
using SortKey = std::pair<double, long>;

template <std::size_t N>
bool allFinite(const std::array<double, N>& values) {
  return std::all_of(values.begin(), values.end(), [](double v) { return std::isfinite(v); });
}

bool isDigits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// UIDs from one scanner usually differ only in a trailing counter, and "1.2.10" must come after "1.2.9", so numeric
// components compare as numbers (of any length, without parsing them into a type that could overflow).
int compareUidComponent(std::string_view a, std::string_view b) {
  if (isDigits(a) && isDigits(b)) {
    const auto firstSignificant = [](std::string_view s) {
      const auto at = s.find_first_not_of('0');
      return at == std::string_view::npos ? std::string_view{} : s.substr(at);
    };
    a = firstSignificant(a);
    b = firstSignificant(b);
    if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  }
  const int byText = a.compare(b);
  return byText < 0 ? -1 : (byText > 0 ? 1 : 0);
}

int compareUids(std::string_view a, std::string_view b) {
  while (!a.empty() && !b.empty()) {
    const auto aDot = a.find('.');
    const auto bDot = b.find('.');
    const int byComponent = compareUidComponent(a.substr(0, aDot), b.substr(0, bDot));
    if (byComponent != 0) return byComponent;
    a = aDot == std::string_view::npos ? std::string_view{} : a.substr(aDot + 1);
    b = bDot == std::string_view::npos ? std::string_view{} : b.substr(bDot + 1);
  }
  if (a.empty() != b.empty()) return a.empty() ? -1 : 1;
  return 0;
}

// DICOM TM is "HHMMSS.FFFFFF" with everything after HH optional; old ACR-NEMA files write "HH:MM:SS.frac".
// Anything else is treated as missing rather than guessed at.
std::optional<double> secondsOfDay(std::string_view tm) {
  while (!tm.empty() && (tm.back() == ' ' || tm.back() == '\0')) tm.remove_suffix(1);
  while (!tm.empty() && tm.front() == ' ') tm.remove_prefix(1);
  std::string digits;
  std::string_view fraction;
  for (std::size_t i = 0; i < tm.size(); ++i) {
    const char c = tm[i];
    if (c >= '0' && c <= '9') {
      digits.push_back(c);
    } else if (c == ':' && digits.size() % 2 == 0 && !digits.empty()) {
      continue;
    } else if (c == '.' && digits.size() == 6) {
      fraction = tm.substr(i + 1);
      break;
    } else {
      return std::nullopt;
    }
  }
  if (digits.empty() || digits.size() > 6 || digits.size() % 2 != 0) return std::nullopt;
  if (!fraction.empty() && !isDigits(fraction)) return std::nullopt;
  const auto field = [&](std::size_t at) { return at < digits.size() ? std::stoi(digits.substr(at, 2)) : 0; };
  const int hours = field(0);
  const int minutes = field(2);
  const int seconds = field(4);
  // 60 is allowed for leap seconds, as the standard does.
  if (hours > 23 || minutes > 59 || seconds > 60) return std::nullopt;
  double result = hours * 3600.0 + minutes * 60.0 + seconds;
  double scale = 0.1;
  for (const char c : fraction.substr(0, 6)) {
    result += (c - '0') * scale;
    scale /= 10.0;
  }
  return result;
}

// The slice normal of a series, taken from the slice whose UID sorts first rather than from the first slice of
// the input, so that the answer cannot depend on the order in which slices arrived.
std::optional<Vector3> seriesNormal(const std::vector<SliceKey>& slices) {
  const SliceKey* reference = nullptr;
  for (const auto& slice : slices) {
    if (!slice.imageOrientationPatient || !allFinite(*slice.imageOrientationPatient)) continue;
    if (reference == nullptr || compareUids(slice.sopInstanceUid, reference->sopInstanceUid) < 0 ||
        (compareUids(slice.sopInstanceUid, reference->sopInstanceUid) == 0 &&
         *slice.imageOrientationPatient < *reference->imageOrientationPatient)) {
      reference = &slice;
    }
  }
  if (reference == nullptr) return std::nullopt;
  const auto& o = *reference->imageOrientationPatient;
  const Vector3 normal = {o[1] * o[5] - o[2] * o[4], o[2] * o[3] - o[0] * o[5], o[0] * o[4] - o[1] * o[3]};
  const double length = std::sqrt(normal[0] * normal[0] + normal[1] * normal[1] + normal[2] * normal[2]);
  // Parallel or zero row and column vectors (hostile or broken headers) give no direction to sort along.
  if (!std::isfinite(length) || length < 1e-6) return std::nullopt;
  return Vector3{normal[0] / length, normal[1] / length, normal[2] / length};
}

std::optional<std::vector<SortKey>> positionsAlongNormal(const std::vector<SliceKey>& slices) {
  const bool everySliceLocated = std::all_of(slices.begin(), slices.end(), [](const SliceKey& s) {
    return s.imagePositionPatient && allFinite(*s.imagePositionPatient) && s.imageOrientationPatient &&
           allFinite(*s.imageOrientationPatient);
  });
  if (!everySliceLocated) return std::nullopt;
  const auto normal = seriesNormal(slices);
  if (!normal) return std::nullopt;
  std::vector<SortKey> distances;
  distances.reserve(slices.size());
  for (const auto& slice : slices) {
    const auto& p = *slice.imagePositionPatient;
    const double distance = p[0] * (*normal)[0] + p[1] * (*normal)[1] + p[2] * (*normal)[2];
    // Finite inputs near the double limit can still overflow in the dot product.
    if (!std::isfinite(distance)) return std::nullopt;
    distances.push_back({distance, 0});
  }
  return distances;
}

std::optional<std::vector<SortKey>> instanceNumbers(const std::vector<SliceKey>& slices) {
  std::vector<SortKey> numbers;
  numbers.reserve(slices.size());
  for (const auto& slice : slices) {
    if (!slice.instanceNumber) return std::nullopt;
    numbers.push_back({0.0, *slice.instanceNumber});
  }
  return numbers;
}

std::optional<std::vector<SortKey>> acquisitionTimes(const std::vector<SliceKey>& slices) {
  std::vector<SortKey> times;
  times.reserve(slices.size());
  for (const auto& slice : slices) {
    const auto seconds = secondsOfDay(slice.acquisitionTime);
    if (!seconds) return std::nullopt;
    times.push_back({*seconds, 0});
  }
  return times;
}

// Two slices with equal keys and equal UIDs are duplicates of one instance (or hostile copies); comparing
// everything else they carry keeps even their order independent of the input order.
bool lessByEverything(const SliceKey& a, const SliceKey& b) {
  if (a.sopInstanceUid != b.sopInstanceUid) return a.sopInstanceUid < b.sopInstanceUid;
  if (a.instanceNumber != b.instanceNumber) return a.instanceNumber < b.instanceNumber;
  if (a.acquisitionTime != b.acquisitionTime) return a.acquisitionTime < b.acquisitionTime;
  // NaN would break the strict weak order that std::sort relies on (undefined behaviour, crashes in practice),
  // so it sorts as if it were minus infinity.
  const auto orderKey = [](const auto& optionalArray) {
    std::vector<double> key;
    if (optionalArray) {
      for (const double v : *optionalArray) {
        key.push_back(std::isnan(v) ? -std::numeric_limits<double>::infinity() : v);
      }
    }
    return key;
  };
  return orderKey(a.imagePositionPatient) < orderKey(b.imagePositionPatient) ||
         (orderKey(a.imagePositionPatient) == orderKey(b.imagePositionPatient) &&
          orderKey(a.imageOrientationPatient) < orderKey(b.imageOrientationPatient));
}

}  // namespace

std::vector<std::size_t> anatomicalOrder(const std::vector<SliceKey>& slices) {
  // Ascending along the normal row x column: for the usual axial orientation (1,0,0 / 0,1,0) that is feet to head
  // whatever order the scanner numbered the slices in; a series whose orientation flips the normal (column
  // 0,-1,0) comes out head to feet, as a viewer scrolling along that normal would show it.
  std::optional<std::vector<SortKey>> primary = positionsAlongNormal(slices);
  if (!primary) primary = instanceNumbers(slices);
  if (!primary) primary = acquisitionTimes(slices);
  if (!primary) primary = std::vector<SortKey>(slices.size(), SortKey{0.0, 0});  // UID order alone

  std::vector<std::size_t> order(slices.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  const auto& keys = *primary;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (keys[a] != keys[b]) return keys[a] < keys[b];
    const int byUid = compareUids(slices[a].sopInstanceUid, slices[b].sopInstanceUid);
    if (byUid != 0) return byUid < 0;
    if (lessByEverything(slices[a], slices[b])) return true;
    if (lessByEverything(slices[b], slices[a])) return false;
    return a < b;  // indistinguishable slices: any order is the same order
  });
  return order;
}

}  // namespace cloudfilm::store
