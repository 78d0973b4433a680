#pragma once
// How deeply a dataset's sequences nest, found by walking its element headers without DCMTK.
//
// Why: DCMTK reads sequences recursively, about 1 KB of stack per level (an 8 MB stack overflows somewhere between
// 3,000 and 10,000 levels), and a hostile body can nest a sequence millions of levels deep in a few megabytes. Real
// files nest a handful of levels (structured reports a few dozen), so a dataset deeper than the limit is refused
// before DCMTK ever sees it. The walk is iterative, streams the file (inflating a deflated dataset as it goes) and
// stops at the first sign of malformed data: what it cannot walk, DCMTK will refuse on its own.
#include <cstddef>
#include <cstdint>
#include <filesystem>

namespace cloudfilm::dicom {

inline constexpr std::size_t kMaxSequenceNesting = 128;

struct DatasetLayout {
  std::uint64_t offset = 0;  // where the dataset starts in the file (after the meta header)
  bool explicitVr = true;
  bool bigEndian = false;
  bool deflated = false;  // raw deflate from `offset` (Deflated Explicit VR Little Endian)
};

// The deepest sequence nesting found, counting sequences (not items); stops early once it exceeds `limit`
// (returns limit + 1 then). Undefined-length UN values are walked as sequences in implicit VR, as DCMTK reads them.
std::size_t sequenceNestingDepth(const std::filesystem::path& file, const DatasetLayout& layout,
                                 std::size_t limit = kMaxSequenceNesting);

}  // namespace cloudfilm::dicom
