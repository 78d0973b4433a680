#pragma once
// Everything the host and the command line ask of the operating system that differs between Linux (and macOS) and
// Windows, in one place: platform_posix.cpp and platform_windows.cpp implement it, and the build compiles the one
// for its target. Nothing else in the tree includes <unistd.h>, <windows.h> or their kin.
//
// Text: CloudFilm's strings are UTF-8 (names from DICOM, JSON, the command line). Windows paths are UTF-16, and
// std::filesystem::path's char constructor there goes through the ANSI code page, which garbles any Chinese name:
// every path built from a name goes through pathFromUtf8, and every path shown or sent as text through utf8Of.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cloudfilm::platform {

// ---- text and paths
// A path from UTF-8 text ('/' separates on every platform).
std::filesystem::path pathFromUtf8(std::string_view utf8);
// A path as UTF-8 text, as a person would write it (Windows' \\?\ prefix left out).
std::string utf8Of(const std::filesystem::path& path);
// A path as UTF-8 for a library that opens files by UTF-8 name (libzip): on Windows in the \\?\ form when long.
std::string utf8ForOpening(const std::filesystem::path& path);
// The same, '/'-separated on every platform: for relative paths kept in files (the library's index).
std::string genericUtf8Of(const std::filesystem::path& path);
// The longest path the file system APIs take, in the units pathUnits counts: 259 UTF-16 units on Windows, where
// std::filesystem (libstdc++) neither adds the \\?\ prefix nor understands it, and long paths otherwise need a
// policy most PCs do not have; PATH_MAX elsewhere. The library bounds its folder names to fit (store::Store).
std::size_t maxPathUnits();
std::size_t pathUnits(const std::filesystem::path& path);
// Whether this user may create files in `folder` (access(W_OK)); errno says why not.
bool writableFolder(const std::filesystem::path& folder);

// ---- program start
// Makes stdin and stdout carry bytes unchanged (Windows opens them in text mode: a length prefix holding 0x0a would
// gain a 0x0d, one holding 0x1a would read as the end of the input) and a closed pipe a failed write rather than a
// signal (POSIX's SIGPIPE).
void prepareStandardStreams();
// The program's arguments after argv[0] as UTF-8 (Windows passes main() the ANSI code page's rendering).
std::vector<std::string> argumentsUtf8(int argc, char** argv);
// An environment variable as UTF-8, or nullopt when unset.
std::optional<std::string> environmentVariable(const std::string& name);
constexpr int kStandardInput = 0, kStandardOutput = 1;

// ---- folders
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
struct UserFolders {
  std::filesystem::path home;
  std::filesystem::path data;       // what the host keeps: ~/.local/share/cloudfilm, %LOCALAPPDATA%\CloudFilm
  std::filesystem::path logs;       // ~/.local/state/cloudfilm, %LOCALAPPDATA%\CloudFilm\logs
  std::filesystem::path settings;   // ~/.config/cloudfilm, %LOCALAPPDATA%\CloudFilm
  std::filesystem::path downloads;  // the desktop's Downloads folder (XDG user dirs; Windows' Known Folder)
};
// The user's folders, as the desktop defines them. `env` answers environment variables (tests replace it).
UserFolders userFolders(const EnvLookup& env);

// XDG_DOWNLOAD_DIR from the text of ~/.config/user-dirs.dirs ("$HOME/下载" -> /home/me/下载). Relative values are
// relative to home, as xdg-user-dirs says; a value equal to $HOME itself means "disabled" and is ignored.
std::optional<std::filesystem::path> parseXdgDownloadDir(std::string_view userDirsText,
                                                         const std::filesystem::path& home);

// ---- files, by descriptor (POSIX descriptors; the C runtime's on Windows, always binary)
enum class Creation {
  Truncate,   // create, or empty an existing file
  Exclusive,  // create; fail (EEXIST) when it exists
  Append,     // create, or append to an existing file
};
// Opens `path` for writing. `posixMode` (less the umask) applies where files have modes. -1 with errno on failure.
int openForWriting(const std::filesystem::path& path, Creation creation, unsigned posixMode);
// Opens `path` for reading. -1 with errno on failure.
int openForReading(const std::filesystem::path& path);
// Opens `path` for reading and writing, creating it (for locks). -1 with errno on failure.
int openForLocking(const std::filesystem::path& path);
// read(2)/write(2): bytes moved, 0 at the end of input, -1 with errno.
long readSome(int fd, void* target, std::size_t count);
long writeSome(int fd, const void* source, std::size_t count);
// Writes the parts in order with one system call where the system has one (writev): bytes moved, or -1 with errno.
long writeGathered(int fd, const std::string_view* parts, std::size_t count);
// 0, or -1 with errno (a delayed write error shows here).
int closeFile(int fd);
bool syncFile(int fd);
// Flushes a folder's entries (a rename into it) to the disk where the system allows it; best effort.
void syncFolder(const std::filesystem::path& folder);
// Flushes a file by path; best effort.
void syncPath(const std::filesystem::path& path);
// Flushes everything written on the file system holding `folder` (one call instead of thousands of syncFile after a
// large import); best effort.
void syncFileSystem(const std::filesystem::path& folder);
// Removes a file; best effort (no error when it is already gone).
void removeFile(const std::filesystem::path& path);
// Renames a folder (or file) to `target` only if nothing is there, or an empty folder (which is replaced). 0, or -1
// with errno (ENOTEMPTY/EEXIST when something else is there).
int renameIntoPlace(const std::filesystem::path& from, const std::filesystem::path& target);
// Which file is at `path` (an inode, or Windows' file index) and its size: a file replaced by a rename has another
// id. nullopt when nothing is there.
struct FileIdentity {
  std::uint64_t id = 0;
  std::uint64_t size = 0;
};
std::optional<FileIdentity> fileIdentity(const std::filesystem::path& path);
// Moves a file to `target` only if nothing is there: 0, or -1 with errno (EEXIST when something is).
int moveFileWithoutReplacing(const std::filesystem::path& from, const std::filesystem::path& target);
// Creates a new folder in `parent` named `namePrefix` + a unique suffix, readable by this user only (mkdtemp):
// its path, or an empty path with errno.
std::filesystem::path createPrivateFolder(const std::filesystem::path& parent, const std::string& namePrefix);
// Exclusive lock on an open file held until unlockFile or close; waits for another process's lock.
bool lockFile(int fd);
void unlockFile(int fd);

// Opens the log for appending, never inherited by the programs the host starts. nullptr on failure.
std::FILE* openLogFile(const std::filesystem::path& file);
// localtime_r.
void localTime(std::time_t when, std::tm& local);

// ---- processes
long currentProcessId();
// Whether a process with this id runs (another host's work folder is not swept while it lives).
bool processAlive(long pid);
// Starts the desktop's file manager on `folder` (xdg-open on Linux, open on macOS, Explorer on Windows; `opener`,
// when given, replaces it: tests) without waiting for it; the child never sees our stdin/stdout, which are the message
// channel. Returns why it could not be started, or nullopt.
std::optional<std::string> openInFileManager(const std::filesystem::path& folder,
                                             const std::optional<std::string>& opener);

}  // namespace cloudfilm::platform
