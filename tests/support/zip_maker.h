#pragma once
// ZIP archives made in the test with libzip's writer (the reader under test is libzip too, but through CloudFilm's
// wrapper and its bounds), plus byte-level damage: a cut, a flipped byte, a NUL in a name. Header-only.
#include <unistd.h>
#include <zip.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "test_files.h"

namespace cloudfilm::test {

struct ZipItem {
  std::string name;
  std::string bytes;
  bool stored = false;     // no compression (method 0): the bytes appear as they are in the archive
  bool encrypted = false;  // AES-256 when libzip can, else traditional PKWARE, password "secret"
  bool directory = false;  // a folder entry (name should end in '/')
};

// The archive's bytes.
inline std::string makeZip(const std::vector<ZipItem>& items) {
  char name[] = "/tmp/cloudfilm-zip-XXXXXX";
  const int fd = ::mkstemp(name);
  ::close(fd);
  int error = 0;
  zip_t* archive = zip_open(name, ZIP_CREATE | ZIP_TRUNCATE, &error);
  if (archive == nullptr) throw std::runtime_error("zip_open failed: " + std::to_string(error));
  for (const auto& item : items) {
    zip_int64_t index = 0;
    if (item.directory) {
      index = zip_dir_add(archive, item.name.c_str(), ZIP_FL_ENC_UTF_8);
    } else {
      zip_source_t* source = zip_source_buffer(archive, item.bytes.data(), item.bytes.size(), 0);
      if (source == nullptr) throw std::runtime_error("zip_source_buffer failed");
      index = zip_file_add(archive, item.name.c_str(), source, ZIP_FL_ENC_UTF_8 | ZIP_FL_OVERWRITE);
      if (index < 0) {
        zip_source_free(source);
        throw std::runtime_error(std::string("zip_file_add failed: ") + zip_strerror(archive));
      }
      if (item.stored) zip_set_file_compression(archive, static_cast<zip_uint64_t>(index), ZIP_CM_STORE, 0);
      if (item.encrypted) {
        const zip_uint16_t method =
            zip_encryption_method_supported(ZIP_EM_AES_256, 1) ? ZIP_EM_AES_256 : ZIP_EM_TRAD_PKWARE;
        if (zip_file_set_encryption(archive, static_cast<zip_uint64_t>(index), method, "secret") != 0)
          throw std::runtime_error(std::string("zip_file_set_encryption failed: ") + zip_strerror(archive));
      }
    }
    if (index < 0) throw std::runtime_error(std::string("adding to the ZIP failed: ") + zip_strerror(archive));
  }
  if (zip_close(archive) != 0) {
    const std::string why = zip_strerror(archive);
    zip_discard(archive);
    throw std::runtime_error("zip_close failed: " + why);
  }
  std::string bytes = readFile(name);
  ::unlink(name);
  return bytes;
}

// Every occurrence of `from` replaced by `to` (same length).
inline std::string replaceAll(std::string bytes, const std::string& from, const std::string& to) {
  if (from.size() != to.size()) throw std::invalid_argument("replaceAll needs equal lengths");
  for (auto at = bytes.find(from); at != std::string::npos; at = bytes.find(from, at + to.size()))
    bytes.replace(at, from.size(), to);
  return bytes;
}

// A Part-10 file of the given image behind Socket.IO's binary message type byte.
inline std::string socketIoMessage(const std::string& part10) { return std::string(1, '\x04') + part10; }

}  // namespace cloudfilm::test
