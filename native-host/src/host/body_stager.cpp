#include "host/body_stager.h"

#include <cerrno>
#include <cstring>

#include "platform/platform.h"
#include "protocol/errors.h"
#include "util/ascii.h"
#include "util/fd_io.h"

namespace cloudfilm::host {
namespace fs = std::filesystem;
using protocol::ErrorCode;
using protocol::ProtocolError;

namespace {

ProtocolError ioFailure(const std::string& what, int error, const std::string& body) {
  return ProtocolError(errorCodeForErrno(error), what + ": " + std::strerror(error), body);
}

constexpr std::size_t kSliceChars = 128 * 1024;  // base64 characters decoded per slice (96 KiB of bytes)

bool isLowerHexDigest(std::string_view text) {
  if (text.size() != 64) return false;
  for (char c : text)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

}  // namespace

bool isValidBodyId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

OpenBody::OpenBody(std::string id, CapturedBodyMeta meta, fs::path file)
    : id_(std::move(id)), meta_(std::move(meta)), file_(std::move(file)) {
  fd_ = platform::openForWriting(file_, platform::Creation::Exclusive, 0600);
  if (fd_ < 0) throw ioFailure("cannot create the staging file " + platform::utf8Of(file_), errno, id_);
}

OpenBody::~OpenBody() {
  closeFile();
  if (!handedOver_) {
    std::error_code ec;
    fs::remove(file_, ec);
  }
}

void OpenBody::closeFile() {
  if (fd_ >= 0) platform::closeFile(fd_);
  fd_ = -1;
}

void OpenBody::write(std::string_view decoded) {
  if (decoded.empty()) return;
  bytes_ += decoded.size();
  if (meta_.totalBytes && bytes_ > *meta_.totalBytes)
    throw ProtocolError(ErrorCode::BodyTooLarge,
                        "the body grew past its announced " + std::to_string(*meta_.totalBytes) + " bytes", id_);
  if (bytes_ > kMaxBodyBytes)
    throw ProtocolError(ErrorCode::BodyTooLarge, "the body grew past the host's limit of 4 GiB", id_);
  sha_.update(decoded);
  if (!writeAll(fd_, decoded)) throw ioFailure("cannot write the staging file", errno, id_);
}

void OpenBody::append(std::int64_t seq, std::string_view base64, std::string& scratch) {
  if (seq != nextSeq_)
    throw ProtocolError(ErrorCode::ChunkOutOfOrder,
                        "chunk " + std::to_string(seq) + " arrived, chunk " + std::to_string(nextSeq_) + " expected",
                        id_);
  ++nextSeq_;
  // Each chunk is base64 of its own bytes (padded at its own end), so each is decoded on its own. It is decoded,
  // hashed and written a slice at a time: a slice stays in the CPU cache from decoding to the kernel's copy, where
  // a whole 4 MiB chunk would go through main memory three times.
  Base64Decoder decoder;
  for (std::size_t offset = 0; offset < base64.size(); offset += kSliceChars) {
    scratch.clear();
    if (!decoder.feed(base64.substr(offset, kSliceChars), scratch))
      throw ProtocolError(ErrorCode::BadBase64, "chunk " + std::to_string(seq) + " is not valid base64", id_);
    write(scratch);
  }
  scratch.clear();
  if (!decoder.finish(scratch))
    throw ProtocolError(ErrorCode::BadBase64, "chunk " + std::to_string(seq) + " is not valid base64", id_);
  write(scratch);
}

fs::path OpenBody::finish(const std::optional<std::string>& sha256Hex) {
  std::string expected;
  if (sha256Hex) {
    expected = asciiLowercase(*sha256Hex);
    if (!isLowerHexDigest(expected))
      throw ProtocolError(ErrorCode::BadRequest, "`sha256` must be 64 hexadecimal digits", id_);
  }
  const std::string actual = sha_.finishHex();
  if (!expected.empty() && actual != expected)
    throw ProtocolError(ErrorCode::DigestMismatch, "SHA-256 of the received body is " + actual + ", not " + expected,
                        id_);
  // Acknowledged means on disk: no fsync here, because the body is acknowledged only after Store::commit(), which
  // flushes the whole batch (this file's data included) with one syncfs.
  if (platform::closeFile(fd_) != 0) {
    fd_ = -1;
    throw ioFailure("cannot close the staging file", errno, id_);
  }
  fd_ = -1;
  handedOver_ = true;
  return file_;
}

}  // namespace cloudfilm::host
