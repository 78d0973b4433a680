#pragma once
// The error codes of the native messaging protocol (docs/protocol.md, "Errors"). Append-only: never change or reuse a
// number; the extension mirrors this table (extension/src/lib/protocol.js) and a unit test checks the document.
#include <span>
#include <stdexcept>
#include <string>

namespace cloudfilm::protocol {

enum class ErrorCode : int {
  Internal = 1,
  FrameTooLarge = 2,
  BadJson = 3,
  UnknownType = 4,
  BadRequest = 5,
  UnknownBody = 6,
  HostTooOld = 7,
  ChunkOutOfOrder = 8,
  BadBase64 = 9,
  DigestMismatch = 10,
  BodyTooLarge = 11,
  DiskFull = 12,
  BadOutputFolder = 13,
  DuplicateBody = 14,
  TooManyBodies = 15,
  PathOutsideOutput = 16,
  TruncatedFrame = 17,
};

struct ErrorEntry {
  int code;
  const char* name;
};

// Every code, in order.
std::span<const ErrorEntry> errorTable();
const char* errorName(ErrorCode code);

// A failure that becomes one error reply. `body` names the body concerned, if any.
class ProtocolError : public std::runtime_error {
 public:
  ProtocolError(ErrorCode code, const std::string& message, std::string body = {})
      : std::runtime_error(message), code_(code), body_(std::move(body)) {}
  ErrorCode code() const { return code_; }
  const std::string& body() const { return body_; }

 private:
  ErrorCode code_;
  std::string body_;
};

}  // namespace cloudfilm::protocol
