// store/copy_policy: which of two copies of one SOP instance is kept, rule by rule, and what the report says.
#include "store/copy_policy.h"

#include <gtest/gtest.h>

#include <string>

namespace cloudfilm {
namespace {

using store::compareCopies;
using store::CopyFacts;
using store::Origin;

constexpr const char* kExplicitLittle = "1.2.840.10008.1.2.1";
constexpr const char* kJpegBaseline = "1.2.840.10008.1.2.4.50";
constexpr const char* kJpegLossless = "1.2.840.10008.1.2.4.70";

// A copy that wins or loses on nothing: lossless, with pixel data, 40 elements.
dicom::InstanceInfo plainCopy() {
  dicom::InstanceInfo info;
  info.sopInstanceUid = "1.2.3.4";
  info.transferSyntaxUid = kExplicitLittle;
  info.hasPixelData = true;
  info.datasetElementCount = 40;
  return info;
}

dicom::InstanceInfo lossyCopy() {
  dicom::InstanceInfo info = plainCopy();
  info.transferSyntaxUid = kJpegBaseline;
  info.lossyCompressed = true;
  return info;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(CopyPolicy, OriginName_EachOrigin) {
  EXPECT_STREQ(store::originName(Origin::Served), "served");
  EXPECT_STREQ(store::originName(Origin::Wrapped), "wrapped");
  EXPECT_STREQ(store::originName(Origin::Rebuilt), "rebuilt");
}

TEST(CopyPolicy, Lossless_BeatsLossy_WhicheverIsKept) {
  const auto lossless = plainCopy(), lossy = lossyCopy();
  const auto keepLossless = compareCopies({lossy, Origin::Served, 100}, {lossless, Origin::Served, 200});
  EXPECT_FALSE(keepLossless.candidateIsBetter);
  EXPECT_TRUE(contains(keepLossless.reason, "kept the lossless copy")) << keepLossless.reason;
  EXPECT_TRUE(contains(keepLossless.reason, "Explicit")) << "names the transfer syntaxes: " << keepLossless.reason;

  const auto replaceLossy = compareCopies({lossless, Origin::Served, 200}, {lossy, Origin::Served, 100});
  EXPECT_TRUE(replaceLossy.candidateIsBetter);
  EXPECT_TRUE(contains(replaceLossy.reason, "the new copy is lossless")) << replaceLossy.reason;
}

TEST(CopyPolicy, LosslessCompression_IsNotLossy) {
  auto compressed = plainCopy();
  compressed.transferSyntaxUid = kJpegLossless;  // lossless JPEG: the lossy rule does not apply; a tie
  EXPECT_FALSE(compareCopies({compressed, Origin::Served, 50}, {plainCopy(), Origin::Served, 200}).candidateIsBetter);
  EXPECT_FALSE(compareCopies({plainCopy(), Origin::Served, 200}, {compressed, Origin::Served, 50}).candidateIsBetter);
}

TEST(CopyPolicy, Lossless_OutranksOrigin) {
  // A rebuilt lossless copy beats a served lossy one: the pixels matter more than how they arrived.
  const auto choice = compareCopies({plainCopy(), Origin::Rebuilt, 1}, {lossyCopy(), Origin::Served, 1});
  EXPECT_TRUE(choice.candidateIsBetter);
  EXPECT_TRUE(contains(choice.reason, "lossless")) << choice.reason;
}

TEST(CopyPolicy, Served_BeatsWrapped_BeatsRebuilt) {
  const auto info = plainCopy();
  const Origin order[] = {Origin::Served, Origin::Wrapped, Origin::Rebuilt};
  for (int better = 0; better < 3; ++better) {
    for (int worse = better + 1; worse < 3; ++worse) {
      const auto up = compareCopies({info, order[better], 1}, {info, order[worse], 1});
      EXPECT_TRUE(up.candidateIsBetter) << better << " over " << worse;
      EXPECT_EQ(up.reason, std::string("kept the ") + store::originName(order[better]) + " copy over the " +
                               store::originName(order[worse]) + " one");
      const auto down = compareCopies({info, order[worse], 1}, {info, order[better], 1});
      EXPECT_FALSE(down.candidateIsBetter) << worse << " under " << better;
      EXPECT_EQ(down.reason, up.reason) << "the same sentence whichever copy came first";
    }
  }
}

TEST(CopyPolicy, Origin_OutranksPixelDataAndCompleteness) {
  auto rich = plainCopy();
  rich.datasetElementCount = 90;
  auto poor = plainCopy();
  poor.hasPixelData = false;
  EXPECT_FALSE(compareCopies({rich, Origin::Rebuilt, 1}, {poor, Origin::Served, 1}).candidateIsBetter);
}

TEST(CopyPolicy, PixelData_BeatsNone) {
  auto empty = plainCopy();
  empty.hasPixelData = false;
  empty.datasetElementCount = 90;  // more elements do not make up for missing pixels
  const auto replace = compareCopies({plainCopy(), Origin::Served, 1}, {empty, Origin::Served, 1});
  EXPECT_TRUE(replace.candidateIsBetter);
  EXPECT_EQ(replace.reason, "the new copy has pixel data, the kept one had none");
  const auto keep = compareCopies({empty, Origin::Served, 1}, {plainCopy(), Origin::Served, 1});
  EXPECT_FALSE(keep.candidateIsBetter);
  EXPECT_EQ(keep.reason, "kept the copy with pixel data");
}

TEST(CopyPolicy, MoreElements_BeatFewer) {
  auto fuller = plainCopy();
  fuller.datasetElementCount = 41;
  const auto replace = compareCopies({fuller, Origin::Served, 1}, {plainCopy(), Origin::Served, 1});
  EXPECT_TRUE(replace.candidateIsBetter);
  EXPECT_EQ(replace.reason, "kept the more complete copy (41 elements against 40)");
  const auto keep = compareCopies({plainCopy(), Origin::Served, 1}, {fuller, Origin::Served, 1});
  EXPECT_FALSE(keep.candidateIsBetter);
  EXPECT_EQ(keep.reason, replace.reason);
}

TEST(CopyPolicy, Tie_KeepsTheKeptCopy_AndSaysBothSizes) {
  auto other = plainCopy();
  other.transferSyntaxUid = "1.2.840.10008.1.2";  // implicit VR: as good, only encoded otherwise
  const auto choice = compareCopies({other, Origin::Wrapped, 1234}, {plainCopy(), Origin::Wrapped, 5678});
  EXPECT_FALSE(choice.candidateIsBetter);
  EXPECT_TRUE(contains(choice.reason, "kept the first copy (")) << choice.reason;
  EXPECT_TRUE(contains(choice.reason, "5678 bytes) over an equivalent one (")) << choice.reason;
  EXPECT_TRUE(contains(choice.reason, "1234 bytes)")) << choice.reason;
}

TEST(CopyPolicy, IdenticalFacts_KeepTheKeptCopy) {
  const auto info = plainCopy();
  for (Origin origin : {Origin::Served, Origin::Wrapped, Origin::Rebuilt})
    EXPECT_FALSE(compareCopies({info, origin, 10}, {info, origin, 10}).candidateIsBetter);
  const auto lossy = lossyCopy();
  EXPECT_FALSE(compareCopies({lossy, Origin::Served, 10}, {lossy, Origin::Served, 10}).candidateIsBetter);
}

TEST(CopyPolicy, UnknownTransferSyntax_NamedByItsUid) {
  auto odd = lossyCopy();
  odd.transferSyntaxUid = "1.2.3.999";
  const auto choice = compareCopies({odd, Origin::Served, 1}, {plainCopy(), Origin::Served, 1});
  EXPECT_FALSE(choice.candidateIsBetter);
  EXPECT_TRUE(contains(choice.reason, "over a lossy one (1.2.3.999)")) << choice.reason;
}

}  // namespace
}  // namespace cloudfilm
