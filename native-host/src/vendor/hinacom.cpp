#include "vendor/hinacom.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <fstream>
#include <stdexcept>
#include <tuple>
#include <utility>

#include "body/jpeg2000.h"
#include "dicom/text_attributes.h"
#include "platform/platform.h"
#include "util/ascii.h"
#include "vendor/derived_uid.h"
#include "vendor/rebuilt_file.h"

namespace fs = std::filesystem;

namespace cloudfilm::vendor {
namespace {

using hinacom::ImageRef;
using hinacom::ImagePlace;
using hinacom::ImageSet;
using hinacom::PixelHeader;
using hinacom::PixelUrl;

constexpr const char* kPixelsKind = "hinacom-pixels";
constexpr const char* kTagsKind = "hinacom-tags";
constexpr const char* kImageSetKind = "hinacom-imageset";
constexpr const char* kFrameHeader = "x-imageframe";
constexpr std::uint64_t kMaxJsonBytes = 16ull << 20;     // a tag list is a few KB; an image set of 5,000 images ~1 MB
constexpr std::uint64_t kMaxPixelBytes = 512ull << 20;   // one frame, read whole to be wrapped

constexpr const char* kExplicitLittle = "1.2.840.10008.1.2.1";
constexpr const char* kJpeg2000Lossless = "1.2.840.10008.1.2.4.90";
constexpr const char* kJpeg2000 = "1.2.840.10008.1.2.4.91";


// A derived image is filed as Secondary Capture whatever its modality: the modality's own class (CT, MR...) requires
// acquisition attributes the viewer never sends (MR's ScanningSequence and SequenceVariant are type 1), and inventing
// them would be worse than an honest class. Its geometry and rescale are kept all the same (standard extended
// attributes), so viewers still stack, measure and window it.
constexpr const char* kSecondaryCapture = "1.2.840.10008.5.1.4.1.1.7";

std::string imageName(const ImageRef& image) { return "image " + image.imageId.substr(0, 64); }

// The decoded pixels of one image, as they will be written.
struct Pixels {
  dicom::FramePixelData data;
  bool lossy = false;
};

struct TagFacts {
  std::string sopInstanceUid, studyInstanceUid, seriesInstanceUid, patientName, studyDescription, seriesDescription,
      modality;
  std::optional<long> seriesNumber, frames, rows, columns;
};

TagFacts factsOf(const hinacom::TagList& list) {
  TagFacts facts;
  const auto number = [](const std::string& text) -> std::optional<long> {
    try {
      return std::stol(text);
    } catch (const std::exception&) {
      return std::nullopt;
    }
  };
  for (const auto& a : list.attributes) {
    const std::uint32_t tag = (std::uint32_t{a.group} << 16) | a.element;
    switch (tag) {
      case 0x00080018: facts.sopInstanceUid = a.value; break;
      case 0x0020000D: facts.studyInstanceUid = a.value; break;
      case 0x0020000E: facts.seriesInstanceUid = a.value; break;
      case 0x00100010: facts.patientName = a.value; break;
      case 0x00081030: facts.studyDescription = a.value; break;
      case 0x0008103E: facts.seriesDescription = a.value; break;
      case 0x00080060: facts.modality = a.value; break;
      case 0x00200011: facts.seriesNumber = number(a.value); break;
      case 0x00280008: facts.frames = number(a.value); break;
      case 0x00280010: facts.rows = number(a.value); break;
      case 0x00280011: facts.columns = number(a.value); break;
      default: break;
    }
  }
  for (std::string* uid : {&facts.sopInstanceUid, &facts.studyInstanceUid, &facts.seriesInstanceUid})
    while (!uid->empty() && (uid->back() == ' ' || uid->back() == '\0')) uid->pop_back();
  return facts;
}

}  // namespace

struct Hinacom::State {
  struct PixelPiece {
    std::string id;
    fs::path bytes;
    PixelUrl url;
    PixelHeader header;
  };
  struct JsonPiece {
    std::string id;
    fs::path bytes;
    hinacom::JsonUrl url;
  };
  struct Placed {
    std::shared_ptr<const ImageSet> set;
    std::string setStudyId;  // the study GetImageSet was asked for
    std::string accessionNumber;
    std::size_t index = 0;  // into set->images
  };

  std::map<std::string, PixelPiece> pixels;             // by piece id
  std::map<std::string, JsonPiece> tags, imageSets;     // by piece id
  std::map<std::string, std::map<std::uint32_t, std::string>> framesByImage;  // image key -> frame -> piece id
  std::map<std::string, std::string> tagsByImage;       // image key -> the latest tag list's piece id
  std::map<std::string, ImageRef> images;               // image key -> the image
  std::map<std::string, Placed> placeByImage;           // image key -> where the image set puts it
  std::set<std::string> dirty;                          // image keys to examine at the next rebuild
  std::map<std::string, RebuildResult> waiting;         // image key -> its Waiting result
  std::map<std::string, std::size_t> waitingPieceCount;  // image key -> its pieces, while it waits

  void forgetPiece(store::PieceInbox& inbox, const std::string& id) {
    inbox.discard(id);
    if (auto it = pixels.find(id); it != pixels.end()) {
      auto& frames = framesByImage[it->second.url.image.key()];
      if (auto f = frames.find(it->second.url.frame); f != frames.end() && f->second == id) frames.erase(f);
      pixels.erase(it);
    }
    if (auto it = tags.find(id); it != tags.end()) {
      const std::string key = it->second.url.ref.key();
      if (tagsByImage[key] == id) tagsByImage.erase(key);
      tags.erase(it);
    }
    imageSets.erase(id);
  }

  // Reads the pieces the inbox holds that are not known yet; marks the images they touch.
  void readNewPieces(store::PieceInbox& inbox) {
    std::set<std::string> present;
    for (const auto& id : inbox.ids()) {
      if (id.rfind("hinacom-", 0) != 0) continue;
      present.insert(id);
      if (pixels.count(id) || tags.count(id) || imageSets.count(id)) continue;
      // Replaced by a newer answer for the same frame or image, and still in the inbox until the next discard: read
      // again, it would take back the place of the one that replaced it.
      if (std::find(discardLater.begin(), discardLater.end(), id) != discardLater.end()) continue;
      std::optional<store::Piece> piece;
      try {
        piece = inbox.read(id);
      } catch (const std::exception&) {
        inbox.discard(id);  // a damaged description: its piece cannot be placed
        continue;
      }
      if (!piece) continue;
      try {
        addPiece(*piece);
      } catch (const std::exception&) {
        inbox.discard(id);  // recognised once, unreadable now (a header that no longer parses): nothing to keep
      }
    }
    // Pieces gone from the inbox (everything forgotten) are forgotten here too.
    const auto gone = [&](const auto& byId) {
      std::vector<std::string> ids;
      for (const auto& [id, piece] : byId)
        if (!present.count(id)) ids.push_back(id);
      return ids;
    };
    for (const auto& id : gone(pixels)) {
      dirty.insert(pixels[id].url.image.key());
      auto& frames = framesByImage[pixels[id].url.image.key()];
      frames.erase(pixels[id].url.frame);
      pixels.erase(id);
    }
    for (const auto& id : gone(tags)) {
      const std::string key = tags[id].url.ref.key();
      dirty.insert(key);
      if (tagsByImage[key] == id) tagsByImage.erase(key);
      tags.erase(id);
    }
    for (const auto& id : gone(imageSets)) imageSets.erase(id);
  }

  void addPiece(const store::Piece& piece) {
    if (piece.meta.kind == kPixelsKind) {
      const auto url = hinacom::parsePixelUrl(piece.meta.url);
      auto header = piece.meta.headers.find(kFrameHeader);
      if (!url || header == piece.meta.headers.end()) throw std::invalid_argument("not a pixel answer");
      PixelPiece pixel{piece.id, piece.bytesFile, *url, hinacom::parsePixelHeader(header->second)};
      const std::string key = url->image.key();
      images[key] = url->image;
      auto& frames = framesByImage[key];
      if (auto old = frames.find(url->frame); old != frames.end() && old->second != piece.id) {
        // The same frame again (a reload): the newer answer is kept, the older piece goes.
        pixels.erase(old->second);
        discardLater.push_back(old->second);
      }
      frames[url->frame] = piece.id;
      pixels[piece.id] = std::move(pixel);
      dirty.insert(key);
    } else if (piece.meta.kind == kTagsKind || piece.meta.kind == kImageSetKind) {
      const auto url = hinacom::parseJsonUrl(piece.meta.url);
      if (!url) throw std::invalid_argument("not a Hinacom JSON answer");
      JsonPiece json{piece.id, piece.bytesFile, *url};
      if (url->endpoint == hinacom::JsonEndpoint::ImageDicomTags) {
        const std::string key = url->ref.key();
        images[key] = url->ref;
        if (auto old = tagsByImage.find(key); old != tagsByImage.end() && old->second != piece.id) {
          tags.erase(old->second);
          discardLater.push_back(old->second);
        }
        tagsByImage[key] = piece.id;
        tags[piece.id] = std::move(json);
        dirty.insert(key);
      } else {
        placeImageSet(json);
        imageSets[piece.id] = std::move(json);
      }
    } else {
      throw std::invalid_argument("an unknown Hinacom piece");
    }
  }

  void placeImageSet(const JsonPiece& piece) {
    auto set = std::make_shared<const ImageSet>(hinacom::parseImageSet(readPieceBytes(piece.bytes, kMaxJsonBytes)));
    for (std::size_t i = 0; i < set->images.size(); ++i) {
      const ImagePlace& place = set->images[i];
      ImageRef ref{piece.url.ref.site, place.studyId.empty() ? piece.url.ref.studyId : place.studyId, place.imageId};
      const std::string key = ref.key();
      placeByImage[key] = Placed{set, piece.url.ref.studyId, piece.url.accessionNumber, i};
      if (framesByImage.count(key) && !framesByImage[key].empty()) dirty.insert(key);
    }
  }

  std::vector<std::string> discardLater;  // replaced pieces, discarded at the next rebuild
};

Hinacom::Hinacom() : state_(std::make_unique<State>()) {}
Hinacom::~Hinacom() = default;

std::string Hinacom::derivedSopInstanceUid(const ImageRef& image) {
  return derivedUid("hinacom image|" + image.site + "|" + image.studyId + "|" + image.imageId);
}

Recognition Hinacom::recognize(const BodyView& body) const {
  Recognition recognition;
  if (const auto pixel = hinacom::parsePixelUrl(body.url)) {
    auto header = body.headers->find(kFrameHeader);
    if (header == body.headers->end()) {
      recognition.verdict = Verdict::Refused;
      recognition.reason = "a Hinacom pixel answer without its X-ImageFrame header (the image's size and geometry): "
                           "it cannot be kept";
      return recognition;
    }
    PixelHeader parsed;
    try {
      parsed = hinacom::parsePixelHeader(header->second);
    } catch (const std::invalid_argument& error) {
      recognition.verdict = Verdict::Refused;
      recognition.reason = std::string("a Hinacom pixel answer that cannot be kept: ") + error.what();
      return recognition;
    }
    const std::string full = std::to_string(parsed.columns) + " x " + std::to_string(parsed.rows);
    const auto preview = [&](const std::string& size) {
      recognition.verdict = Verdict::Preview;
      recognition.reason = "a reduced-resolution preview (Hinacom, " + size + " of " + full +
                           "): never kept as the image; open this series at full resolution";
      return recognition;
    };
    if (body::looksLikeJpeg2000(body.head)) {
      // The first bytes hold the boxes and the codestream's SIZ; when they do not, the rebuild looks at the whole.
      if (const auto facts = body::readJpeg2000(body.head, nullptr, body::Jpeg2000Read::SizeOnly);
          facts && (facts->width != parsed.columns || facts->height != parsed.rows))
        return preview(std::to_string(facts->width) + " x " + std::to_string(facts->height));
    } else if (body.size != parsed.frameBytes()) {
      if (body.size > parsed.frameBytes()) {
        recognition.verdict = Verdict::Refused;
        recognition.reason = "a Hinacom pixel answer of " + std::to_string(body.size) + " bytes, more than its header's " +
                             full + " image holds (" + std::to_string(parsed.frameBytes()) + ")";
        return recognition;
      }
      return preview(std::to_string(body.size) + " bytes");
    }
    recognition.verdict = Verdict::Piece;
    recognition.kind = kPixelsKind;
    recognition.keepHeaders = {kFrameHeader};
    return recognition;
  }
  if (const auto json = hinacom::parseJsonUrl(body.url)) {
    if (body.size > kMaxJsonBytes) {
      recognition.verdict = Verdict::Refused;
      recognition.reason = "a Hinacom JSON answer over 16 MiB";
      return recognition;
    }
    recognition.verdict = Verdict::Piece;
    recognition.kind = json->endpoint == hinacom::JsonEndpoint::ImageDicomTags ? kTagsKind : kImageSetKind;
    return recognition;
  }
  return recognition;
}

std::size_t Hinacom::waitingPieces() const {
  std::size_t count = 0;
  for (const auto& [key, pieces] : state_->waitingPieceCount) count += pieces;
  return count;
}

namespace {

// Reads an image's pixel pieces (frames 0..n-1) into what will be written. Throws std::runtime_error with why.
Pixels readPixels(const std::vector<std::pair<fs::path, PixelHeader>>& frames) {
  Pixels out;
  std::string syntax;
  for (const auto& [file, header] : frames) {
    std::string bytes = readPieceBytes(file, kMaxPixelBytes);
    std::string frameSyntax;
    if (body::looksLikeJpeg2000(bytes)) {
      std::string problem;
      const auto facts = body::readJpeg2000(bytes, &problem);
      if (!facts) throw std::runtime_error("the JPEG 2000 answer is malformed: " + problem);
      if (facts->width != header.columns || facts->height != header.rows)
        throw std::runtime_error("the JPEG 2000 image is " + std::to_string(facts->width) + " x " +
                                 std::to_string(facts->height) + ", its header says " + std::to_string(header.columns) +
                                 " x " + std::to_string(header.rows));
      if (facts->components != header.samplesPerPixel || facts->bitDepth > header.bitsAllocated ||
          facts->isSigned != header.isSigned)
        throw std::runtime_error("the JPEG 2000 codestream's components, depth or sign disagree with its header");
      frameSyntax = facts->reversible ? kJpeg2000Lossless : kJpeg2000;
      out.lossy = out.lossy || !facts->reversible;
      bytes = std::string(facts->codestream);  // the codestream itself, unwrapped from its JP2 boxes, unchanged
    } else {
      if (bytes.size() != header.frameBytes())
        throw std::runtime_error("the raw pixels are " + std::to_string(bytes.size()) + " bytes, their header says " +
                                 std::to_string(header.frameBytes()));
      frameSyntax = kExplicitLittle;
    }
    if (!syntax.empty() && syntax != frameSyntax)
      throw std::runtime_error("the image's frames came in different encodings");
    syntax = frameSyntax;
    out.data.frames.push_back(std::move(bytes));
  }
  // A lossy frame among lossless ones makes the whole image lossy.
  out.data.transferSyntaxUid = out.lossy ? kJpeg2000 : syntax;
  return out;
}

void add(std::vector<dicom::TextAttribute>& list, std::uint16_t group, std::uint16_t element, std::string value) {
  if (!value.empty()) list.push_back(dicom::TextAttribute{group, element, std::move(value)});
}

// A type 2 attribute: present, empty when the viewer did not say.
void addRequired(std::vector<dicom::TextAttribute>& list, std::uint16_t group, std::uint16_t element, std::string value) {
  list.push_back(dicom::TextAttribute{group, element, std::move(value)});
}

// The study and series UIDs CloudFilm derives for an image placed by an image set: the same for every image of a
// display set, so its images make one series (and the popup's waiting list one entry per series).
std::pair<std::string, std::string> derivedStudyAndSeries(const ImageRef& image, const Hinacom::State::Placed& placed) {
  const std::string studyKey = image.site + "|" + placed.setStudyId;
  const std::size_t displaySet = placed.set->images[placed.index].displaySet;
  return {derivedUid("hinacom study|" + studyKey),
          derivedUid("hinacom series|" + studyKey + "|" + std::to_string(displaySet) + "|" +
                     placed.set->displaySets[displaySet].description)};
}

// The attributes of an image rebuilt from its pixel header and the image set, with derived identifiers.
std::vector<dicom::TextAttribute> derivedAttributes(const ImageRef& image, const Hinacom::State& state,
                                                    const PixelHeader& header, const Pixels& pixels) {
  const auto& placed = state.placeByImage.at(image.key());
  const ImageSet& set = *placed.set;
  const ImagePlace& place = set.images[placed.index];
  const hinacom::DisplaySet& series = set.displaySets[place.displaySet];
  const std::string modality = !header.modality.empty() ? header.modality : series.modality;
  const auto [studyUid, seriesUid] = derivedStudyAndSeries(image, placed);
  std::vector<dicom::TextAttribute> list;
  add(list, 0x0008, 0x0008, "DERIVED\\SECONDARY");
  add(list, 0x0008, 0x0016, kSecondaryCapture);
  add(list, 0x0008, 0x0018, Hinacom::derivedSopInstanceUid(image));
  addRequired(list, 0x0008, 0x0020, set.studyDate);
  addRequired(list, 0x0008, 0x0030, "");
  addRequired(list, 0x0008, 0x0050, placed.accessionNumber);
  add(list, 0x0008, 0x0060, modality.empty() ? "OT" : modality);
  add(list, 0x0008, 0x0064, "WSD");  // ConversionType: made on a workstation (CloudFilm), not by the modality
  addRequired(list, 0x0008, 0x0090, "");
  add(list, 0x0008, 0x1030, set.studyDescription);
  add(list, 0x0008, 0x103E, series.description);
  add(list, 0x0008, 0x2111,
      "Rebuilt by CloudFilm from the Hinacom viewer's pixels and image set; the site sent no tag list, so the "
      "identifiers (UIDs) are derived by CloudFilm, not the hospital's");
  addRequired(list, 0x0010, 0x0010, set.patientName);
  addRequired(list, 0x0010, 0x0020, set.patientId);
  addRequired(list, 0x0010, 0x0030, "");
  addRequired(list, 0x0010, 0x0040, "");
  add(list, 0x0020, 0x000D, studyUid);
  add(list, 0x0020, 0x000E, seriesUid);
  addRequired(list, 0x0020, 0x0010, "");
  addRequired(list, 0x0020, 0x0011, series.seriesNumber ? std::to_string(*series.seriesNumber) : "");
  add(list, 0x0020, 0x0013, std::to_string(place.instanceNumber));
  if (!header.orientation) addRequired(list, 0x0020, 0x0020, "");
  if (header.imagePosition) add(list, 0x0020, 0x0032, decimalsText(header.imagePosition->data(), 3));
  if (header.orientation) add(list, 0x0020, 0x0037, decimalsText(header.orientation->data(), 6));
  add(list, 0x0020, 0x0052, header.frameOfReferenceUid);
  if (header.sliceLocation) add(list, 0x0020, 0x1041, decimalText(*header.sliceLocation));
  add(list, 0x0028, 0x0002, std::to_string(header.samplesPerPixel));
  add(list, 0x0028, 0x0004, header.photometric);
  if (header.samplesPerPixel == 3) add(list, 0x0028, 0x0006, "0");
  if (pixels.data.frames.size() > 1) add(list, 0x0028, 0x0008, std::to_string(pixels.data.frames.size()));
  add(list, 0x0028, 0x0010, std::to_string(header.rows));
  add(list, 0x0028, 0x0011, std::to_string(header.columns));
  if (header.rowSpacing && header.columnSpacing) {
    const double spacing[2] = {*header.rowSpacing, *header.columnSpacing};
    add(list, 0x0028, 0x0030, decimalsText(spacing, 2));
  }
  if (header.sliceThickness) add(list, 0x0018, 0x0050, decimalText(*header.sliceThickness));
  add(list, 0x0028, 0x0100, std::to_string(header.bitsAllocated));
  add(list, 0x0028, 0x0101, std::to_string(header.bitsStored));
  add(list, 0x0028, 0x0102, std::to_string(header.bitsStored - 1));
  add(list, 0x0028, 0x0103, header.isSigned ? "1" : "0");
  if (header.windowCenter && header.windowWidth && *header.windowWidth >= 1) {
    add(list, 0x0028, 0x1050, decimalText(*header.windowCenter));
    add(list, 0x0028, 0x1051, decimalText(*header.windowWidth));
  }
  if (header.intercept || header.slope) {
    add(list, 0x0028, 0x1052, decimalText(header.intercept.value_or(0)));
    add(list, 0x0028, 0x1053, decimalText(header.slope.value_or(1)));
  }
  if (pixels.lossy) add(list, 0x0028, 0x2110, "01");
  return list;
}

}  // namespace

std::vector<RebuildResult> Hinacom::rebuild(store::PieceInbox& inbox, store::Store& store) {
  State& s = *state_;
  for (const auto& id : s.discardLater) inbox.discard(id);
  s.discardLater.clear();
  s.readNewPieces(inbox);
  for (const auto& id : s.discardLater) inbox.discard(id);
  s.discardLater.clear();

  std::vector<RebuildResult> results;
  const std::set<std::string> dirty = std::move(s.dirty);
  s.dirty.clear();
  for (const std::string& key : dirty) {
    s.waiting.erase(key);
    s.waitingPieceCount.erase(key);
    const ImageRef image = s.images.count(key) ? s.images[key] : ImageRef{};
    auto& frames = s.framesByImage[key];
    const auto tagsIt = s.tagsByImage.find(key);
    std::optional<hinacom::TagList> tagList;
    std::string tagProblem;
    if (tagsIt != s.tagsByImage.end()) {
      try {
        tagList = hinacom::parseTagList(readPieceBytes(s.tags[tagsIt->second].bytes, kMaxJsonBytes));
        if (tagList->attributes.empty()) {
          tagList.reset();
          tagProblem = "the site's tag list for it is empty (the site says it is not DICOM)";
        }
      } catch (const std::exception& error) {
        tagProblem = error.what();
      }
    }
    const TagFacts facts = tagList ? factsOf(*tagList) : TagFacts{};
    const auto placed = s.placeByImage.find(key);
    const auto wait = [&](std::string why) {
      RebuildResult result;
      result.outcome = RebuildOutcome::Waiting;
      result.reason = imageName(image) + ": " + why;
      result.info.sopInstanceUid = facts.sopInstanceUid;
      result.info.studyInstanceUid = facts.studyInstanceUid;
      result.info.seriesInstanceUid = facts.seriesInstanceUid;
      result.info.patientName = facts.patientName;
      result.info.studyDescription = facts.studyDescription;
      result.info.seriesDescription = facts.seriesDescription;
      result.info.modality = facts.modality;
      result.info.seriesNumber = facts.seriesNumber;
      if (placed != s.placeByImage.end() && facts.seriesInstanceUid.empty()) {
        const ImageSet& set = *placed->second.set;
        const auto& series = set.displaySets[set.images[placed->second.index].displaySet];
        result.info.patientName = set.patientName;
        result.info.studyDescription = set.studyDescription;
        result.info.seriesDescription = series.description;
        result.info.modality = series.modality;
        result.info.seriesNumber = series.seriesNumber;
        std::tie(result.info.studyInstanceUid, result.info.seriesInstanceUid) =
            derivedStudyAndSeries(image, placed->second);
      }
      s.waitingPieceCount[key] = frames.size() + (tagsIt != s.tagsByImage.end() ? 1 : 0);
      s.waiting[key] = result;
    };

    // A tag list whose file is already kept needs nothing more (the pixels were filed with it). It stays in the inbox
    // all the same (a few KB): it is what tells a pixel answer sent again later (another visit to the film) to make
    // the hospital's file, not a derived copy beside it. "Forget everything" empties it.
    if (frames.empty()) {
      if (tagsIt == s.tagsByImage.end()) continue;
      if (!facts.sopInstanceUid.empty() && store.find(facts.sopInstanceUid)) continue;
      wait("its tag list was loaded, its pixels were not: scroll through this series");
      continue;
    }
    std::uint32_t needed = 1;
    if (facts.frames && *facts.frames >= 1 && *facts.frames <= 10000) needed = static_cast<std::uint32_t>(*facts.frames);
    else if (placed != s.placeByImage.end()) needed = placed->second.set->images[placed->second.index].frames;
    if (const auto& first = s.pixels[frames.begin()->second].header; needed * first.frameBytes() > kMaxImagePixelBytes) {
      RebuildResult rejected;
      rejected.outcome = RebuildOutcome::Rejected;
      rejected.reason = "cannot rebuild Hinacom " + imageName(image) + ": " + std::to_string(needed) + " frames of " +
                        std::to_string(first.columns) + " x " + std::to_string(first.rows) + " are more than 2 GiB";
      for (const auto& [frame, id] : std::map<std::uint32_t, std::string>(frames)) s.forgetPiece(inbox, id);
      results.push_back(std::move(rejected));
      continue;
    }
    std::size_t have = 0;
    for (std::uint32_t f = 0; f < needed; ++f) have += frames.count(f);
    if (have < needed) {
      wait("frames " + std::to_string(have) + " of " + std::to_string(needed) + " loaded");
      continue;
    }
    std::vector<std::pair<fs::path, PixelHeader>> framePieces;
    for (std::uint32_t f = 0; f < needed; ++f) {
      const auto& piece = s.pixels[frames[f]];
      framePieces.emplace_back(piece.bytes, piece.header);
    }
    const PixelHeader& header = framePieces.front().second;

    const auto file = [&](std::vector<dicom::TextAttribute> attributes, const dicom::FramePixelData& data,
                          const char* from, bool derived) {
      // Saved, the hospital's file takes the place of the derived one of the same image (if one was saved).
      return fileRebuilt(store, RebuiltFile{std::move(attributes), data, from, derived,
                                            derived ? std::string() : derivedSopInstanceUid(image)});
    };

    Pixels pixels;
    try {
      pixels = readPixels(framePieces);
    } catch (const std::exception& error) {
      RebuildResult rejected;
      rejected.outcome = RebuildOutcome::Rejected;
      rejected.reason = "cannot rebuild Hinacom " + imageName(image) + ": " + error.what();
      for (const auto& [frame, id] : std::map<std::uint32_t, std::string>(frames)) s.forgetPiece(inbox, id);
      results.push_back(std::move(rejected));
      continue;
    }

    // 1. The hospital's own file, from the tag list.
    if (tagList) {
      std::string problem;
      if ((facts.rows && *facts.rows != static_cast<long>(header.rows)) ||
          (facts.columns && *facts.columns != static_cast<long>(header.columns))) {
        problem = "the tag list says " + std::to_string(facts.columns.value_or(0)) + " x " +
                  std::to_string(facts.rows.value_or(0)) + ", the pixels are " + std::to_string(header.columns) +
                  " x " + std::to_string(header.rows);
      } else {
        auto attributes = tagList->attributes;
        if (pixels.lossy) attributes.push_back(dicom::TextAttribute{0x0028, 0x2110, "01"});
        try {
          RebuildResult filed = file(attributes, pixels.data, "hinacom-tags", false);
          // The derived file of this image, if one was filed before the tag list came, is superseded.
          if (!filed.info.supersedes.empty()) store.removeDerived(filed.info.supersedes);
          for (const auto& [frame, id] : std::map<std::uint32_t, std::string>(frames)) s.forgetPiece(inbox, id);
          results.push_back(std::move(filed));
          continue;
        } catch (const dicom::DicomJsonError& error) {
          problem = error.what();
        }
      }
      tagProblem = "its tag list cannot be used (" + problem + ")";
    }

    // 2. From the pixels and the image set, with derived identifiers. Its pixel pieces stay: a tag list that comes
    // later makes the hospital's file of them.
    if (placed == s.placeByImage.end()) {
      wait(tagProblem.empty() ? "its pixels were loaded, but not the study's image list (GetImageSet): open the study "
                                "again from its list"
                              : tagProblem + ", and the study's image list (GetImageSet) was not loaded");
      continue;
    }
    try {
      RebuildResult filed = file(derivedAttributes(image, s, header, pixels), pixels.data, "hinacom-pixels", true);
      filed.reason += std::string(filed.reason.empty() ? "" : "; ") + "identifiers derived: " +
                      (tagProblem.empty() ? std::string("the site's tag list for it was not loaded") : tagProblem);
      results.push_back(std::move(filed));
    } catch (const dicom::DicomJsonError& error) {
      RebuildResult rejected;
      rejected.outcome = RebuildOutcome::Rejected;
      rejected.reason = "cannot rebuild Hinacom " + imageName(image) + ": " + error.what();
      results.push_back(std::move(rejected));
    }
  }
  for (const auto& [key, result] : s.waiting) results.push_back(result);
  return results;
}

}  // namespace cloudfilm::vendor
