#include "dicom/nesting_scan.h"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

namespace cloudfilm::dicom {
namespace {

constexpr std::uint32_t kUndefinedLength = 0xFFFFFFFFu;
constexpr std::uint16_t kItemGroup = 0xFFFE;
constexpr std::uint16_t kItem = 0xE000, kItemDelimiter = 0xE00D, kSequenceDelimiter = 0xE0DD;

// A forward-only byte stream with a small push-back (to peek at the start of a value).
class Source {
 public:
  virtual ~Source() = default;
  bool read(void* out, std::size_t n) {
    auto* bytes = static_cast<unsigned char*>(out);
    while (n > 0 && !pushedBack_.empty()) {
      *bytes++ = pushedBack_.back();
      pushedBack_.pop_back();
      --n;
      ++position_;
    }
    if (n == 0) return true;
    if (!readRaw(bytes, n)) return false;
    position_ += n;
    return true;
  }
  void unread(const unsigned char* bytes, std::size_t n) {
    for (std::size_t i = n; i > 0; --i) pushedBack_.push_back(bytes[i - 1]);
    position_ -= n;
  }
  bool skip(std::uint64_t n) {
    while (n > 0 && !pushedBack_.empty()) {
      pushedBack_.pop_back();
      --n;
      ++position_;
    }
    if (n == 0) return true;
    if (!skipRaw(n)) return false;
    position_ += n;
    return true;
  }
  std::uint64_t position() const { return position_; }

 protected:
  virtual bool readRaw(unsigned char* out, std::size_t n) = 0;
  virtual bool skipRaw(std::uint64_t n) = 0;

 private:
  std::vector<unsigned char> pushedBack_;
  std::uint64_t position_ = 0;
};

class FileSource : public Source {
 public:
  FileSource(const std::filesystem::path& file, std::uint64_t offset) : in_(file, std::ios::binary) {
    std::error_code ec;
    size_ = std::filesystem::file_size(file, ec);
    if (ec || offset > size_) size_ = 0;
    remaining_ = size_ > offset ? size_ - offset : 0;
    in_.seekg(static_cast<std::streamoff>(offset));
  }

 protected:
  bool readRaw(unsigned char* out, std::size_t n) override {
    if (n > remaining_) return false;
    in_.read(reinterpret_cast<char*>(out), static_cast<std::streamsize>(n));
    remaining_ -= n;
    return static_cast<std::size_t>(in_.gcount()) == n;
  }
  bool skipRaw(std::uint64_t n) override {
    if (n > remaining_) return false;
    in_.seekg(static_cast<std::streamoff>(n), std::ios::cur);
    remaining_ -= n;
    return static_cast<bool>(in_);
  }

 private:
  std::ifstream in_;
  std::uint64_t size_ = 0, remaining_ = 0;
};

class InflateSource : public Source {
 public:
  InflateSource(const std::filesystem::path& file, std::uint64_t offset) : in_(file, std::ios::binary) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(file, ec);
    compressed_ = !ec && size > offset ? size - offset : 0;
    bound_ = maxInflatedBytes(compressed_);
    in_.seekg(static_cast<std::streamoff>(offset));
    ok_ = inflateInit2(&stream_, -MAX_WBITS) == Z_OK;  // raw deflate, as PS3.5 A.5 specifies
  }
  ~InflateSource() override {
    if (ok_) inflateEnd(&stream_);
  }

  // Inflates (and discards) the rest of the stream, up to the bound.
  void drain() {
    while (!tooFar_ && fill()) outPos_ = outLen_;
  }
  bool tooFar() const { return tooFar_; }
  std::uint64_t inflated() const { return inflated_; }
  std::uint64_t compressed() const { return compressed_; }

 protected:
  bool readRaw(unsigned char* out, std::size_t n) override {
    while (n > 0) {
      if (outPos_ == outLen_ && !fill()) return false;
      const std::size_t take = std::min(n, outLen_ - outPos_);
      std::memcpy(out, outBuffer_.data() + outPos_, take);
      out += take;
      outPos_ += take;
      n -= take;
    }
    return true;
  }
  bool skipRaw(std::uint64_t n) override {
    while (n > 0) {
      if (outPos_ == outLen_ && !fill()) return false;
      const std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(n, outLen_ - outPos_));
      outPos_ += take;
      n -= take;
    }
    return true;
  }

 private:
  bool fill() {
    if (!ok_ || finished_ || tooFar_) return false;
    outPos_ = outLen_ = 0;
    while (outLen_ == 0) {
      if (stream_.avail_in == 0) {
        in_.read(reinterpret_cast<char*>(inBuffer_.data()), static_cast<std::streamsize>(inBuffer_.size()));
        stream_.next_in = inBuffer_.data();
        stream_.avail_in = static_cast<uInt>(in_.gcount());
        if (stream_.avail_in == 0) return false;
      }
      stream_.next_out = outBuffer_.data();
      stream_.avail_out = static_cast<uInt>(outBuffer_.size());
      const int status = inflate(&stream_, Z_NO_FLUSH);
      outLen_ = outBuffer_.size() - stream_.avail_out;
      inflated_ += outLen_;
      if (inflated_ > bound_) {
        tooFar_ = true;
        outLen_ = 0;
        return false;
      }
      if (status == Z_STREAM_END) {
        finished_ = true;
        return outLen_ > 0;
      }
      if (status != Z_OK && status != Z_BUF_ERROR) return false;
    }
    return true;
  }

  std::ifstream in_;
  z_stream stream_{};
  bool ok_ = false, finished_ = false, tooFar_ = false;
  std::uint64_t compressed_ = 0, bound_ = 0, inflated_ = 0;
  std::array<unsigned char, 64 * 1024> inBuffer_{};
  std::array<unsigned char, 256 * 1024> outBuffer_{};
  std::size_t outPos_ = 0, outLen_ = 0;
};

bool hasLongLength(const char vr[2]) {
  static constexpr const char* kLong[] = {"OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV"};
  for (const char* candidate : kLong)
    if (vr[0] == candidate[0] && vr[1] == candidate[1]) return true;
  return false;
}

struct Frame {
  bool sequence = false;  // a sequence, else an item
  bool undefined = false;
  std::uint64_t end = 0;  // for a defined length
  bool implicitContent = false;
};

class Walker {
 public:
  Walker(Source& source, const DatasetLayout& layout, std::size_t limit)
      : in_(source), explicitVr_(layout.explicitVr), bigEndian_(layout.bigEndian), limit_(limit) {}

  std::size_t run() {
    while (deepest_ <= limit_) {
      while (!stack_.empty() && !stack_.back().undefined && in_.position() >= stack_.back().end) pop();
      std::uint16_t group = 0, element = 0;
      if (!readTag(group, element)) break;  // end of data (or of what can be walked)
      if (group == kItemGroup) {
        if (!onItemTag(element)) break;
        continue;
      }
      if (!onElement(group, element)) break;
    }
    return deepest_;
  }

 private:
  bool implicitHere() const { return !explicitVr_ || (!stack_.empty() && stack_.back().implicitContent); }

  std::uint16_t u16(const unsigned char* b) const {
    return bigEndian_ ? static_cast<std::uint16_t>(b[0] << 8 | b[1]) : static_cast<std::uint16_t>(b[1] << 8 | b[0]);
  }
  std::uint32_t u32(const unsigned char* b) const {
    return bigEndian_ ? (std::uint32_t{b[0]} << 24 | std::uint32_t{b[1]} << 16 | std::uint32_t{b[2]} << 8 | b[3])
                      : (std::uint32_t{b[3]} << 24 | std::uint32_t{b[2]} << 16 | std::uint32_t{b[1]} << 8 | b[0]);
  }
  bool readTag(std::uint16_t& group, std::uint16_t& element) {
    unsigned char b[4];
    if (!in_.read(b, 4)) return false;
    group = u16(b);
    element = u16(b + 2);
    return true;
  }
  bool readU32(std::uint32_t& value) {
    unsigned char b[4];
    if (!in_.read(b, 4)) return false;
    value = u32(b);
    return true;
  }

  void push(Frame frame) {
    stack_.push_back(frame);
    if (frame.sequence) deepest_ = std::max(deepest_, ++depth_);
  }
  void pop() {
    if (stack_.back().sequence) --depth_;
    stack_.pop_back();
  }
  bool implicitContentHere() const { return !stack_.empty() && stack_.back().implicitContent; }

  bool onItemTag(std::uint16_t element) {
    std::uint32_t length = 0;
    if (!readU32(length)) return false;
    if (element == kItem) {
      const bool undefined = length == kUndefinedLength;
      push(Frame{false, undefined, undefined ? 0 : in_.position() + length, implicitContentHere()});
      return true;
    }
    if (element == kItemDelimiter) {
      if (!stack_.empty() && !stack_.back().sequence) pop();
      return true;
    }
    if (element == kSequenceDelimiter) {
      if (!stack_.empty() && !stack_.back().sequence) pop();
      if (!stack_.empty() && stack_.back().sequence) pop();
      return true;
    }
    return false;
  }

  bool onElement(std::uint16_t group, std::uint16_t element) {
    char vr[2] = {0, 0};
    std::uint32_t length = 0;
    if (!implicitHere()) {
      if (!in_.read(vr, 2)) return false;
      if (vr[0] < 'A' || vr[0] > 'Z' || vr[1] < 'A' || vr[1] > 'Z') return false;  // not walkable: leave it to DCMTK
      if (hasLongLength(vr)) {
        if (!in_.skip(2) || !readU32(length)) return false;
      } else {
        unsigned char b[2];
        if (!in_.read(b, 2)) return false;
        length = u16(b);
      }
    } else if (!readU32(length)) {
      return false;
    }
    const bool pixelData = group == 0x7FE0 && element == 0x0010;
    const bool explicitSq = vr[0] == 'S' && vr[1] == 'Q';
    const bool un = vr[0] == 'U' && vr[1] == 'N';
    const bool bulk = vr[0] == 'O' && (vr[1] == 'B' || vr[1] == 'W');
    if (length == kUndefinedLength) {
      if (pixelData || bulk) return skipFragments();
      // A sequence; an undefined-length UN is read by DCMTK as a sequence in implicit VR little endian.
      push(Frame{true, true, 0, implicitHere() || un});
      return true;
    }
    if (!stack_.empty() && !stack_.back().undefined && in_.position() + length > stack_.back().end) return false;
    if (explicitSq || ((implicitHere() || un) && !pixelData && length >= 8 && startsWithItem())) {
      push(Frame{true, false, in_.position() + length, implicitHere() || un});
      return true;
    }
    return in_.skip(length);
  }

  // Encapsulated pixel data: items are fragments, never datasets.
  bool skipFragments() {
    for (;;) {
      std::uint16_t group = 0, element = 0;
      std::uint32_t length = 0;
      if (!readTag(group, element) || !readU32(length) || group != kItemGroup) return false;
      if (element == kSequenceDelimiter) return true;
      if (element != kItem || length == kUndefinedLength || !in_.skip(length)) return false;
    }
  }

  bool startsWithItem() {
    unsigned char b[4];
    if (!in_.read(b, 4)) return false;
    in_.unread(b, 4);
    return u16(b) == kItemGroup && u16(b + 2) == kItem;
  }

  Source& in_;
  bool explicitVr_, bigEndian_;
  std::size_t limit_;
  std::vector<Frame> stack_;
  std::size_t depth_ = 0, deepest_ = 0;
};

}  // namespace

std::uint64_t maxInflatedBytes(std::uint64_t compressedBytes) {
  const std::uint64_t byRatio =
      compressedBytes > UINT64_MAX / kMaxInflateRatio ? UINT64_MAX : compressedBytes * kMaxInflateRatio;
  return std::max(kMaxInflatedFloorBytes, byRatio);
}

DatasetScan scanDataset(const std::filesystem::path& file, const DatasetLayout& layout, std::size_t limit) {
  DatasetScan scan;
  if (!layout.deflated) {
    FileSource source(file, layout.offset);
    scan.depth = Walker(source, layout, limit).run();
    return scan;
  }
  // On the heap: 320 KB of buffers.
  auto source = std::make_unique<InflateSource>(file, layout.offset);
  scan.depth = Walker(*source, layout, limit).run();
  if (scan.depth <= limit) source->drain();
  scan.inflatesTooFar = source->tooFar();
  scan.inflatedBytes = source->inflated();
  scan.compressedBytes = source->compressed();
  return scan;
}

std::size_t sequenceNestingDepth(const std::filesystem::path& file, const DatasetLayout& layout, std::size_t limit) {
  return scanDataset(file, layout, limit).depth;
}

}  // namespace cloudfilm::dicom
