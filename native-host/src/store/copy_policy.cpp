#include "store/copy_policy.h"

#include <algorithm>

#include "dicom/transfer_syntax.h"

namespace cloudfilm::store {

const char* originName(Origin origin) {
  switch (origin) {
    case Origin::Served: return "served";
    case Origin::Wrapped: return "wrapped";
    case Origin::Rebuilt: return "rebuilt";
  }
  return "served";
}

CopyChoice compareCopies(const CopyFacts& candidate, const CopyFacts& kept) {
  const dicom::InstanceInfo& mine = candidate.info;
  const dicom::InstanceInfo& theirs = kept.info;
  if (mine.lossyCompressed != theirs.lossyCompressed) {
    const std::string keptSyntax = dicom::transferSyntaxName(theirs.transferSyntaxUid);
    const std::string candidateSyntax = dicom::transferSyntaxName(mine.transferSyntaxUid);
    if (mine.lossyCompressed)
      return {false, "kept the lossless copy (" + keptSyntax + ") over a lossy one (" + candidateSyntax + ")"};
    return {true, "the new copy is lossless (" + candidateSyntax + ") where the kept one was lossy (" + keptSyntax + ")"};
  }
  if (candidate.origin != kept.origin) {
    const bool better = candidate.origin < kept.origin;
    return {better, std::string("kept the ") + originName(better ? candidate.origin : kept.origin) +
                        " copy over the " + originName(better ? kept.origin : candidate.origin) + " one"};
  }
  if (mine.hasPixelData != theirs.hasPixelData) {
    if (mine.hasPixelData) return {true, "the new copy has pixel data, the kept one had none"};
    return {false, "kept the copy with pixel data"};
  }
  if (mine.datasetElementCount != theirs.datasetElementCount) {
    return {mine.datasetElementCount > theirs.datasetElementCount,
            "kept the more complete copy (" + std::to_string(std::max(mine.datasetElementCount, theirs.datasetElementCount)) +
                " elements against " + std::to_string(std::min(mine.datasetElementCount, theirs.datasetElementCount)) + ")"};
  }
  return {false, "kept the first copy (" + dicom::transferSyntaxName(theirs.transferSyntaxUid) + ", " +
                     std::to_string(kept.bytes) + " bytes) over an equivalent one (" +
                     dicom::transferSyntaxName(mine.transferSyntaxUid) + ", " + std::to_string(candidate.bytes) +
                     " bytes)"};
}

}  // namespace cloudfilm::store
