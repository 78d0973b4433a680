#include <gtest/gtest.h>

#include <random>
#include <string>

#include "util/sha256.h"

using cloudfilm::Sha256;
using cloudfilm::sha256Hex;

TEST(Sha256, EmptyInput) {
  EXPECT_EQ(sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Sha256, Abc) {
  EXPECT_EQ(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256, FourHundredFortyEightBitMessage) {
  EXPECT_EQ(sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256, EightHundredNinetySixBitMessage) {
  EXPECT_EQ(sha256Hex("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrs"
                      "mnopqrstnopqrstu"),
            "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

TEST(Sha256, OneMillionA) {
  EXPECT_EQ(sha256Hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, OneMillionA_InOddChunks) {
  Sha256 hasher;
  const std::string piece(997, 'a');
  std::size_t fed = 0;
  while (fed + piece.size() <= 1000000) {
    hasher.update(piece);
    fed += piece.size();
  }
  hasher.update(std::string(1000000 - fed, 'a'));
  EXPECT_EQ(hasher.finishHex(), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, ChunkedUpdates_EqualOneShot) {
  std::mt19937 generator(5);
  for (std::size_t size : {0u, 1u, 55u, 56u, 63u, 64u, 65u, 119u, 120u, 127u, 128u, 1000u, 4099u}) {
    std::string bytes(size, '\0');
    for (char& c : bytes) c = static_cast<char>(generator() & 0xFF);
    const std::string expected = sha256Hex(bytes);
    for (int round = 0; round < 10; ++round) {
      Sha256 hasher;
      std::size_t position = 0;
      while (position < bytes.size()) {
        const std::size_t piece = std::min<std::size_t>(round == 0 ? 1 : generator() % 100, bytes.size() - position);
        hasher.update(std::string_view(bytes).substr(position, piece));
        position += piece;
      }
      ASSERT_EQ(hasher.finishHex(), expected) << size;
    }
  }
}

TEST(Sha256, FinishResetsTheObject) {
  Sha256 hasher;
  hasher.update("something else");
  (void)hasher.finish();
  hasher.update("abc");
  EXPECT_EQ(hasher.finishHex(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256, BinaryDigestMatchesHex) {
  Sha256 hasher;
  hasher.update("abc");
  const auto digest = hasher.finish();
  EXPECT_EQ(digest[0], 0xba);
  EXPECT_EQ(digest[31], 0xad);
}
