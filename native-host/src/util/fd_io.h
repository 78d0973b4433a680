#pragma once
// Writing to a file descriptor the way every writer here needs it: all the bytes, through interruptions by signals
// and partial writes (pipes and full disks write less than asked).
#include <filesystem>
#include <initializer_list>
#include <string_view>

namespace cloudfilm {

// Writes every byte of `bytes` to `fd`. Returns false on failure with errno as the failed write left it.
bool writeAll(int fd, std::string_view bytes);

// Writes `parts` one after the other with as few system calls as possible (writev), as writeAll does.
bool writeAll(int fd, std::initializer_list<std::string_view> parts);

// Creates or truncates `path` (with `mode`, less the umask) and writes `bytes` to it. On failure, removes what was
// written and throws cloudfilm::Error "cannot write <path>: <reason>" (DiskFull for a full disk).
void writeWholeFile(const std::filesystem::path& path, std::string_view bytes, unsigned mode = 0644);

// Flushes a file or folder to the disk (fsync). Best effort: a path that cannot be opened is skipped.
void syncPath(const std::filesystem::path& path);

}  // namespace cloudfilm
