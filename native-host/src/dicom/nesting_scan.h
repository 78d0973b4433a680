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

// How far a deflated dataset may inflate. Why: the walk below inflates it once and DCMTK (in memory: a deflated
// stream cannot be read lazily) a second time, and deflate reaches about 1032:1, so a 1 MB body can claim 1 GB. Real
// deflated DICOM is structured reports and small images: a blank 512 x 512 slice inflates to 512 KiB at a ratio near
// 1000 (under the floor, whatever its ratio), while above the floor real data (noise, text) deflates a few to one.
// The cost: a large, mostly blank multi-frame image sent deflated (servers almost never deflate images) could pass
// 64:1 and be refused with this reason. A dataset inflating past max(16 MiB, 64 x its compressed size) is refused; the
// walk stops there, so a bomb costs at most that much inflating (a 1 MB bomb claiming 1 GiB: 64 MiB, under 0.2 s)
// and no memory (fixed buffers), and DCMTK never sees it.
inline constexpr std::uint64_t kMaxInflatedFloorBytes = 16ull << 20;
inline constexpr std::uint64_t kMaxInflateRatio = 64;
std::uint64_t maxInflatedBytes(std::uint64_t compressedBytes);

struct DatasetScan {
  std::size_t depth = 0;             // as sequenceNestingDepth
  bool inflatesTooFar = false;       // deflated, and inflating past maxInflatedBytes: refuse it
  std::uint64_t inflatedBytes = 0;   // how many bytes were inflated (deflated datasets; stops at the bound)
  std::uint64_t compressedBytes = 0;  // the deflated stream's size in the file
};

// Walks the dataset; for a deflated one, also inflates (and discards) what the walk did not reach, up to the bound,
// so a dataset the walk stops early in (malformed after a few bytes) is bounded too.
DatasetScan scanDataset(const std::filesystem::path& file, const DatasetLayout& layout,
                        std::size_t limit = kMaxSequenceNesting);

// The deepest sequence nesting found, counting sequences (not items); stops early once it exceeds `limit`
// (returns limit + 1 then). Undefined-length UN values are walked as sequences in implicit VR, as DCMTK reads them.
std::size_t sequenceNestingDepth(const std::filesystem::path& file, const DatasetLayout& layout,
                                 std::size_t limit = kMaxSequenceNesting);

}  // namespace cloudfilm::dicom
