#pragma once
// One error type for the whole host, as Orthanc's OrthancException(ErrorCode): the code is set where the failure
// happens (a full disk in the store, a bad chunk in staging, a path outside the output folder in the path policy) and
// travels unchanged to the protocol, which sends it as the reply's `code`. Nobody recovers a condition from a message's
// text. Normal outcomes (stored, duplicate, not DICOM) are not errors: they are result enums of their modules.
//
// The codes are the protocol's error table (docs/protocol.md, "Errors"). Append-only: never change or reuse a number;
// the extension mirrors this table (extension/src/lib/protocol.js) and unit tests check both against the document.
#include <span>
#include <stdexcept>
#include <string>

namespace cloudfilm {

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

// A failure with its code. `body` names the captured body concerned, if any (the protocol echoes it).
class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message, std::string body = {})
      : std::runtime_error(message), code_(code), body_(std::move(body)) {}
  ErrorCode code() const { return code_; }
  const std::string& body() const { return body_; }

 private:
  ErrorCode code_;
  std::string body_;
};

// The code for a failed system call's errno: DiskFull for a full disk or an exhausted quota, else Internal.
ErrorCode errorCodeForErrno(int error);

// "`what` `path`: strerror(error)", with the code errorCodeForErrno(error) gives.
Error ioError(const std::string& what, const std::string& path, int error);

// The code of any exception: an Error's own, DiskFull for a filesystem_error or system_error whose errno says the disk
// is full, else Internal.
ErrorCode errorCodeOf(const std::exception& error);

}  // namespace cloudfilm
