#include "store/slice_order.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace {

using cloudfilm::store::anatomicalOrder;
using cloudfilm::store::SliceKey;
using Orientation = std::array<double, 6>;
using Vector3 = std::array<double, 3>;

constexpr Orientation kAxial = {1, 0, 0, 0, 1, 0};
constexpr Orientation kSagittal = {0, 1, 0, 0, 0, -1};
constexpr Orientation kCoronal = {1, 0, 0, 0, 0, -1};

Vector3 cross(const Orientation& o) {
  return {o[1] * o[5] - o[2] * o[4], o[2] * o[3] - o[0] * o[5], o[0] * o[4] - o[1] * o[3]};
}

std::string uidOf(int i) { return "1.2.826.0.1.3680043.8.498." + std::to_string(i); }

// Slice i lies i * 2.5 mm along the normal; the in-plane offset differs per slice, as table shifts and
// reconstructions make it, so only the projection on the normal may decide the order.
std::vector<SliceKey> seriesAlongNormal(const Orientation& orientation, int count) {
  const Vector3 normal = cross(orientation);
  std::vector<SliceKey> slices;
  for (int i = 0; i < count; ++i) {
    const double along = -40.0 + 2.5 * i;
    const double inPlane = (i % 3) * 7.0;
    Vector3 position{};
    for (std::size_t axis = 0; axis < 3; ++axis) {
      position[axis] = 10.0 + along * normal[axis] + inPlane * orientation[axis];
    }
    // Instance numbers run against the anatomy, so a sort that used them would fail.
    slices.push_back({uidOf(i), position, orientation, count - i, "120000"});
  }
  return slices;
}

std::vector<std::string> uidsInOrder(const std::vector<SliceKey>& slices) {
  std::vector<std::string> uids;
  for (const std::size_t index : anatomicalOrder(slices)) uids.push_back(slices.at(index).sopInstanceUid);
  return uids;
}

// The order must not depend on the order slices arrived in: every shuffle gives the same UIDs in the same places.
std::vector<std::string> uidsInOrderWhateverTheInputOrder(std::vector<SliceKey> slices) {
  const auto expected = uidsInOrder(slices);
  std::mt19937 random(7);
  for (int round = 0; round < 50; ++round) {
    std::shuffle(slices.begin(), slices.end(), random);
    const auto order = anatomicalOrder(slices);
    EXPECT_EQ(order.size(), slices.size());
    std::vector<std::size_t> sortedIndices = order;
    std::sort(sortedIndices.begin(), sortedIndices.end());
    for (std::size_t i = 0; i < sortedIndices.size(); ++i) EXPECT_EQ(sortedIndices[i], i) << "not a permutation";
    EXPECT_EQ(uidsInOrder(slices), expected) << "round " << round;
  }
  return expected;
}

std::vector<std::string> uids(std::initializer_list<int> indices) {
  std::vector<std::string> result;
  for (const int i : indices) result.push_back(uidOf(i));
  return result;
}

std::vector<std::string> uidsAscending(int count) {
  std::vector<std::string> result;
  for (int i = 0; i < count; ++i) result.push_back(uidOf(i));
  return result;
}

TEST(SliceOrder, AxialSeriesComesOutFeetToHead) {
  EXPECT_EQ(uidsInOrderWhateverTheInputOrder(seriesAlongNormal(kAxial, 30)), uidsAscending(30));
}

TEST(SliceOrder, SagittalSeriesFollowsItsNormal) {
  EXPECT_EQ(uidsInOrderWhateverTheInputOrder(seriesAlongNormal(kSagittal, 24)), uidsAscending(24));
}

TEST(SliceOrder, CoronalSeriesFollowsItsNormal) {
  EXPECT_EQ(uidsInOrderWhateverTheInputOrder(seriesAlongNormal(kCoronal, 24)), uidsAscending(24));
}

TEST(SliceOrder, ObliqueSeriesFollowsItsNormal) {
  const double a = 0.3;
  const double b = 0.5;
  // Row and column unit vectors, orthogonal, tilted about two axes.
  const Orientation oblique = {std::cos(a), std::sin(a), 0, -std::sin(a) * std::cos(b), std::cos(a) * std::cos(b),
                               -std::sin(b)};
  EXPECT_EQ(uidsInOrderWhateverTheInputOrder(seriesAlongNormal(oblique, 40)), uidsAscending(40));
}

TEST(SliceOrder, AxialPositionsDecreasingInInputStillSortAscendingInZ) {
  // Head-first acquisitions often number slices from the top down; the anatomy, not the numbering, decides.
  std::vector<SliceKey> slices;
  for (int i = 0; i < 5; ++i) {
    slices.push_back({uidOf(i), Vector3{0, 0, 100.0 - 10.0 * i}, kAxial, i + 1, ""});
  }
  EXPECT_EQ(uidsInOrderWhateverTheInputOrder(slices), uids({4, 3, 2, 1, 0}));
}

TEST(SliceOrder, NegativeDirectionNormalSortsAlongThatNormal) {
  // Column (0,-1,0) flips the normal to (0,0,-1): ascending along it means z decreasing, head to feet.
  const Orientation flipped = {1, 0, 0, 0, -1, 0};
  std::vector<SliceKey> slices;
  for (int i = 0; i < 5; ++i) slices.push_back({uidOf(i), Vector3{0, 0, 10.0 * i}, flipped, i + 1, ""});
  EXPECT_EQ(uidsInOrderWhateverTheInputOrder(slices), uids({4, 3, 2, 1, 0}));
}

TEST(SliceOrder, EqualPositionsAreOrderedByUidNumerically) {
  std::vector<SliceKey> slices = {
      {"1.2.10", Vector3{0, 0, 5}, kAxial, 1, ""},
      {"1.2.9", Vector3{0, 0, 5}, kAxial, 2, ""},
      {"1.2.100", Vector3{0, 0, 5}, kAxial, 3, ""},
      {"1.2.11", Vector3{0, 0, 1}, kAxial, 4, ""},
  };
  EXPECT_EQ(uidsInOrderWhateverTheInputOrder(slices),
            (std::vector<std::string>{"1.2.11", "1.2.9", "1.2.10", "1.2.100"}));
}

TEST(SliceOrder, SomeMissingPositionsFallBackToInstanceNumber) {
  auto slices = seriesAlongNormal(kAxial, 6);  // instance numbers run 6..1
  slices[2].imagePositionPatient.reset();
  EXPECT_EQ(uidsInOrderWhateverTheInputOrder(slices), uids({5, 4, 3, 2, 1, 0}));
}

TEST(SliceOrder, MissingOrientationFallsBackToInstanceNumber) {
  auto slices = seriesAlongNormal(kAxial, 4);
  slices[0].imageOrientationPatient.reset();
  EXPECT_EQ(uidsInOrderWhateverTheInputOrder(slices), uids({3, 2, 1, 0}));
}

TEST(SliceOrder, DegenerateOrientationFallsBackToInstanceNumber) {
  auto slices = seriesAlongNormal(kAxial, 4);
  for (auto& slice : slices) slice.imageOrientationPatient = Orientation{1, 0, 0, 1, 0, 0};  // parallel: no normal
  EXPECT_EQ(uidsInOrderWhateverTheInputOrder(slices), uids({3, 2, 1, 0}));
}

TEST(SliceOrder, EqualInstanceNumbersAreOrderedByUid) {
  std::vector<SliceKey> slices = {{uidOf(2), {}, {}, 1, ""}, {uidOf(1), {}, {}, 1, ""}, {uidOf(0), {}, {}, 0, ""}};
  EXPECT_EQ(uidsInOrderWhateverTheInputOrder(slices), uids({0, 1, 2}));
}

TEST(SliceOrder, ExtremeInstanceNumbersKeepTheirOrder) {
  const long big = std::numeric_limits<long>::max();
  std::vector<SliceKey> slices = {{uidOf(0), {}, {}, big, ""},
                                  {uidOf(1), {}, {}, big - 1, ""},
                                  {uidOf(2), {}, {}, std::numeric_limits<long>::min(), ""}};
  EXPECT_EQ(uidsInOrderWhateverTheInputOrder(slices), uids({2, 1, 0}));
}

TEST(SliceOrder, SomeMissingInstanceNumbersFallBackToAcquisitionTime) {
  std::vector<SliceKey> slices = {
      {uidOf(0), {}, {}, 1, "120001.5"},
      {uidOf(1), {}, {}, std::nullopt, "120001.25"},
      {uidOf(2), {}, {}, 3, "115959"},
      {uidOf(3), {}, {}, 4, "12"},  // only the hour: 12:00:00
  };
  EXPECT_EQ(uidsInOrderWhateverTheInputOrder(slices), uids({2, 3, 1, 0}));
}

TEST(SliceOrder, OldColonSeparatedTimesAreUnderstood) {
  std::vector<SliceKey> slices = {{uidOf(0), {}, {}, std::nullopt, "12:00:01"},
                                  {uidOf(1), {}, {}, std::nullopt, "11:59:59.9"}};
  EXPECT_EQ(uidsInOrderWhateverTheInputOrder(slices), uids({1, 0}));
}

TEST(SliceOrder, NothingUsableFallsBackToUid) {
  std::vector<SliceKey> slices = {
      {"1.2.3.10", {}, {}, std::nullopt, "120000"},
      {"1.2.3.2", {}, {}, std::nullopt, ""},
      {"1.2.3.1", {}, {}, 5, "not a time"},
  };
  EXPECT_EQ(uidsInOrderWhateverTheInputOrder(slices),
            (std::vector<std::string>{"1.2.3.1", "1.2.3.2", "1.2.3.10"}));
}

TEST(SliceOrder, MalformedTimesCountAsMissing) {
  for (const char* bad : {"256000", "12a000", "1", "1234567", "12.5", "120000.x", "::"}) {
    std::vector<SliceKey> slices = {{uidOf(1), {}, {}, std::nullopt, "000000"},
                                    {uidOf(0), {}, {}, std::nullopt, bad}};
    EXPECT_EQ(uidsInOrder(slices), uids({0, 1})) << bad;
  }
}

TEST(SliceOrder, NonFinitePositionsCountAsMissing) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  for (const Vector3 broken : {Vector3{0, 0, nan}, Vector3{inf, 0, 0}, Vector3{0, -inf, nan}}) {
    auto slices = seriesAlongNormal(kAxial, 5);
    slices[3].imagePositionPatient = broken;
    EXPECT_EQ(uidsInOrderWhateverTheInputOrder(slices), uids({4, 3, 2, 1, 0}));
  }
}

TEST(SliceOrder, NonFiniteOrientationCountsAsMissing) {
  auto slices = seriesAlongNormal(kAxial, 5);
  slices[1].imageOrientationPatient = Orientation{1, 0, 0, 0, std::numeric_limits<double>::quiet_NaN(), 0};
  EXPECT_EQ(uidsInOrderWhateverTheInputOrder(slices), uids({4, 3, 2, 1, 0}));
}

TEST(SliceOrder, OverflowingProjectionCountsAsMissing) {
  auto slices = seriesAlongNormal(kAxial, 3);
  slices[0].imagePositionPatient = Vector3{0, 0, std::numeric_limits<double>::max()};
  slices[0].imageOrientationPatient = Orientation{1e300, 0, 0, 0, 1e300, 0};
  EXPECT_EQ(uidsInOrderWhateverTheInputOrder(slices), uids({2, 1, 0}));
}

TEST(SliceOrder, HostileEverythingNeverCrashes) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<SliceKey> slices;
  for (int i = 0; i < 200; ++i) {
    SliceKey key{i % 7 == 0 ? std::string() : uidOf(i % 13), Vector3{nan, nan, nan},
                 Orientation{nan, nan, nan, nan, nan, nan}, std::nullopt, "garbage"};
    slices.push_back(key);
  }
  const auto order = uidsInOrderWhateverTheInputOrder(slices);
  EXPECT_EQ(order.size(), slices.size());
}

TEST(SliceOrder, DuplicateSlicesStayTogether) {
  auto slices = seriesAlongNormal(kAxial, 3);
  slices.push_back(slices[1]);
  EXPECT_EQ(uidsInOrderWhateverTheInputOrder(slices), uids({0, 1, 1, 2}));
}

TEST(SliceOrder, EmptyAndSingleSeries) {
  EXPECT_TRUE(anatomicalOrder({}).empty());
  EXPECT_EQ(anatomicalOrder({SliceKey{uidOf(0), {}, {}, {}, ""}}), std::vector<std::size_t>{0});
}

}  // namespace
