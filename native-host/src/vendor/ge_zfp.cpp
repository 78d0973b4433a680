#include "vendor/ge_zfp.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <stdexcept>

#include "body/gzip.h"
#include "platform/platform.h"
#include "vendor/ge_zfp_formats.h"
#include "vendor/rebuilt_file.h"

namespace fs = std::filesystem;

namespace cloudfilm::vendor {
namespace {

using gezfp::ObjectHeader;
using gezfp::ObjectToken;
using gezfp::Study;

constexpr const char* kStudyKind = "ge-zfp-study";
constexpr const char* kPixelsKind = "ge-zfp-pixels";
constexpr const char* kTokenFact = "x-cloudfilm-zfp-object";
constexpr const char* kHeaderFact = "x-cloudfilm-zfp-header";
constexpr std::string_view kAfterCommand = "command\n";
constexpr std::string_view kAfterHeader = "header\n";
constexpr std::uint64_t kMaxStudyGzipBytes = 64ull << 20;
constexpr std::uint64_t kMaxStudyJsonBytes = 16ull << 20;  // a 5,000-image study is about 1 MB
constexpr std::uint64_t kMaxPixelBytes = 512ull << 20;
// The viewer pads the pixel message (to a block size); more than this past the frame is not this image's answer.
constexpr std::uint64_t kMaxPadding = 64 * 1024;
constexpr const char* kExplicitLittle = "1.2.840.10008.1.2.1";

std::string tokenText(const ObjectToken& token) { return token.sopInstanceUid + "#" + std::to_string(token.frame); }

void add(std::vector<dicom::TextAttribute>& list, std::uint16_t group, std::uint16_t element, std::string value) {
  if (!value.empty()) list.push_back(dicom::TextAttribute{group, element, std::move(value)});
}
void addRequired(std::vector<dicom::TextAttribute>& list, std::uint16_t group, std::uint16_t element, std::string value) {
  list.push_back(dicom::TextAttribute{group, element, std::move(value)});
}

}  // namespace

struct GeZfp::State {
  struct PixelPiece {
    fs::path bytes;
    ObjectToken token;
    ObjectHeader header;
  };
  struct Placed {
    std::shared_ptr<const Study> study;
    std::size_t series = 0, sop = 0;
  };
  std::set<std::string> studies;                                   // piece ids read
  std::map<std::string, Placed> placeBySop;                        // SOP Instance UID -> its place in a study
  std::map<std::string, PixelPiece> pixels;                        // by piece id
  std::map<std::string, std::map<std::uint32_t, std::string>> framesBySop;  // SOP -> frame -> piece id
  std::set<std::string> dirty;                                     // SOPs to look at in the next rebuild
  std::map<std::string, RebuildResult> waiting;
  std::map<std::string, std::size_t> waitingPieceCount;
  std::vector<std::string> discardLater;                           // replaced pieces
  std::vector<std::string> unreadable;                             // why pieces were discarded, for the next results

  void forgetPixels(store::PieceInbox& inbox, const std::string& sop) {
    for (const auto& [frame, id] : framesBySop[sop]) {
      inbox.discard(id);
      pixels.erase(id);
    }
    framesBySop.erase(sop);
  }

  void readNewPieces(store::PieceInbox& inbox) {
    std::set<std::string> present;
    for (const auto& id : inbox.ids()) {
      if (id.rfind("ge-zfp-", 0) != 0) continue;
      present.insert(id);
      if (pixels.count(id) || studies.count(id)) continue;
      if (std::find(discardLater.begin(), discardLater.end(), id) != discardLater.end()) continue;
      try {
        const auto piece = inbox.read(id);
        if (piece) addPiece(*piece);
      } catch (const std::exception& error) {
        inbox.discard(id);  // a description or a study that does not read: nothing to keep
        unreadable.push_back(std::string("a GE ZFP ") + (id.rfind(kStudyKind, 0) == 0 ? "study description" : "piece") +
                             " that cannot be used: " + error.what());
      }
    }
    for (auto it = pixels.begin(); it != pixels.end();) {  // forgotten with everything else ("forget")
      if (present.count(it->first)) {
        ++it;
        continue;
      }
      auto& frames = framesBySop[it->second.token.sopInstanceUid];
      if (auto f = frames.find(it->second.token.frame); f != frames.end() && f->second == it->first) frames.erase(f);
      dirty.insert(it->second.token.sopInstanceUid);
      it = pixels.erase(it);
    }
    for (auto it = studies.begin(); it != studies.end();) it = present.count(*it) ? std::next(it) : studies.erase(it);
  }

  void addPiece(const store::Piece& piece) {
    if (piece.meta.kind == kStudyKind) {
      std::string problem;
      const auto json = body::gunzip(readPieceBytes(piece.bytesFile, kMaxStudyGzipBytes), kMaxStudyJsonBytes,
                                     body::GunzipStop::Whole, &problem);
      if (!json) throw std::invalid_argument(problem);
      auto study = std::make_shared<const Study>(gezfp::parseStudy(*json));
      for (std::size_t s = 0; s < study->series.size(); ++s)
        for (std::size_t i = 0; i < study->series[s].sops.size(); ++i) {
          const std::string& sop = study->series[s].sops[i].sopInstanceUid;
          placeBySop[sop] = Placed{study, s, i};
          if (framesBySop.count(sop)) dirty.insert(sop);
        }
      studies.insert(piece.id);
      return;
    }
    if (piece.meta.kind != kPixelsKind) throw std::invalid_argument("an unknown GE ZFP piece");
    const auto token = piece.meta.headers.find(kTokenFact);
    const auto header = piece.meta.headers.find(kHeaderFact);
    if (token == piece.meta.headers.end() || header == piece.meta.headers.end())
      throw std::invalid_argument("a GE ZFP pixel piece without its object");
    const auto parsed = gezfp::parseCommandLine("CMDGETOBJ " + token->second);
    if (!parsed) throw std::invalid_argument("a GE ZFP pixel piece with a malformed object");
    PixelPiece pixel{piece.bytesFile, *parsed, gezfp::parseObjectHeader(header->second)};
    auto& frames = framesBySop[parsed->sopInstanceUid];
    if (auto old = frames.find(parsed->frame); old != frames.end() && old->second != piece.id) {
      pixels.erase(old->second);  // the same frame again: the newer answer is kept
      discardLater.push_back(old->second);
    }
    frames[parsed->frame] = piece.id;
    dirty.insert(parsed->sopInstanceUid);
    pixels[piece.id] = std::move(pixel);
  }
};

GeZfp::GeZfp() : state_(std::make_unique<State>()) {}
GeZfp::~GeZfp() = default;

Recognition GeZfp::recognize(const BodyView& body) const {
  Recognition recognition;
  if (body.streamKey.empty()) return recognition;  // ZFP speaks over a WebSocket only
  const std::string_view previous =
      body.previous && body.previous->vendor == name() ? std::string_view(body.previous->text) : std::string_view();
  const auto refuse = [&](std::string why) {
    recognition.verdict = Verdict::Refused;
    recognition.reason = std::move(why);
    return recognition;
  };

  // The pixels: the message right after an object's header, whatever its first bytes.
  if (previous.substr(0, kAfterHeader.size()) == kAfterHeader) {
    const std::string_view rest = previous.substr(kAfterHeader.size());
    const auto newline = rest.find('\n');
    const std::string token(rest.substr(0, newline));
    const std::string headerText(newline == std::string_view::npos ? std::string_view() : rest.substr(newline + 1));
    ObjectHeader header;
    try {
      header = gezfp::parseObjectHeader(headerText);
    } catch (const std::invalid_argument& error) {
      return refuse(std::string("a GE ZFP image that cannot be kept: ") + error.what());
    }
    const std::string full = std::to_string(header.columns) + " x " + std::to_string(header.rows);
    if (body.size < header.frameBytes()) {
      recognition.verdict = Verdict::Preview;
      recognition.reason = "a reduced-resolution preview (GE ZFP, " + std::to_string(body.size) + " bytes of a " +
                           full + " image): never kept as the image; open this series at full resolution";
      return recognition;
    }
    if (body.size > header.frameBytes() + kMaxPadding)
      return refuse("a GE ZFP pixel message of " + std::to_string(body.size) + " bytes, far more than its header's " +
                    full + " image holds (" + std::to_string(header.frameBytes()) + ")");
    recognition.verdict = Verdict::Piece;
    recognition.kind = kPixelsKind;
    recognition.facts = {{kTokenFact, token}, {kHeaderFact, headerText}};
    return recognition;
  }

  // "CMDGETOBJ <uid>#<frame>": the next two messages are that object's header and pixels.
  if (body.head.substr(0, 10) == "CMDGETOBJ ") {
    const auto token = body.size <= body.head.size() ? gezfp::parseCommandLine(body.head) : std::nullopt;
    if (!token) return refuse("a GE ZFP object line CloudFilm cannot read");
    recognition.verdict = Verdict::Context;
    recognition.context = std::string(kAfterCommand) + tokenText(*token);
    return recognition;
  }

  // The object's header, right after its command line.
  if (previous.substr(0, kAfterCommand.size()) == kAfterCommand && gezfp::looksLikeObjectHeader(body.head)) {
    if (body.size > body.head.size()) return refuse("a GE ZFP object header longer than CloudFilm reads");
    try {
      gezfp::parseObjectHeader(body.head);
    } catch (const std::invalid_argument& error) {
      return refuse(std::string("a GE ZFP image that cannot be kept: ") + error.what());
    }
    recognition.verdict = Verdict::Context;
    recognition.context = std::string(kAfterHeader) + std::string(previous.substr(kAfterCommand.size())) + "\n" +
                          std::string(body.head);
    return recognition;
  }

  // The study's description: gzip whose first inflated bytes open the study's JSON.
  if (body::looksLikeGzip(body.head)) {
    const auto inflated = body::gunzip(body.head, 4096, body::GunzipStop::Prefix);
    if (!inflated || !gezfp::looksLikeStudy(*inflated)) return recognition;
    if (body.size > kMaxStudyGzipBytes) return refuse("a GE ZFP study description over 64 MiB");
    recognition.verdict = Verdict::Piece;
    recognition.kind = kStudyKind;
    return recognition;
  }
  return recognition;
}

std::size_t GeZfp::waitingPieces() const {
  std::size_t count = 0;
  for (const auto& [sop, pieces] : state_->waitingPieceCount) count += pieces;
  return count;
}

std::vector<RebuildResult> GeZfp::rebuild(store::PieceInbox& inbox, store::Store& store) {
  State& s = *state_;
  const auto discardReplaced = [&] {
    for (const auto& id : s.discardLater) inbox.discard(id);
    s.discardLater.clear();
  };
  discardReplaced();
  s.readNewPieces(inbox);
  discardReplaced();

  std::vector<RebuildResult> results;
  for (auto& why : s.unreadable) {
    RebuildResult rejected;
    rejected.outcome = RebuildOutcome::Rejected;
    rejected.reason = std::move(why);
    results.push_back(std::move(rejected));
  }
  s.unreadable.clear();
  const std::set<std::string> dirty = std::move(s.dirty);
  s.dirty.clear();
  for (const std::string& sop : dirty) {
    s.waiting.erase(sop);
    s.waitingPieceCount.erase(sop);
    const auto framesIt = s.framesBySop.find(sop);
    if (framesIt == s.framesBySop.end() || framesIt->second.empty()) continue;
    const auto& frames = framesIt->second;
    const auto placed = s.placeBySop.find(sop);
    const auto wait = [&](const std::string& why) {
      RebuildResult result;
      result.outcome = RebuildOutcome::Waiting;
      result.reason = "GE ZFP image " + sop + ": " + why;
      result.info.sopInstanceUid = sop;
      if (placed != s.placeBySop.end()) {
        const Study& study = *placed->second.study;
        const auto& series = study.series[placed->second.series];
        result.info.studyInstanceUid = study.studyInstanceUid;
        result.info.seriesInstanceUid = series.seriesInstanceUid;
        result.info.patientName = study.patientName;
        result.info.studyDescription = study.description;
        result.info.seriesDescription = series.description;
        result.info.modality = series.modality;
        result.info.seriesNumber = series.number;
      }
      s.waitingPieceCount[sop] = frames.size();
      s.waiting[sop] = result;
    };
    if (placed == s.placeBySop.end()) {
      wait("its pixels were caught, but not the study's description (the viewer's first answer): open the study again");
      continue;
    }
    const Study& study = *placed->second.study;
    const gezfp::Series& series = study.series[placed->second.series];
    const gezfp::Sop& entry = series.sops[placed->second.sop];
    if (const auto& first = s.pixels[frames.begin()->second].header;
        std::uint64_t{entry.frames} * first.frameBytes() > kMaxImagePixelBytes) {
      RebuildResult rejected;
      rejected.outcome = RebuildOutcome::Rejected;
      rejected.reason = "cannot rebuild GE ZFP image " + sop + ": " + std::to_string(entry.frames) + " frames of " +
                        std::to_string(first.columns) + " x " + std::to_string(first.rows) + " are more than 2 GiB";
      results.push_back(std::move(rejected));
      s.forgetPixels(inbox, sop);
      continue;
    }
    std::size_t have = 0;
    for (std::uint32_t f = 0; f < entry.frames; ++f) have += frames.count(f);
    if (have < entry.frames) {
      wait("frames " + std::to_string(have) + " of " + std::to_string(entry.frames) + " loaded");
      continue;
    }

    const ObjectHeader& header = s.pixels[frames.at(0)].header;
    RebuiltFile rebuilt;
    rebuilt.rebuiltFrom = "ge-zfp-study";  // from the study description and the pixels: the hospital's UIDs
    rebuilt.pixels.transferSyntaxUid = kExplicitLittle;
    try {
      for (std::uint32_t f = 0; f < entry.frames; ++f) {
        const auto& piece = s.pixels[frames.at(f)];
        if (piece.header.rows != header.rows || piece.header.columns != header.columns ||
            piece.header.bitsAllocated != header.bitsAllocated || piece.header.samplesPerPixel != header.samplesPerPixel)
          throw std::runtime_error("its frames came in different sizes");
        std::string bytes = readPieceBytes(piece.bytes, kMaxPixelBytes);
        if (bytes.size() < header.frameBytes()) throw std::runtime_error("a frame is shorter than its header says");
        bytes.resize(static_cast<std::size_t>(header.frameBytes()));  // the viewer's padding is not the image's
        rebuilt.pixels.frames.push_back(std::move(bytes));
      }
      auto& list = rebuilt.attributes;
      add(list, 0x0008, 0x0016, entry.sopClassUid);
      add(list, 0x0008, 0x0018, entry.sopInstanceUid);
      addRequired(list, 0x0008, 0x0020, study.studyDate);
      addRequired(list, 0x0008, 0x0030, study.studyTime);
      addRequired(list, 0x0008, 0x0050, study.accessionNumber);
      add(list, 0x0008, 0x0060, series.modality.empty() ? "OT" : series.modality);
      addRequired(list, 0x0008, 0x0090, "");
      add(list, 0x0008, 0x1030, study.description);
      add(list, 0x0008, 0x103E, series.description);
      addRequired(list, 0x0010, 0x0010, study.patientName);
      addRequired(list, 0x0010, 0x0020, study.patientId);
      addRequired(list, 0x0010, 0x0030, "");
      addRequired(list, 0x0010, 0x0040, "");
      if (header.sliceThickness) add(list, 0x0018, 0x0050, decimalText(*header.sliceThickness));
      add(list, 0x0020, 0x000D, study.studyInstanceUid);
      add(list, 0x0020, 0x000E, series.seriesInstanceUid);
      addRequired(list, 0x0020, 0x0010, "");
      addRequired(list, 0x0020, 0x0011, series.number ? std::to_string(*series.number) : "");
      const auto number = entry.imageNumber ? entry.imageNumber : header.imageNumber;
      addRequired(list, 0x0020, 0x0013, number ? std::to_string(*number) : "");
      if (!header.imageOrientation) addRequired(list, 0x0020, 0x0020, "");
      if (header.imagePosition) add(list, 0x0020, 0x0032, decimalsText(header.imagePosition->data(), 3));
      if (header.imageOrientation) add(list, 0x0020, 0x0037, decimalsText(header.imageOrientation->data(), 6));
      add(list, 0x0020, 0x0052, header.frameOfReferenceUid);
      add(list, 0x0028, 0x0002, std::to_string(header.samplesPerPixel));
      add(list, 0x0028, 0x0004, header.photometric);
      if (header.samplesPerPixel == 3) add(list, 0x0028, 0x0006, "0");
      if (entry.frames > 1) add(list, 0x0028, 0x0008, std::to_string(entry.frames));
      add(list, 0x0028, 0x0010, std::to_string(header.rows));
      add(list, 0x0028, 0x0011, std::to_string(header.columns));
      if (header.pixelSpacing) add(list, 0x0028, 0x0030, decimalsText(header.pixelSpacing->data(), 2));
      add(list, 0x0028, 0x0100, std::to_string(header.bitsAllocated));
      add(list, 0x0028, 0x0101, std::to_string(header.bitsStored));
      add(list, 0x0028, 0x0102, std::to_string(header.highBit));
      add(list, 0x0028, 0x0103, header.isSigned ? "1" : "0");
      if (header.windowCenter && header.windowWidth && *header.windowWidth >= 1) {
        add(list, 0x0028, 0x1050, decimalText(*header.windowCenter));
        add(list, 0x0028, 0x1051, decimalText(*header.windowWidth));
      }
      if (header.intercept || header.slope) {
        add(list, 0x0028, 0x1052, decimalText(header.intercept.value_or(0)));
        add(list, 0x0028, 0x1053, decimalText(header.slope.value_or(1)));
      }
      results.push_back(fileRebuilt(store, rebuilt));
    } catch (const std::exception& error) {  // DicomJsonError (no valid file) or a piece that cannot be read
      RebuildResult rejected;
      rejected.outcome = RebuildOutcome::Rejected;
      rejected.reason = "cannot rebuild GE ZFP image " + sop + ": " + error.what();
      results.push_back(std::move(rejected));
    }
    s.forgetPixels(inbox, sop);
  }
  for (const auto& [sop, result] : s.waiting) results.push_back(result);
  return results;
}

}  // namespace cloudfilm::vendor
