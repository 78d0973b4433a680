// The platform module on Windows (see platform.h). Every path crosses into Windows as UTF-16 (the *W functions and
// the C runtime's _w* ones): the narrow ones would go through the ANSI code page, which cannot hold Chinese names on
// most Windows installations. Paths longer than MAX_PATH work because std::filesystem and the _w* functions pass them
// through with the \\?\ prefix where needed (see longPath), and the application manifest declares longPathAware.
#include <windows.h>
// after windows.h
#include <fcntl.h>
#include <io.h>
#include <knownfolders.h>
#include <process.h>
#include <shellapi.h>
#include <shlobj.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cwchar>
#include <random>

#include "platform/platform.h"

namespace cloudfilm::platform {
namespace fs = std::filesystem;

namespace {

std::wstring wideFromUtf8(std::string_view utf8) {
  if (utf8.empty()) return {};
  const int length = ::MultiByteToWideChar(CP_UTF8, 0, utf8.data(), static_cast<int>(utf8.size()), nullptr, 0);
  std::wstring wide(static_cast<std::size_t>(length), L'\0');
  ::MultiByteToWideChar(CP_UTF8, 0, utf8.data(), static_cast<int>(utf8.size()), wide.data(), length);
  return wide;
}

std::string utf8FromWide(std::wstring_view wide) {
  if (wide.empty()) return {};
  const int length =
      ::WideCharToMultiByte(CP_UTF8, 0, wide.data(), static_cast<int>(wide.size()), nullptr, 0, nullptr, nullptr);
  std::string utf8(static_cast<std::size_t>(length), '\0');
  ::WideCharToMultiByte(CP_UTF8, 0, wide.data(), static_cast<int>(wide.size()), utf8.data(), length, nullptr, nullptr);
  return utf8;
}

// An absolute path of MAX_PATH (260) or more characters gets the \\?\ prefix, which lifts the limit for the *W
// functions on every Windows version (with the manifest's longPathAware too, on Windows 10 1607+ with the policy on,
// but the prefix does not depend on a policy the person may not have set). A deep Patient/Study/Series path of
// Chinese names passes 260 characters easily.
std::wstring longPath(const fs::path& path) {
  std::wstring text = path.wstring();
  if (text.size() < MAX_PATH - 12 || text.rfind(L"\\\\?\\", 0) == 0 || !path.is_absolute()) return text;
  for (wchar_t& c : text)
    if (c == L'/') c = L'\\';
  if (text.rfind(L"\\\\", 0) == 0) return L"\\\\?\\UNC\\" + text.substr(2);
  return L"\\\\?\\" + text;
}

// errno for what GetLastError said, for the callers that report errno (util/error.h maps it to words and codes).
int errnoFromWindows(DWORD error) {
  switch (error) {
    case ERROR_FILE_EXISTS:
    case ERROR_ALREADY_EXISTS: return EEXIST;
    case ERROR_DIR_NOT_EMPTY: return ENOTEMPTY;
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND: return ENOENT;
    case ERROR_ACCESS_DENIED:
    case ERROR_SHARING_VIOLATION:
    case ERROR_LOCK_VIOLATION: return EACCES;
    case ERROR_DISK_FULL:
    case ERROR_HANDLE_DISK_FULL: return ENOSPC;
    default: return EIO;
  }
}

std::optional<fs::path> knownFolder(REFKNOWNFOLDERID id) {
  PWSTR path = nullptr;
  std::optional<fs::path> found;
  if (SUCCEEDED(::SHGetKnownFolderPath(id, KF_FLAG_DEFAULT, nullptr, &path)) && path && *path) found = fs::path(path);
  ::CoTaskMemFree(path);
  return found;
}

std::optional<fs::path> absoluteVariable(const EnvLookup& env, const std::string& name) {
  auto value = env(name);
  if (!value || value->empty()) return std::nullopt;
  fs::path path = pathFromUtf8(*value);
  if (!path.is_absolute()) return std::nullopt;
  return path;
}

}  // namespace

fs::path pathFromUtf8(std::string_view utf8) { return fs::path(wideFromUtf8(utf8)).make_preferred(); }

std::string utf8Of(const fs::path& path) {
  std::wstring_view text = path.native();
  if (text.rfind(L"\\\\?\\UNC\\", 0) == 0) return "\\\\" + utf8FromWide(text.substr(8));
  if (text.rfind(L"\\\\?\\", 0) == 0) text.remove_prefix(4);
  return utf8FromWide(text);
}

std::string utf8ForOpening(const fs::path& path) { return utf8FromWide(longPath(path)); }

std::string genericUtf8Of(const fs::path& path) {
  std::string text = utf8Of(path);
  for (char& c : text)
    if (c == '\\') c = '/';
  return text;
}

std::size_t maxPathUnits() { return MAX_PATH - 1; }
std::size_t pathUnits(const fs::path& path) { return path.native().size(); }

bool writableFolder(const fs::path& folder) { return ::_waccess(longPath(folder).c_str(), 2) == 0; }

void prepareStandardStreams() {
  ::_setmode(_fileno(stdin), _O_BINARY);
  ::_setmode(_fileno(stdout), _O_BINARY);
  // Console output (--help, list) in UTF-8; a pipe or file gets the same bytes.
  ::SetConsoleOutputCP(CP_UTF8);
}

std::vector<std::string> argumentsUtf8(int, char**) {
  int count = 0;
  LPWSTR* wide = ::CommandLineToArgvW(::GetCommandLineW(), &count);
  std::vector<std::string> arguments;
  for (int i = 1; wide && i < count; ++i) arguments.push_back(utf8FromWide(wide[i]));
  ::LocalFree(wide);
  return arguments;
}

std::optional<std::string> environmentVariable(const std::string& name) {
  const wchar_t* value = ::_wgetenv(wideFromUtf8(name).c_str());
  if (!value) return std::nullopt;
  return utf8FromWide(value);
}

// %LOCALAPPDATA%\CloudFilm for what the host keeps (not roaming: staged images are large and belong to this PC),
// the Known Folder for Downloads (it may have been moved to another drive: never guess "%USERPROFILE%\Downloads").
// The variables come first so tests (and Wine prefixes) can point elsewhere.
UserFolders userFolders(const EnvLookup& env) {
  UserFolders folders;
  folders.home = absoluteVariable(env, "USERPROFILE").value_or(knownFolder(FOLDERID_Profile).value_or(fs::temp_directory_path()));
  const fs::path local = absoluteVariable(env, "LOCALAPPDATA")
                             .value_or(knownFolder(FOLDERID_LocalAppData).value_or(folders.home / "AppData" / "Local"));
  folders.data = local / "CloudFilm";
  folders.logs = folders.data / "logs";
  folders.settings = folders.data;
  folders.downloads = knownFolder(FOLDERID_Downloads).value_or(folders.home / "Downloads");
  return folders;
}

int openForWriting(const fs::path& path, Creation creation, unsigned) {
  int flags = _O_WRONLY | _O_CREAT | _O_BINARY | _O_NOINHERIT;
  switch (creation) {
    case Creation::Truncate: flags |= _O_TRUNC; break;
    case Creation::Exclusive: flags |= _O_EXCL; break;
    case Creation::Append: flags |= _O_APPEND; break;
  }
  return ::_wopen(longPath(path).c_str(), flags, _S_IREAD | _S_IWRITE);
}

int openForReading(const fs::path& path) {
  return ::_wopen(longPath(path).c_str(), _O_RDONLY | _O_BINARY | _O_NOINHERIT);
}

int openForLocking(const fs::path& path) {
  return ::_wopen(longPath(path).c_str(), _O_RDWR | _O_CREAT | _O_BINARY | _O_NOINHERIT, _S_IREAD | _S_IWRITE);
}

// The C runtime takes unsigned int counts: ask for at most 1 GiB at a time.
long readSome(int fd, void* target, std::size_t count) {
  return ::_read(fd, target, static_cast<unsigned>(std::min<std::size_t>(count, 1u << 30)));
}
long writeSome(int fd, const void* source, std::size_t count) {
  return ::_write(fd, source, static_cast<unsigned>(std::min<std::size_t>(count, 1u << 30)));
}
// No writev: the first part alone (writeAll goes on with the rest).
long writeGathered(int fd, const std::string_view* parts, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i)
    if (!parts[i].empty()) return writeSome(fd, parts[i].data(), parts[i].size());
  return 0;
}
int closeFile(int fd) { return ::_close(fd); }
bool syncFile(int fd) { return ::_commit(fd) == 0; }

void syncPath(const fs::path& path) {
  const HANDLE file = ::CreateFileW(longPath(path).c_str(), GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, nullptr,
                                    OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, nullptr);
  if (file == INVALID_HANDLE_VALUE) return;
  ::FlushFileBuffers(file);
  ::CloseHandle(file);
}

// NTFS journals its folder entries: a rename is durable without flushing the folder (which Windows cannot do
// without administrator rights anyway).
void syncFolder(const fs::path&) {}
// No per-file-system flush without administrator rights: the files were flushed one by one when written.
void syncFileSystem(const fs::path&) {}

void removeFile(const fs::path& path) { ::DeleteFileW(longPath(path).c_str()); }

std::optional<FileIdentity> fileIdentity(const fs::path& path) {
  // Opened for nothing but its attributes, sharing everything: another process writing it is not disturbed.
  const HANDLE file = ::CreateFileW(longPath(path).c_str(), 0, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                                    nullptr, OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, nullptr);
  if (file == INVALID_HANDLE_VALUE) return std::nullopt;
  BY_HANDLE_FILE_INFORMATION info{};
  const bool known = ::GetFileInformationByHandle(file, &info) != 0;
  ::CloseHandle(file);
  if (!known) return std::nullopt;
  return FileIdentity{(std::uint64_t{info.nFileIndexHigh} << 32) | info.nFileIndexLow,
                      (std::uint64_t{info.nFileSizeHigh} << 32) | info.nFileSizeLow};
}

// MoveFileEx never replaces a folder: an empty one in the way is removed first (a new non-empty one stays, and the
// move then fails, so nothing that appeared meanwhile is replaced).
int renameIntoPlace(const fs::path& from, const fs::path& target) {
  ::RemoveDirectoryW(longPath(target).c_str());  // fails, harmlessly, unless it is an empty folder
  if (::MoveFileExW(longPath(from).c_str(), longPath(target).c_str(), 0)) return 0;
  const DWORD error = ::GetLastError();
  errno = error == ERROR_ACCESS_DENIED && fs::exists(target) ? EEXIST : errnoFromWindows(error);
  return -1;
}

// MoveFileEx without MOVEFILE_REPLACE_EXISTING fails when the target exists: exactly "never replace".
int moveFileWithoutReplacing(const fs::path& from, const fs::path& target) {
  if (::MoveFileExW(longPath(from).c_str(), longPath(target).c_str(), MOVEFILE_WRITE_THROUGH)) return 0;
  errno = errnoFromWindows(::GetLastError());
  return -1;
}

fs::path createPrivateFolder(const fs::path& parent, const std::string& namePrefix) {
  // The folder inherits the parent's permissions: under the user's profile those are the user's own.
  std::random_device entropy;
  for (int attempt = 0; attempt < 100; ++attempt) {
    const fs::path candidate = parent / pathFromUtf8(namePrefix + std::to_string(entropy() % 1000000000u));
    if (::CreateDirectoryW(longPath(candidate).c_str(), nullptr)) return candidate;
    if (::GetLastError() != ERROR_ALREADY_EXISTS) break;
  }
  errno = errnoFromWindows(::GetLastError());
  return {};
}

bool lockFile(int fd) {
  const HANDLE file = reinterpret_cast<HANDLE>(::_get_osfhandle(fd));
  OVERLAPPED whole{};
  return ::LockFileEx(file, LOCKFILE_EXCLUSIVE_LOCK, 0, MAXDWORD, MAXDWORD, &whole) != 0;
}

void unlockFile(int fd) {
  const HANDLE file = reinterpret_cast<HANDLE>(::_get_osfhandle(fd));
  OVERLAPPED whole{};
  ::UnlockFileEx(file, 0, MAXDWORD, MAXDWORD, &whole);
}

long currentProcessId() { return static_cast<long>(::GetCurrentProcessId()); }

bool processAlive(long pid) {
  if (pid <= 0) return false;
  const HANDLE process = ::OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, static_cast<DWORD>(pid));
  if (!process) return ::GetLastError() == ERROR_ACCESS_DENIED;  // it exists, but belongs to someone else
  DWORD code = 0;
  const bool running = ::GetExitCodeProcess(process, &code) && code == STILL_ACTIVE;
  ::CloseHandle(process);
  return running;
}

// Explorer through the shell, as a double-click would. ShellExecuteEx starts it detached; it never inherits our
// handles. `opener`, for tests, is a program started with the folder as its one argument.
std::optional<std::string> openInFileManager(const fs::path& folder, const std::optional<std::string>& opener) {
  const std::wstring target = folder.wstring();
  SHELLEXECUTEINFOW info{};
  info.cbSize = sizeof info;
  info.fMask = SEE_MASK_NOASYNC | SEE_MASK_FLAG_NO_UI;
  info.nShow = SW_SHOWNORMAL;
  std::wstring program, parameters;
  if (opener && !opener->empty()) {
    program = wideFromUtf8(*opener);
    parameters = L"\"" + target + L"\"";
    info.lpFile = program.c_str();
    info.lpParameters = parameters.c_str();
  } else {
    info.lpVerb = L"explore";
    info.lpFile = target.c_str();
  }
  if (!::ShellExecuteExW(&info)) return "cannot open " + utf8Of(folder) + " in Explorer (error " +
                                        std::to_string(::GetLastError()) + ")";
  return std::nullopt;
}

// N: not inherited by the programs the host starts.
std::FILE* openLogFile(const fs::path& file) { return ::_wfopen(longPath(file).c_str(), L"abN"); }

void localTime(std::time_t when, std::tm& local) { ::localtime_s(&local, &when); }

}  // namespace cloudfilm::platform
