#include "vendor/ge_zfp_formats.h"

#include <charconv>
#include <stdexcept>

#include "vendor/json_fields.h"

namespace cloudfilm::vendor::gezfp {
namespace {

using namespace json_fields;

constexpr std::string_view kCommand = "CMDGETOBJ ";
constexpr std::size_t kMaxHeaderBytes = 64 * 1024;
constexpr std::size_t kMaxNameBytes = 1024;

std::string_view skipSpace(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t' || text.front() == '\r' || text.front() == '\n'))
    text.remove_prefix(1);
  return text;
}

Json parseObject(std::string_view text, const char* what) {
  Json json;
  try {
    json = Json::parse(text);
  } catch (const Json::exception&) {
    throw std::invalid_argument(std::string(what) + " is not JSON");
  }
  if (!json.is_object()) throw std::invalid_argument(std::string(what) + " is not a JSON object");
  return json;
}

// A field that says how the pixels are encoded: absent takes `fallback`; given, a whole number, never guessed.
long encodingField(const Json& object, const char* key, long fallback) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return fallback;
  const auto value = integer(object, key);
  if (!value) throw std::invalid_argument(std::string("the object header's ") + key + " is not a whole number");
  return *value;
}

std::optional<long> positive(const Json& object, const char* key) {
  const auto value = integer(object, key);
  if (!value || *value < 0) return std::nullopt;
  return value;
}

}  // namespace

std::optional<ObjectToken> parseCommandLine(std::string_view line) {
  if (line.size() > 256 || line.substr(0, kCommand.size()) != kCommand) return std::nullopt;
  line.remove_prefix(kCommand.size());
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
  const auto hash = line.rfind('#');
  ObjectToken token;
  token.sopInstanceUid = std::string(line.substr(0, hash));
  if (!isValidUid(token.sopInstanceUid)) return std::nullopt;
  if (hash != std::string_view::npos) {
    const std::string_view frame = line.substr(hash + 1);
    const auto [end, error] = std::from_chars(frame.data(), frame.data() + frame.size(), token.frame);
    if (frame.empty() || error != std::errc{} || end != frame.data() + frame.size() || token.frame >= 10000)
      return std::nullopt;
  }
  return token;
}

bool looksLikeObjectHeader(std::string_view head) {
  head = skipSpace(head);
  if (head.empty() || head.front() != '{') return false;
  return head.find("\"Rows\"") != std::string_view::npos && head.find("\"Columns\"") != std::string_view::npos &&
         head.find("\"BitsAllocated\"") != std::string_view::npos;
}

ObjectHeader parseObjectHeader(std::string_view given) {
  if (given.size() > kMaxHeaderBytes) throw std::invalid_argument("the object header is longer than 64 KiB");
  const Json json = parseObject(given, "the object header");
  ObjectHeader header;
  const auto rows = integer(json, "Rows"), columns = integer(json, "Columns");
  if (!rows || !columns || *rows < 1 || *rows > 65535 || *columns < 1 || *columns > 65535)
    throw std::invalid_argument("the object header gives no usable Rows and Columns");
  header.rows = static_cast<std::uint32_t>(*rows);
  header.columns = static_cast<std::uint32_t>(*columns);
  const long bitsAllocated = encodingField(json, "BitsAllocated", 16);
  if (bitsAllocated != 8 && bitsAllocated != 16)
    throw std::invalid_argument("the object header gives " + std::to_string(bitsAllocated) +
                                " bits allocated; 8 or 16 are kept");
  header.bitsAllocated = static_cast<std::uint16_t>(bitsAllocated);
  const long bitsStored = encodingField(json, "BitsStored", bitsAllocated);
  if (bitsStored < 1 || bitsStored > bitsAllocated)
    throw std::invalid_argument("the object header's BitsStored do not fit its BitsAllocated");
  header.bitsStored = static_cast<std::uint16_t>(bitsStored);
  const long highBit = encodingField(json, "HighBit", bitsStored - 1);
  if (highBit != bitsStored - 1)  // what DICOM allows for the images kept here (PS3.5 8.1.1)
    throw std::invalid_argument("the object header's HighBit is not BitsStored - 1");
  header.highBit = static_cast<std::uint16_t>(highBit);
  const long samples = encodingField(json, "SamplesPerPixel", 1);
  if (samples != 1 && samples != 3)
    throw std::invalid_argument("the object header gives " + std::to_string(samples) + " samples per pixel");
  header.samplesPerPixel = static_cast<std::uint16_t>(samples);
  const long representation = encodingField(json, "PixelRepresentation", 0);
  if (representation != 0 && representation != 1)
    throw std::invalid_argument("the object header's PixelRepresentation is neither 0 nor 1");
  header.isSigned = representation == 1;
  std::string photometric = text(json, "PhotometricInterpretation", 32);
  while (!photometric.empty() && photometric.back() == ' ') photometric.pop_back();
  if (photometric.empty()) photometric = samples == 3 ? "RGB" : "MONOCHROME2";
  const bool color = photometric == "RGB" || photometric == "YBR_FULL";
  if (!(photometric == "MONOCHROME1" || photometric == "MONOCHROME2" || color) || color != (samples == 3))
    throw std::invalid_argument("the object header's photometric interpretation \"" + photometric.substr(0, 20) +
                                "\" does not fit its samples per pixel");
  header.photometric = photometric;
  header.slope = number(json, "RescaleSlope");
  header.intercept = number(json, "RescaleIntercept");
  header.windowCenter = number(json, "WindowCenter");
  header.windowWidth = number(json, "WindowWidth");
  header.sliceThickness = number(json, "SliceThickness");
  header.pixelSpacing = numbers<2>(json, "PixelSpacing");
  header.imagePosition = numbers<3>(json, "ImagePosition");
  header.imageOrientation = numbers<6>(json, "ImageOrientation");
  header.imageNumber = positive(json, "ImageNumber");
  header.frameOfReferenceUid = uid(json, "FrameOfReferenceUid");
  return header;
}

bool looksLikeStudy(std::string_view head) {
  head = skipSpace(head);
  return !head.empty() && head.front() == '{' && head.find("\"StudyInstanceUid\"") != std::string_view::npos;
}

Study parseStudy(std::string_view given, std::size_t maxSops) {
  const Json json = parseObject(given, "the study description");
  Study study;
  study.studyInstanceUid = uid(json, "StudyInstanceUid");
  if (study.studyInstanceUid.empty()) throw std::invalid_argument("the study description has no valid StudyInstanceUid");
  study.patientName = text(json, "PatientName", kMaxNameBytes);
  study.patientId = text(json, "PatientId", 64);
  study.studyDate = dateText(text(json, "StudyDate", 64));
  study.studyTime = text(json, "StudyTime", 16);
  study.description = text(json, "StudyDescription", kMaxNameBytes);
  study.accessionNumber = text(json, "AccessionNumber", 16);
  std::size_t sops = 0;
  auto list = json.find("Series");
  if (list == json.end() || !list->is_array()) return study;
  for (const Json& entry : *list) {
    if (!entry.is_object()) continue;
    Series series;
    series.seriesInstanceUid = uid(entry, "SeriesInstanceUid");
    if (series.seriesInstanceUid.empty()) continue;
    series.description = text(entry, "SeriesDescription", kMaxNameBytes);
    series.modality = text(entry, "Modality", 16);
    series.number = integer(entry, "SeriesNumber");
    if (auto items = entry.find("Sops"); items != entry.end() && items->is_array()) {
      for (const Json& item : *items) {
        if (!item.is_object() || sops >= maxSops) continue;
        Sop sop;
        sop.sopInstanceUid = uid(item, "SopInstanceUid");
        sop.sopClassUid = uid(item, "SopClassUid");
        if (sop.sopInstanceUid.empty() || sop.sopClassUid.empty()) continue;
        if (const auto frames = integer(item, "NumberOfFrames"); frames && *frames >= 1 && *frames <= 10000)
          sop.frames = static_cast<std::uint32_t>(*frames);
        sop.imageNumber = integer(item, "ImageNumber");
        series.sops.push_back(std::move(sop));
        ++sops;
      }
    }
    study.series.push_back(std::move(series));
  }
  return study;
}

}  // namespace cloudfilm::vendor::gezfp
