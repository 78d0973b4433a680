// The platform module on Linux and macOS (see platform.h).
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

#include <boost/process.hpp>

#include "platform/platform.h"

namespace cloudfilm::platform {
namespace fs = std::filesystem;
namespace bp = boost::process;

namespace {

// XDG variables count only when absolute (the spec says relative ones are invalid and ignored).
std::optional<fs::path> absoluteVariable(const EnvLookup& env, const std::string& name) {
  auto value = env(name);
  if (!value || value->empty()) return std::nullopt;
  fs::path path(*value);
  if (!path.is_absolute()) return std::nullopt;
  return path;
}

fs::path homeDirectory(const EnvLookup& env) {
  if (auto home = absoluteVariable(env, "HOME")) return *home;
  if (const passwd* entry = ::getpwuid(::getuid()); entry && entry->pw_dir) return entry->pw_dir;
  return fs::temp_directory_path();
}

}  // namespace

// POSIX paths are bytes, and CloudFilm's bytes are UTF-8: nothing to convert.
fs::path pathFromUtf8(std::string_view utf8) { return fs::path(std::string(utf8)); }
std::string utf8Of(const fs::path& path) { return path.string(); }
std::string utf8ForOpening(const fs::path& path) { return path.string(); }
std::string genericUtf8Of(const fs::path& path) { return path.generic_string(); }
std::size_t maxPathUnits() { return 4095; }
std::size_t pathUnits(const fs::path& path) { return path.native().size(); }
bool writableFolder(const fs::path& folder) { return ::access(folder.c_str(), W_OK) == 0; }

void prepareStandardStreams() { ::signal(SIGPIPE, SIG_IGN); }

std::vector<std::string> argumentsUtf8(int argc, char** argv) {
  return argc > 1 ? std::vector<std::string>(argv + 1, argv + argc) : std::vector<std::string>{};
}

std::optional<std::string> environmentVariable(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (!value) return std::nullopt;
  return std::string(value);
}

UserFolders userFolders(const EnvLookup& env) {
  UserFolders folders;
  folders.home = homeDirectory(env);
#ifdef __APPLE__
  const fs::path support = folders.home / "Library" / "Application Support" / "CloudFilm";
  folders.data = support;
  folders.settings = support;
  folders.logs = folders.home / "Library" / "Logs" / "CloudFilm";
  folders.downloads = folders.home / "Downloads";
#else
  const fs::path dataHome = absoluteVariable(env, "XDG_DATA_HOME").value_or(folders.home / ".local" / "share");
  const fs::path stateHome = absoluteVariable(env, "XDG_STATE_HOME").value_or(folders.home / ".local" / "state");
  const fs::path configHome = absoluteVariable(env, "XDG_CONFIG_HOME").value_or(folders.home / ".config");
  folders.data = dataHome / "cloudfilm";
  folders.logs = stateHome / "cloudfilm";
  folders.settings = configHome / "cloudfilm";
  folders.downloads = folders.home / "Downloads";
  std::ifstream userDirs(configHome / "user-dirs.dirs");
  if (userDirs) {
    std::stringstream text;
    text << userDirs.rdbuf();
    if (auto configured = parseXdgDownloadDir(text.str(), folders.home)) folders.downloads = *configured;
  }
#endif
  return folders;
}

int openForWriting(const fs::path& path, Creation creation, unsigned posixMode) {
  int flags = O_WRONLY | O_CREAT | O_CLOEXEC;
  switch (creation) {
    case Creation::Truncate: flags |= O_TRUNC; break;
    case Creation::Exclusive: flags |= O_EXCL; break;
    case Creation::Append: flags |= O_APPEND; break;
  }
  return ::open(path.c_str(), flags, static_cast<mode_t>(posixMode));
}

int openForReading(const fs::path& path) { return ::open(path.c_str(), O_RDONLY | O_CLOEXEC); }

int openForLocking(const fs::path& path) { return ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600); }

long readSome(int fd, void* target, std::size_t count) { return static_cast<long>(::read(fd, target, count)); }
long writeSome(int fd, const void* source, std::size_t count) { return static_cast<long>(::write(fd, source, count)); }
long writeGathered(int fd, const std::string_view* parts, std::size_t count) {
  std::vector<iovec> vectors;
  vectors.reserve(count);
  for (std::size_t i = 0; i < count; ++i) vectors.push_back({const_cast<char*>(parts[i].data()), parts[i].size()});
  return static_cast<long>(::writev(fd, vectors.data(), static_cast<int>(vectors.size())));
}

int closeFile(int fd) { return ::close(fd); }
bool syncFile(int fd) { return ::fsync(fd) == 0; }

void syncPath(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

void syncFolder(const fs::path& folder) { syncPath(folder); }

void syncFileSystem(const fs::path& folder) {
  const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
#ifdef __linux__
  ::syncfs(fd);
#else
  ::fsync(fd);
  ::sync();
#endif
  ::close(fd);
}

void removeFile(const fs::path& path) { ::unlink(path.c_str()); }

std::optional<FileIdentity> fileIdentity(const fs::path& path) {
  struct stat status {};
  if (::stat(path.c_str(), &status) != 0) return std::nullopt;
  return FileIdentity{static_cast<std::uint64_t>(status.st_ino), static_cast<std::uint64_t>(status.st_size)};
}

// rename(2) replaces an empty folder and fails on a non-empty one.
int renameIntoPlace(const fs::path& from, const fs::path& target) { return ::rename(from.c_str(), target.c_str()); }

// A hard link where the file system has them, else rename(2) with RENAME_NOREPLACE, else (FAT, exFAT) a last check
// and a rename.
int moveFileWithoutReplacing(const fs::path& from, const fs::path& target) {
  if (::link(from.c_str(), target.c_str()) == 0) {
    ::unlink(from.c_str());
    return 0;
  }
  if (errno == EEXIST) return -1;
#ifdef __linux__
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, target.c_str(), RENAME_NOREPLACE) == 0) return 0;
  if (errno == EEXIST) return -1;
#endif
  std::error_code ec;
  if (fs::exists(fs::symlink_status(target, ec))) {
    errno = EEXIST;
    return -1;
  }
  return ::rename(from.c_str(), target.c_str());
}

fs::path createPrivateFolder(const fs::path& parent, const std::string& namePrefix) {
  std::string pattern = (parent / (namePrefix + "XXXXXX")).string();
  if (::mkdtemp(pattern.data()) == nullptr) return {};
  return pattern;
}

bool lockFile(int fd) {
  while (::flock(fd, LOCK_EX) != 0) {
    if (errno != EINTR) return false;
  }
  return true;
}

void unlockFile(int fd) { ::flock(fd, LOCK_UN); }

std::FILE* openLogFile(const fs::path& file) { return std::fopen(file.c_str(), "ae"); }

void localTime(std::time_t when, std::tm& local) { ::localtime_r(&when, &local); }

long currentProcessId() { return static_cast<long>(::getpid()); }

bool processAlive(long pid) { return pid > 0 && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM); }

std::optional<std::string> openInFileManager(const fs::path& folder, const std::optional<std::string>& opener) {
  // Started openers, reaped when the next one starts so none lingers as a zombie for the host's lifetime.
  static std::vector<bp::child> started;
  std::erase_if(started, [](bp::child& child) {
    std::error_code ec;
    return !child.running(ec);
  });
#ifdef __APPLE__
  std::string name = "open";
#else
  std::string name = "xdg-open";
#endif
  if (opener && !opener->empty()) name = *opener;
  boost::filesystem::path program = name;
  if (!program.is_absolute()) program = bp::search_path(name);
  if (program.empty()) return "cannot find " + name + " to open the folder";
  std::error_code ec;
  bp::child child(program, folder.string(), bp::std_in<bp::null, bp::std_out> bp::null, bp::std_err > bp::null, ec);
  if (ec) return "cannot start " + program.string() + ": " + ec.message();
  started.push_back(std::move(child));
  return std::nullopt;
}

}  // namespace cloudfilm::platform
