#include "util/error.h"

#include <array>
#include <cerrno>
#include <cstring>
#include <system_error>

namespace cloudfilm {
namespace {

// DO NOT MODIFY THE VALUES: append new codes at the end.
constexpr std::array<ErrorEntry, 17> kErrors = {{
    {1, "internal"},
    {2, "frame-too-large"},
    {3, "bad-json"},
    {4, "unknown-type"},
    {5, "bad-request"},
    {6, "unknown-body"},
    {7, "host-too-old"},
    {8, "chunk-out-of-order"},
    {9, "bad-base64"},
    {10, "digest-mismatch"},
    {11, "body-too-large"},
    {12, "disk-full"},
    {13, "bad-output-folder"},
    {14, "duplicate-body"},
    {15, "too-many-bodies"},
    {16, "path-outside-output"},
    {17, "truncated-frame"},
}};

}  // namespace

std::span<const ErrorEntry> errorTable() { return kErrors; }

const char* errorName(ErrorCode code) {
  const int value = static_cast<int>(code);
  for (const auto& entry : kErrors)
    if (entry.code == value) return entry.name;
  return "internal";
}

ErrorCode errorCodeForErrno(int error) {
#ifdef EDQUOT
  if (error == EDQUOT) return ErrorCode::DiskFull;
#endif
  return error == ENOSPC ? ErrorCode::DiskFull : ErrorCode::Internal;
}

Error ioError(const std::string& what, const std::string& path, int error) {
  return Error(errorCodeForErrno(error), what + " " + path + ": " + std::strerror(error));
}

ErrorCode errorCodeOf(const std::exception& error) {
  if (const auto* ours = dynamic_cast<const Error*>(&error)) return ours->code();
  if (const auto* system = dynamic_cast<const std::system_error*>(&error))  // filesystem_error is one too
    if (system->code().category() == std::generic_category() || system->code().category() == std::system_category())
      return errorCodeForErrno(system->code().value());
  return ErrorCode::Internal;
}

}  // namespace cloudfilm
