#include "ingest/ingestor.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <functional>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "body/content_type.h"
#include "body/multipart.h"
#include "body/recognize.h"
#include "body/zip_archive.h"
#include "dicom/dicom_file.h"
#include "platform/platform.h"
#include "util/error.h"
#include "util/fd_io.h"

namespace fs = std::filesystem;

namespace cloudfilm::ingest {
namespace {

// WADO-RS bodies hold Part-10 files; a multipart inside a multipart part is not something a viewer sends.
constexpr int kMaxMultipartDepth = 1;
// A ZIP inside a ZIP is opened (a series ZIP inside a study ZIP, a one-image ZIP inside a download); one level deeper
// is refused: no site nests further, and each level multiplies what a bomb can hide.
constexpr int kMaxZipDepth = 1;
constexpr std::size_t kReadBlockBytes = 1 << 20;
constexpr std::uint64_t kMaxSearchAnswerBytes = 64ull << 20;

// Writes one ZIP entry to its work file as it inflates, keeping the head for recognition. The file is removed unless
// finish() succeeded.
class EntryFileWriter {
 public:
  explicit EntryFileWriter(fs::path path) : path_(std::move(path)) {
    fd_ = platform::openForWriting(path_, platform::Creation::Truncate, 0644);
    if (fd_ < 0) throw ioError("cannot write", platform::utf8Of(path_), errno);
  }
  ~EntryFileWriter() {
    if (fd_ >= 0) platform::closeFile(fd_);
    if (!finished_) platform::removeFile(path_);
  }
  EntryFileWriter(const EntryFileWriter&) = delete;
  EntryFileWriter& operator=(const EntryFileWriter&) = delete;

  void write(std::string_view bytes) {
    if (head_.size() < body::kRecognitionHeadBytes)
      head_.append(bytes.substr(0, body::kRecognitionHeadBytes - head_.size()));
    if (!writeAll(fd_, bytes)) throw ioError("cannot write", platform::utf8Of(path_), errno);
    size_ += bytes.size();
  }
  void finish() {
    const int fd = fd_;
    fd_ = -1;
    if (platform::closeFile(fd) != 0) throw ioError("cannot write", platform::utf8Of(path_), errno);
    finished_ = true;
  }
  const fs::path& path() const { return path_; }
  const std::string& head() const { return head_; }
  std::uint64_t size() const { return size_; }

 private:
  fs::path path_;
  int fd_ = -1;
  bool finished_ = false;
  std::string head_;
  std::uint64_t size_ = 0;
};

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
    if (!out_) throw ioError("cannot write", platform::utf8Of(current_.path), errno);
  }
  void partData(std::string_view bytes) override {
    if (current_.head.size() < body::kRecognitionHeadBytes)
      current_.head.append(bytes.substr(0, body::kRecognitionHeadBytes - current_.head.size()));
    current_.size += bytes.size();
    out_.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  void partEnd() override {
    out_.close();
    if (out_.fail()) throw ioError("cannot write", platform::utf8Of(current_.path), errno);
    parts.push_back(std::move(current_));
  }

  std::vector<Part> parts;

 private:
  std::function<fs::path()> newFile_;
  std::ofstream out_;
  Part current_;
};

}  // namespace

struct Ingestor::Nesting {
  int multipart = 0;
  int zip = 0;
  body::ZipBudget* zipBudget = nullptr;  // the outermost ZIP's, shared by the ZIPs nested in it
};

std::string zipEntryReasonPrefix(const std::string& entry) { return "ZIP entry \"" + entry + "\": "; }

const char* outcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::Stored: return "stored";
    case Outcome::Duplicate: return "duplicate";
    case Outcome::Replaced: return "replaced";
    case Outcome::KeptWorse: return "kept-worse";
    case Outcome::KeptForReconstruction: return "kept-for-reconstruction";
    case Outcome::NotDicom: return "not-dicom";
    case Outcome::Rejected: return "rejected";
    case Outcome::SearchAnswer: return "search-answer";
    case Outcome::Preview: return "preview";
  }
  return "not-dicom";
}

Ingestor::Ingestor(store::Store& store)
    : store_(store), inbox_(store.reconstructionDir()),
      facts_(store.reconstructionDir().parent_path() / "dicomweb-series.json"),
      vendorInbox_(store.vendorPiecesDir()), vendors_(vendor::makeVendorFormats()) {
  reconstructor_.setSeriesFacts(&facts_);
}

Ingestor::~Ingestor() = default;

std::size_t Ingestor::piecesWaiting() const {
  std::size_t waiting = reconstructor_.usablePieces();
  for (const auto& format : vendors_) waiting += format->waitingPieces();
  return waiting;
}

void Ingestor::clearPieces() {
  inbox_.clear();
  vendorInbox_.clear();
}

vendor::BodyView Ingestor::viewOf(const BodyMeta& meta, std::string_view head, std::uint64_t size) const {
  vendor::BodyView view;
  view.url = meta.url;
  view.contentType = meta.contentType;
  view.headers = &meta.headers;
  view.head = head;
  view.size = size;
  view.streamKey = meta.streamKey;
  if (!meta.streamKey.empty()) {
    if (auto it = sockets_.find(meta.streamKey); it != sockets_.end() && it->second.message + 1 == meta.streamMessage)
      view.previous = &it->second.context;
  }
  return view;
}

std::optional<ObjectResult> Ingestor::offerToVendors(const BodyMeta& meta, const fs::path& file, std::string_view head,
                                                     std::uint64_t size) {
  constexpr std::size_t kMaxSockets = 64;
  constexpr std::size_t kMaxContextBytes = 64 * 1024;
  // A small body is shown whole: a vendor's JSON header or command (GE ZFP's run past the 512 bytes generic
  // recognition reads) is judged on all of it.
  std::string whole;
  if (size > head.size() && size <= vendor::kWholeBodyBytes) {
    whole = readHead(file, static_cast<std::size_t>(size));
    head = whole;
  }
  const vendor::BodyView view = viewOf(meta, head, size);
  std::optional<vendor::Recognition> recognition;
  const vendor::VendorFormat* recognizer = nullptr;
  for (const auto& format : vendors_) {
    recognition = format->recognize(view);
    if (recognition->verdict != vendor::Verdict::NotMine) {
      recognizer = format.get();
      break;
    }
  }
  // A socket's context lasts one message: what the next message is told, or nothing.
  if (!meta.streamKey.empty()) {
    if (recognizer && recognition->verdict == vendor::Verdict::Context &&
        recognition->context.size() <= kMaxContextBytes) {
      if (!sockets_.count(meta.streamKey) && sockets_.size() >= kMaxSockets) {
        auto oldest = std::min_element(sockets_.begin(), sockets_.end(),
                                       [](const auto& a, const auto& b) { return a.second.age < b.second.age; });
        sockets_.erase(oldest);
      }
      sockets_[meta.streamKey] = SocketMemory{meta.streamMessage, ++socketAge_,
                                              vendor::StreamContext{std::string(recognizer->name()), recognition->context}};
    } else {
      sockets_.erase(meta.streamKey);
    }
  }
  if (!recognizer) return std::nullopt;
  ObjectResult result;
  if (recognition->verdict == vendor::Verdict::Piece) {
    store::PieceMeta piece{recognition->kind, meta.url, meta.contentType, meta.status, meta.part, size, {}};
    for (const auto& name : recognition->keepHeaders)
      if (auto it = meta.headers.find(name); it != meta.headers.end()) piece.headers[name] = it->second;
    for (const auto& [name, value] : recognition->facts) piece.headers[name] = value;
    result.outcome = Outcome::KeptForReconstruction;
    result.file = vendorInbox_.keep(piece, file);
    return result;
  }
  std::error_code ec;
  fs::remove(file, ec);
  switch (recognition->verdict) {
    case vendor::Verdict::Preview: result.outcome = Outcome::Preview; break;
    // Held in memory for the next message on its socket: as much a piece as a kept one, for the person.
    case vendor::Verdict::Context: result.outcome = Outcome::KeptForReconstruction; break;
    default: result.outcome = Outcome::NotDicom; break;
  }
  result.reason = recognition->reason;
  return result;
}

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
  for (const auto& format : vendors_) {
    for (auto& rebuilt : format->rebuild(vendorInbox_, store_)) {
      ObjectResult result;
      switch (rebuilt.outcome) {
        case vendor::RebuildOutcome::Filed:
          result.outcome = fromStore(rebuilt.added);
          result.rebuilt = true;
          break;
        case vendor::RebuildOutcome::Waiting: result.outcome = Outcome::KeptForReconstruction; break;
        case vendor::RebuildOutcome::Rejected: result.outcome = Outcome::Rejected; break;
      }
      result.reason = std::move(rebuilt.reason);
      result.info = std::move(rebuilt.info);
      result.file = std::move(rebuilt.file);
      results.push_back(std::move(result));
    }
  }
  try {
    facts_.save();  // the sizes of whole series the metadata answers just read gave
  } catch (const Error&) {
    // only a hint is lost (the popup's count falls back to what the files suggest); the images are filed
  }
  return results;
}

std::string Ingestor::readSearchAnswer(const fs::path& file, std::uint64_t size, const dicomweb::DicomJsonKind& kind) {
  const char* what = kind.level == dicomweb::SearchLevel::Studies ? "studies"
                     : kind.level == dicomweb::SearchLevel::Series ? "series" : "instances";
  const std::string said = std::string("a DICOMweb search answer (QIDO-RS, ") + what + ")";
  // A search answer is a few KB per match; past this it is not one a viewer needs read.
  if (size > kMaxSearchAnswerBytes || kind.level == dicomweb::SearchLevel::Studies) return said;
  try {
    std::ifstream in(file, std::ios::binary);
    const auto answer = nlohmann::json::parse(in);
    const std::size_t named = facts_.fromSearchAnswer(answer, kind);
    facts_.save();
    return said + ": " + std::to_string(named) + " series named";
  } catch (const nlohmann::json::exception&) {
    return said + ", not valid JSON";
  }
}

fs::path Ingestor::newWorkFile(const char* purpose) {
  return store_.workDir() / (std::string(purpose) + "-" + std::to_string(++workFileCounter_));
}

std::vector<ObjectResult> Ingestor::ingestBody(const BodyMeta& meta, std::string_view bytes) {
  const std::string_view head = bytes.substr(0, body::kRecognitionHeadBytes);
  const vendor::BodyView view =
      viewOf(meta, bytes.size() <= vendor::kWholeBodyBytes ? bytes : head, bytes.size());  // as offerToVendors shows it
  const bool vendors = std::any_of(vendors_.begin(), vendors_.end(), [&](const auto& format) {
    return format->recognize(view).verdict != vendor::Verdict::NotMine;
  });
  const auto recognition = body::recognizeBody(body::parseContentType(meta.contentType), meta.url, head, bytes.size());
  if (!vendors && recognition.kind == body::BodyKind::NotDicom) {
    ObjectResult result;
    result.outcome = Outcome::NotDicom;
    result.reason = recognition.reason;
    return {result};
  }
  // A transport prefix is left out as the body is written: the file is the one the site stored. A vendor's piece is
  // kept as it came.
  const std::string_view kept = bytes.substr(vendors ? 0 : recognition.prefixBytes);
  const fs::path file = newWorkFile("body");
  writeWholeFile(file, kept);
  return ingestRecognisedFile(meta, file, kept.substr(0, body::kRecognitionHeadBytes), kept.size(), Nesting{});
}

std::vector<ObjectResult> Ingestor::ingestBodyFile(const BodyMeta& meta, const fs::path& bodyFile) {
  std::error_code ec;
  const std::uint64_t size = fs::file_size(bodyFile, ec);
  if (ec) throw ioError("cannot read", platform::utf8Of(bodyFile), ec.value());
  return ingestRecognisedFile(meta, bodyFile, readHead(bodyFile, body::kRecognitionHeadBytes), size, Nesting{});
}

std::vector<ObjectResult> Ingestor::ingestExistingFile(const fs::path& file, std::optional<store::Origin> origin) {
  BodyMeta meta;
  meta.url = platform::utf8Of(file);
  meta.origin = origin;
  // A ZIP on disk is read where it is: copying a study download of some GiB first would only cost time and disk.
  std::error_code ec;
  if (fs::is_regular_file(file, ec) && body::looksLikeZip(readHead(file, 4))) return ingestZip(meta, file, false, Nesting{});

  const fs::path copy = newWorkFile("import");
  fs::copy_file(file, copy, fs::copy_options::overwrite_existing, ec);
  if (ec) {
    const std::string why = ec.message();
    fs::remove(copy, ec);
    ObjectResult result;
    result.outcome = Outcome::Rejected;
    result.reason = "cannot read " + platform::utf8Of(file) + ": " + why;
    return {result};
  }
  return ingestBodyFile(meta, copy);
}

fs::path Ingestor::withoutPrefix(const fs::path& file, std::size_t prefixBytes) {
  const fs::path stripped = newWorkFile("unprefixed");
  std::ifstream in(file, std::ios::binary);
  if (!in) throw ioError("cannot read", platform::utf8Of(file), errno);
  in.seekg(static_cast<std::streamoff>(prefixBytes));
  const int fd = platform::openForWriting(stripped, platform::Creation::Truncate, 0644);
  if (fd < 0) throw ioError("cannot write", platform::utf8Of(stripped), errno);
  std::string block(kReadBlockBytes, '\0');
  int failed = 0;
  while (failed == 0 && in) {
    in.read(block.data(), static_cast<std::streamsize>(block.size()));
    const auto got = static_cast<std::size_t>(in.gcount());
    if (got == 0) break;
    if (!writeAll(fd, std::string_view(block.data(), got))) failed = errno;
  }
  if (failed == 0 && in.bad()) failed = EIO;
  if (platform::closeFile(fd) != 0 && failed == 0) failed = errno;
  if (failed != 0) {
    platform::removeFile(stripped);  // never leave a half-written file behind
    throw ioError("cannot write", platform::utf8Of(stripped), failed);
  }
  in.close();  // Windows removes no file that is still open
  std::error_code ec;
  fs::remove(file, ec);
  return stripped;
}

std::vector<ObjectResult> Ingestor::ingestZip(const BodyMeta& meta, const fs::path& zipFile, bool consume,
                                              const Nesting& nesting) {
  std::vector<ObjectResult> results;
  const auto refuse = [&](Outcome outcome, std::string reason) {
    ObjectResult result;
    result.outcome = outcome;
    result.reason = std::move(reason);
    results.push_back(std::move(result));
  };
  struct ConsumeOnExit {
    const fs::path& file;
    bool consume;
    ~ConsumeOnExit() {
      std::error_code ec;
      if (consume) fs::remove(file, ec);
    }
  } consumeOnExit{zipFile, consume};

  if (nesting.zip > kMaxZipDepth) {
    refuse(Outcome::Rejected, "a ZIP inside a ZIP inside a ZIP: only one level of nesting is opened");
    return results;
  }
  body::ZipArchive archive(zipFile);
  const bool recovering = archive.status() == body::ZipOpenStatus::Recovering;
  if (archive.status() != body::ZipOpenStatus::Opened && !recovering) {
    refuse(Outcome::Rejected, archive.problem());
    return results;
  }
  body::ZipBudget ownBudget;
  Nesting inner = nesting;
  inner.zip += 1;
  inner.zipBudget = nesting.zipBudget != nullptr ? nesting.zipBudget : &ownBudget;

  bool anyFile = false;
  archive.forEachEntry(*inner.zipBudget, [&](const body::ZipEntry& entry, const body::ZipArchive::EntryReader& read) {
    if (entry.directory) return true;
    anyFile = true;
    std::vector<ObjectResult> objects;
    bool stopReading = false;
    {
      EntryFileWriter writer(newWorkFile("zip-entry"));
      const auto outcome = read([&](std::string_view bytes) { writer.write(bytes); });
      if (outcome.status == body::ZipReadStatus::Read) {
        writer.finish();
        BodyMeta entryMeta = meta;
        entryMeta.url = meta.url + "!/" + entry.name;
        entryMeta.contentType.clear();  // an entry has no Content-Type: its bytes say what it is
        entryMeta.part = 0;
        entryMeta.streamKey.clear();  // an entry is not a message of the socket the ZIP came over
        objects = ingestRecognisedFile(entryMeta, writer.path(), writer.head(), writer.size(), inner);
      } else {
        ObjectResult result;
        result.outcome = Outcome::Rejected;
        result.reason = outcome.reason;
        if (outcome.status == body::ZipReadStatus::ArchiveTooLarge) {
          const std::uint64_t left = recovering ? 0 : archive.entryCount() - entry.index - 1;
          if (left > 0) result.reason += " (" + std::to_string(left) + " more entries not read)";
          stopReading = true;
        }
        objects.push_back(std::move(result));
      }
    }
    for (auto& object : objects) {
      object.entry = object.entry.empty() ? entry.name : entry.name + "!/" + object.entry;
      // Only the outermost ZIP names the entry in the reason, with the whole path through nested ZIPs.
      if (nesting.zip == 0 && (object.outcome == Outcome::NotDicom || object.outcome == Outcome::Rejected))
        object.reason = zipEntryReasonPrefix(object.entry) + object.reason;
      results.push_back(std::move(object));
    }
    return !stopReading;
  });
  // A cut-off archive: its whole entries are filed above; the cut itself is reported once.
  if (recovering && !archive.cutNote().empty()) refuse(Outcome::Rejected, archive.cutNote());
  if (results.empty())
    refuse(Outcome::NotDicom, !anyFile && archive.entryCount() > 0 ? "a ZIP holding only folders" : "an empty ZIP");
  return results;
}

std::vector<ObjectResult> Ingestor::ingestRecognisedFile(const BodyMeta& meta, const fs::path& bodyFile,
                                                         std::string_view head, std::uint64_t size,
                                                         const Nesting& nesting) {
  // A vendor viewer's answers (raw pixels, JSON) would pass for something else, or for nothing: vendors look first.
  if (auto offered = offerToVendors(meta, bodyFile, head, size)) return {std::move(*offered)};
  const auto contentType = body::parseContentType(meta.contentType);
  const auto recognition = body::recognizeBody(contentType, meta.url, head, size);
  std::error_code ec;
  ObjectResult result;
  fs::path file = bodyFile;

  switch (recognition.kind) {
    case body::BodyKind::Zip: return ingestZip(meta, file, true, nesting);

    case body::BodyKind::NotDicom:
      fs::remove(file, ec);
      result.outcome = Outcome::NotDicom;
      result.reason = recognition.reason;
      return {result};

    case body::BodyKind::DicomJson:
      // A search answer lists matches, not instances: read for the series it names, never kept as a piece (it
      // would wait for ever, counted as something to rebuild). DICOM JSON that is neither is not kept either: only
      // metadata answers are rebuilt from.
      if (const auto purpose = dicomweb::classifyDicomJson(meta.url); purpose.purpose != dicomweb::DicomJsonPurpose::Metadata) {
        result.outcome = purpose.purpose == dicomweb::DicomJsonPurpose::SearchAnswer ? Outcome::SearchAnswer : Outcome::NotDicom;
        result.reason = purpose.purpose == dicomweb::DicomJsonPurpose::SearchAnswer
                            ? readSearchAnswer(file, size, purpose)
                            : "DICOM JSON that is neither instance metadata nor a search answer (by its URL)";
        fs::remove(file, ec);
        return {result};
      }
      [[fallthrough]];
    case body::BodyKind::Frames: {
      // Kept aside, with where it came from, until the instance it belongs to can be rebuilt.
      store::PieceMeta piece{body::bodyKindName(recognition.kind), meta.url, meta.contentType, meta.status,
                             meta.part, size, {}};
      const fs::path target = inbox_.keep(piece, file);
      result.outcome = Outcome::KeptForReconstruction;
      result.file = target;
      return {result};
    }

    case body::BodyKind::Multipart: {
      if (nesting.multipart >= kMaxMultipartDepth) {
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
        partMeta.streamKey.clear();
        Nesting inPart = nesting;
        inPart.multipart += 1;
        for (auto& object : ingestRecognisedFile(partMeta, part.path, part.head, part.size, inPart)) {
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
      if (recognition.prefixBytes > 0) file = withoutPrefix(file, recognition.prefixBytes);
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
