#include "host/body_digest.h"

#include <cstring>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define CLOUDFILM_HAVE_SHA_NI 1
#endif

namespace cloudfilm::host {
namespace {

constexpr std::array<std::uint32_t, 8> kInitialState = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                                        0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

#ifdef CLOUDFILM_HAVE_SHA_NI
alignas(16) constexpr std::uint32_t kRoundConstants[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

// The SHA-NI block loop (after Intel's and Jeffrey Walton's public-domain reference): 16 groups of 4 rounds, the
// message schedule kept in four rotating registers.
__attribute__((target("sha,sse4.1,ssse3"))) void compressShaNi(std::uint32_t* state, const std::uint8_t* data,
                                                                std::size_t blocks) {
  const __m128i kByteSwap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
  __m128i tmp = _mm_loadu_si128(reinterpret_cast<const __m128i*>(state));
  __m128i state1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(state + 4));
  tmp = _mm_shuffle_epi32(tmp, 0xB1);                 // CDAB
  state1 = _mm_shuffle_epi32(state1, 0x1B);           // EFGH
  __m128i state0 = _mm_alignr_epi8(tmp, state1, 8);  // ABEF
  state1 = _mm_blend_epi16(state1, tmp, 0xF0);        // CDGH

  for (; blocks > 0; --blocks, data += 64) {
    const __m128i abefSave = state0, cdghSave = state1;
    __m128i w[4];
    for (int g = 0; g < 16; ++g) {
      if (g < 4)
        w[g] = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(data + 16 * g)), kByteSwap);
      __m128i message =
          _mm_add_epi32(w[g % 4], _mm_load_si128(reinterpret_cast<const __m128i*>(kRoundConstants + 4 * g)));
      state1 = _mm_sha256rnds2_epu32(state1, state0, message);
      if (g >= 3 && g <= 14) {
        const __m128i shifted = _mm_alignr_epi8(w[g % 4], w[(g + 3) % 4], 4);
        w[(g + 1) % 4] = _mm_sha256msg2_epu32(_mm_add_epi32(w[(g + 1) % 4], shifted), w[g % 4]);
      }
      message = _mm_shuffle_epi32(message, 0x0E);
      state0 = _mm_sha256rnds2_epu32(state0, state1, message);
      if (g >= 1 && g <= 12) w[(g + 3) % 4] = _mm_sha256msg1_epu32(w[(g + 3) % 4], w[g % 4]);
    }
    state0 = _mm_add_epi32(state0, abefSave);
    state1 = _mm_add_epi32(state1, cdghSave);
  }

  tmp = _mm_shuffle_epi32(state0, 0x1B);        // FEBA
  state1 = _mm_shuffle_epi32(state1, 0xB1);     // DCHG
  state0 = _mm_blend_epi16(tmp, state1, 0xF0);  // DCBA
  state1 = _mm_alignr_epi8(state1, tmp, 8);     // ABEF
  _mm_storeu_si128(reinterpret_cast<__m128i*>(state), state0);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(state + 4), state1);
}
#endif

bool cpuHasShaNi() {
#ifdef CLOUDFILM_HAVE_SHA_NI
  __builtin_cpu_init();
  return __builtin_cpu_supports("sha") && __builtin_cpu_supports("sse4.1");
#else
  return false;
#endif
}

}  // namespace

bool BodyDigest::accelerated() {
  static const bool available = cpuHasShaNi();
  return available;
}

BodyDigest::BodyDigest() : accelerated_(accelerated()), state_(kInitialState) {}

void BodyDigest::compressBlocks(const std::uint8_t* data, std::size_t blocks) {
#ifdef CLOUDFILM_HAVE_SHA_NI
  compressShaNi(state_.data(), data, blocks);
#else
  (void)data;
  (void)blocks;
#endif
}

void BodyDigest::update(std::string_view bytes) {
  if (!accelerated_) {
    portable_.update(bytes);
    return;
  }
  const auto* data = reinterpret_cast<const std::uint8_t*>(bytes.data());
  std::size_t length = bytes.size();
  totalLength_ += length;
  if (bufferLength_ > 0) {
    const std::size_t take = std::min(length, buffer_.size() - bufferLength_);
    std::memcpy(buffer_.data() + bufferLength_, data, take);
    bufferLength_ += take;
    data += take;
    length -= take;
    if (bufferLength_ < buffer_.size()) return;
    compressBlocks(buffer_.data(), 1);
    bufferLength_ = 0;
  }
  if (length >= 64) {
    compressBlocks(data, length / 64);
    data += length / 64 * 64;
    length %= 64;
  }
  std::memcpy(buffer_.data(), data, length);
  bufferLength_ = length;
}

std::string BodyDigest::finishHex() {
  if (!accelerated_) return portable_.finishHex();
  const std::uint64_t bitLength = totalLength_ * 8;
  buffer_[bufferLength_++] = 0x80;
  if (bufferLength_ > 56) {
    std::memset(buffer_.data() + bufferLength_, 0, 64 - bufferLength_);
    compressBlocks(buffer_.data(), 1);
    bufferLength_ = 0;
  }
  std::memset(buffer_.data() + bufferLength_, 0, 56 - bufferLength_);
  for (int i = 0; i < 8; ++i) buffer_[56 + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(bitLength >> (56 - 8 * i));
  compressBlocks(buffer_.data(), 1);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(64);
  for (std::uint32_t word : state_)
    for (int shift = 28; shift >= 0; shift -= 4) hex += kHex[(word >> shift) & 0xF];
  return hex;
}

}  // namespace cloudfilm::host
