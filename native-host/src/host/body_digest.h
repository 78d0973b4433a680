#pragma once
// SHA-256 of a streamed body. Uses the CPU's SHA extensions where present (x86 SHA-NI: about 5x the portable code,
// which was half of the host's CPU time per body) and cloudfilm::Sha256 everywhere else.
// TODO(util owner): fold the accelerated path into util/sha256 and drop this wrapper.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "util/sha256.h"

namespace cloudfilm::host {

class BodyDigest {
 public:
  BodyDigest();
  void update(std::string_view bytes);
  std::string finishHex();  // lowercase hex; the object must not be used afterwards
  static bool accelerated();

 private:
  void compressBlocks(const std::uint8_t* data, std::size_t blocks);

  bool accelerated_;
  Sha256 portable_;
  std::array<std::uint32_t, 8> state_;
  std::array<std::uint8_t, 64> buffer_{};
  std::size_t bufferLength_ = 0;
  std::uint64_t totalLength_ = 0;
};

}  // namespace cloudfilm::host
