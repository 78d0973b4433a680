#include "body/zip_writer.h"

#include <zip.h>

#include <cerrno>

#include "platform/platform.h"
#include "util/error.h"

namespace cloudfilm::body {

struct ZipWriter::Handle {
  zip_t* archive = nullptr;
};

namespace {

Error zipError(const std::string& what, const std::filesystem::path& file, zip_error_t* error) {
  const int system = zip_error_code_system(error);
  const ErrorCode code = zip_error_system_type(error) == ZIP_ET_SYS && system != 0 ? errorCodeForErrno(system)
                                                                                  : ErrorCode::Internal;
  return Error(code, what + " " + platform::utf8Of(file) + ": " + zip_error_strerror(error));
}

}  // namespace

ZipWriter::ZipWriter(const std::filesystem::path& target) : handle_(std::make_unique<Handle>()), target_(target) {
  int code = 0;
  handle_->archive = zip_open(platform::utf8ForOpening(target).c_str(), ZIP_CREATE | ZIP_EXCL, &code);
  if (handle_->archive == nullptr) {
    zip_error_t error;
    zip_error_init_with_code(&error, code);
    Error failure = zipError("cannot create", target, &error);
    zip_error_fini(&error);
    throw failure;
  }
}

ZipWriter::~ZipWriter() {
  if (handle_->archive != nullptr) zip_discard(handle_->archive);
}

void ZipWriter::addFile(const std::string& name, const std::filesystem::path& source, bool compress) {
  // Length -1: to the end of the file (ZIP_LENGTH_TO_END in newer libzip).
  zip_source_t* data = zip_source_file(handle_->archive, platform::utf8ForOpening(source).c_str(), 0, -1);
  if (data == nullptr) throw zipError("cannot read", source, zip_get_error(handle_->archive));
  const zip_int64_t index = zip_file_add(handle_->archive, name.c_str(), data, ZIP_FL_ENC_UTF_8);
  if (index < 0) {
    zip_source_free(data);
    throw zipError("cannot add " + name + " to", target_, zip_get_error(handle_->archive));
  }
  if (zip_set_file_compression(handle_->archive, static_cast<zip_uint64_t>(index),
                               compress ? ZIP_CM_DEFLATE : ZIP_CM_STORE, 0) != 0)
    throw zipError("cannot set the compression of " + name + " in", target_, zip_get_error(handle_->archive));
}

void ZipWriter::finish() {
  if (zip_close(handle_->archive) != 0) {
    Error failure = zipError("cannot write", target_, zip_get_error(handle_->archive));
    zip_discard(handle_->archive);
    handle_->archive = nullptr;
    throw failure;
  }
  handle_->archive = nullptr;
}

}  // namespace cloudfilm::body
