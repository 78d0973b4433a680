#pragma once
// Writing a ZIP of files already on disk, with libzip (the same library the ZIP import reads with; with
// zip_archive.* the only code that includes it). Entries are streamed from their files when the archive is closed:
// nothing is held in memory, whatever the size of a study.
#include <filesystem>
#include <memory>
#include <string>

namespace cloudfilm::body {

class ZipWriter {
 public:
  // Creates `target`, which must not exist. Throws cloudfilm::Error.
  explicit ZipWriter(const std::filesystem::path& target);
  // Without finish(), the archive is discarded: nothing is written.
  ~ZipWriter();
  ZipWriter(const ZipWriter&) = delete;
  ZipWriter& operator=(const ZipWriter&) = delete;

  // Adds `source` (read at finish()) as entry `name` ('/'-separated, ASCII or UTF-8, from our own naming only), stored
  // as it is (`compress` false: already compressed pixel data gains nothing) or deflated. Throws cloudfilm::Error.
  void addFile(const std::string& name, const std::filesystem::path& source, bool compress);

  // Reads every source and writes the archive. Throws cloudfilm::Error (DiskFull for a full disk); libzip then leaves
  // no partial file behind.
  void finish();

 private:
  struct Handle;
  std::unique_ptr<Handle> handle_;
  std::filesystem::path target_;
};

}  // namespace cloudfilm::body
