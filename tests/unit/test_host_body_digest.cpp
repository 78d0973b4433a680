#include <random>
#include <string>

#include <gtest/gtest.h>

#include "host/body_digest.h"
#include "util/sha256.h"

using cloudfilm::host::BodyDigest;

TEST(HostBodyDigest, KnownVectors) {
  BodyDigest empty;
  EXPECT_EQ(empty.finishHex(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  BodyDigest abc;
  abc.update("abc");
  EXPECT_EQ(abc.finishHex(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  BodyDigest two;
  two.update("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq");
  EXPECT_EQ(two.finishHex(), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(HostBodyDigest, MatchesThePortableSha256ForAnySplit) {
  std::mt19937 random(42);
  for (std::size_t size : {0u, 1u, 55u, 56u, 63u, 64u, 65u, 119u, 120u, 1000u, 100000u}) {
    std::string data(size, '\0');
    for (char& c : data) c = static_cast<char>(random());
    BodyDigest digest;
    for (std::size_t offset = 0; offset < size;) {
      const std::size_t piece = std::min<std::size_t>(size - offset, 1 + random() % 200);
      digest.update(std::string_view(data).substr(offset, piece));
      offset += piece;
    }
    EXPECT_EQ(digest.finishHex(), cloudfilm::sha256Hex(data)) << size;
  }
}
