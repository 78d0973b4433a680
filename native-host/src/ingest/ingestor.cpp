#include "ingest/ingestor.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <functional>
#include <stdexcept>

#include "body/content_type.h"
#include "body/multipart.h"
#include "body/recognize.h"
#include "dicom/dicom_file.h"
#include "util/error.h"
#include "util/fd_io.h"

namespace fs = std::filesystem;

namespace cloudfilm::ingest {
namespace {

// WADO-RS bodies hold Part-10 files; a multipart inside a multipart part is not something a viewer sends.
constexpr int kMaxMultipartDepth = 1;
constexpr std::size_t kReadBlockBytes = 1 << 20;

std::string readHead(const fs::path& path, std::size_t bytes) {
  std::ifstream in(path, std::ios::binary);
  std::string head(bytes, '\0');
  in.read(head.data(), static_cast<std::streamsize>(bytes));
  head.resize(static_cast<std::size_t>(in.gcount()));
  return head;
}

Outcome fromStore(store::AddOutcome outcome) {
  switch (outcome) {
    case store::AddOutcome::Stored: return Outcome::Stored;
    case store::AddOutcome::Duplicate: return Outcome::Duplicate;
    case store::AddOutcome::Replaced: return Outcome::Replaced;
    case store::AddOutcome::KeptWorse: return Outcome::KeptWorse;
  }
  return Outcome::Stored;
}

// Writes each part of a multipart body to its own work file as it streams by.
class PartFileWriter : public body::MultipartSink {
 public:
  explicit PartFileWriter(std::function<fs::path()> newFile) : newFile_(std::move(newFile)) {}
  ~PartFileWriter() override {
    if (out_.is_open()) {
      out_.close();
      std::error_code ec;
      fs::remove(current_.path, ec);  // an unfinished part is never filed
    }
  }

  struct Part {
    fs::path path;
    std::string contentType;
    std::string head;
    std::uint64_t size = 0;
  };

  void partBegin(const std::map<std::string, std::string>& headers) override {
    current_ = Part{};
    current_.path = newFile_();
    if (auto it = headers.find("content-type"); it != headers.end()) current_.contentType = it->second;
    out_.open(current_.path, std::ios::binary | std::ios::trunc);
    if (!out_) throw ioError("cannot write", current_.path.string(), errno);
  }
  void partData(std::string_view bytes) override {
    if (current_.head.size() < body::kRecognitionHeadBytes)
      current_.head.append(bytes.substr(0, body::kRecognitionHeadBytes - current_.head.size()));
    current_.size += bytes.size();
    out_.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  void partEnd() override {
    out_.close();
    if (out_.fail()) throw ioError("cannot write", current_.path.string(), errno);
    parts.push_back(std::move(current_));
  }

  std::vector<Part> parts;

 private:
  std::function<fs::path()> newFile_;
  std::ofstream out_;
  Part current_;
};

}  // namespace

const char* outcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::Stored: return "stored";
    case Outcome::Duplicate: return "duplicate";
    case Outcome::Replaced: return "replaced";
    case Outcome::KeptWorse: return "kept-worse";
    case Outcome::KeptForReconstruction: return "kept-for-reconstruction";
    case Outcome::NotDicom: return "not-dicom";
    case Outcome::Rejected: return "rejected";
  }
  return "not-dicom";
}

Ingestor::Ingestor(store::Store& store) : store_(store), inbox_(store.reconstructionDir()) {}

std::vector<ObjectResult> Ingestor::rebuildFromPieces() {
  std::vector<ObjectResult> results;
  for (auto& rebuilt : reconstructor_.rebuildComplete(inbox_, store_)) {
    ObjectResult result;
    switch (rebuilt.outcome) {
      case dicomweb::RebuildOutcome::Filed:
        result.outcome = fromStore(rebuilt.added);
        result.rebuilt = true;
        break;
      case dicomweb::RebuildOutcome::Waiting: result.outcome = Outcome::KeptForReconstruction; break;
      case dicomweb::RebuildOutcome::Rejected: result.outcome = Outcome::Rejected; break;
    }
    result.reason = std::move(rebuilt.reason);
    result.info = std::move(rebuilt.info);
    result.file = std::move(rebuilt.file);
    results.push_back(std::move(result));
  }
  return results;
}

fs::path Ingestor::newWorkFile(const char* purpose) {
  return store_.workDir() / (std::string(purpose) + "-" + std::to_string(++workFileCounter_));
}

std::vector<ObjectResult> Ingestor::ingestBody(const BodyMeta& meta, std::string_view bytes) {
  const auto recognition = body::recognizeBody(body::parseContentType(meta.contentType), meta.url,
                                                bytes.substr(0, body::kRecognitionHeadBytes), bytes.size());
  if (recognition.kind == body::BodyKind::NotDicom) {
    ObjectResult result;
    result.outcome = Outcome::NotDicom;
    result.reason = recognition.reason;
    return {result};
  }
  const fs::path file = newWorkFile("body");
  writeWholeFile(file, bytes);
  return ingestRecognisedFile(meta, file, bytes.substr(0, body::kRecognitionHeadBytes), bytes.size(), 0);
}

std::vector<ObjectResult> Ingestor::ingestBodyFile(const BodyMeta& meta, const fs::path& bodyFile) {
  std::error_code ec;
  const std::uint64_t size = fs::file_size(bodyFile, ec);
  if (ec) throw ioError("cannot read", bodyFile.string(), ec.value());
  return ingestRecognisedFile(meta, bodyFile, readHead(bodyFile, body::kRecognitionHeadBytes), size, 0);
}

ObjectResult Ingestor::ingestExistingFile(const fs::path& file, std::optional<store::Origin> origin) {
  const fs::path copy = newWorkFile("import");
  std::error_code ec;
  fs::copy_file(file, copy, fs::copy_options::overwrite_existing, ec);
  if (ec) {
    fs::remove(copy, ec);
    ObjectResult result;
    result.outcome = Outcome::Rejected;
    result.reason = "cannot read " + file.string() + ": " + ec.message();
    return result;
  }
  BodyMeta meta;
  meta.url = file.string();
  meta.origin = origin;
  auto results = ingestBodyFile(meta, copy);
  if (results.size() == 1) return results.front();
  ObjectResult result;  // a file on disk holding a multipart body or metadata: not an instance file
  result.outcome = Outcome::NotDicom;
  result.reason = "not a single DICOM file";
  for (const auto& part : results)
    if (part.outcome != Outcome::NotDicom && part.outcome != Outcome::Rejected) return part;
  return result;
}

std::vector<ObjectResult> Ingestor::ingestRecognisedFile(const BodyMeta& meta, const fs::path& file,
                                                         std::string_view head, std::uint64_t size, int depth) {
  const auto contentType = body::parseContentType(meta.contentType);
  const auto recognition = body::recognizeBody(contentType, meta.url, head, size);
  std::error_code ec;
  ObjectResult result;

  switch (recognition.kind) {
    case body::BodyKind::NotDicom:
      fs::remove(file, ec);
      result.outcome = Outcome::NotDicom;
      result.reason = recognition.reason;
      return {result};

    case body::BodyKind::DicomJson:
    case body::BodyKind::Frames: {
      // Kept aside, with where it came from, until the instance it belongs to can be rebuilt.
      dicomweb::PieceMeta piece{body::bodyKindName(recognition.kind), meta.url, meta.contentType, meta.status,
                                meta.part, size};
      const fs::path target = inbox_.keep(piece, file);
      result.outcome = Outcome::KeptForReconstruction;
      result.file = target;
      return {result};
    }

    case body::BodyKind::Multipart: {
      if (depth >= kMaxMultipartDepth) {
        fs::remove(file, ec);
        result.outcome = Outcome::Rejected;
        result.reason = "a multipart body nested inside another";
        return {result};
      }
      PartFileWriter writer([this] { return newWorkFile("part"); });
      body::MultipartSplitter splitter(recognition.boundary, writer);
      std::ifstream in(file, std::ios::binary);
      std::string block(kReadBlockBytes, '\0');
      bool wellFormed = true;
      while (wellFormed && in) {
        in.read(block.data(), static_cast<std::streamsize>(block.size()));
        const auto got = static_cast<std::size_t>(in.gcount());
        if (got == 0) break;
        wellFormed = splitter.feed(std::string_view(block.data(), got));
      }
      if (wellFormed) wellFormed = splitter.finish();
      in.close();
      fs::remove(file, ec);

      std::vector<ObjectResult> results;
      std::size_t partNumber = 0;
      for (const auto& part : writer.parts) {
        BodyMeta partMeta = meta;
        // A part without its own Content-Type takes the multipart's "type" parameter (RFC 2387).
        partMeta.contentType = part.contentType.empty() ? contentType.parameter("type") : part.contentType;
        partMeta.part = ++partNumber;
        for (auto& object : ingestRecognisedFile(partMeta, part.path, part.head, part.size, depth + 1)) {
          object.part = partNumber;
          results.push_back(std::move(object));
        }
      }
      if (!wellFormed) {
        ObjectResult broken;
        broken.outcome = Outcome::Rejected;
        broken.reason = "multipart body cut off or malformed after " + std::to_string(writer.parts.size()) +
                        " complete part(s): " + splitter.error();
        broken.part = writer.parts.size() + 1;
        results.push_back(std::move(broken));
      }
      if (results.empty()) {
        result.outcome = Outcome::NotDicom;
        result.reason = "an empty multipart body";
        results.push_back(result);
      }
      return results;
    }

    case body::BodyKind::Part10:
    case body::BodyKind::Dataset: {
      const bool bare = recognition.kind == body::BodyKind::Dataset;
      auto inspection = dicom::inspectFile(file, bare ? dicom::Framing::DatasetOnly : dicom::Framing::Part10);
      if (!inspection.usable) {
        fs::remove(file, ec);
        result.outcome = bare ? Outcome::NotDicom : Outcome::Rejected;
        result.reason = bare ? "no DICOM signature, and not a readable dataset (" + inspection.reason + ")"
                             : inspection.reason;
        return {result};
      }
      fs::path candidate = file;
      if (bare) {
        candidate = newWorkFile("wrapped");
        try {
          dicom::writePart10Wrapper(file, inspection.info, candidate);
        } catch (...) {
          fs::remove(candidate, ec);
          fs::remove(file, ec);
          throw;
        }
        fs::remove(file, ec);
      }
      const auto added = store_.add(inspection.info, meta.origin.value_or(bare ? store::Origin::Wrapped : store::Origin::Served), candidate);
      result.outcome = fromStore(added.outcome);
      result.reason = added.reason;
      result.info = std::move(inspection.info);
      result.file = added.file;
      return {result};
    }
  }
  return {result};
}

}  // namespace cloudfilm::ingest
