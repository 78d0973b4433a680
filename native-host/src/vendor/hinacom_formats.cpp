#include "vendor/hinacom_formats.h"

#include <charconv>
#include <cmath>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "util/ascii.h"
#include "util/url.h"
#include "vendor/json_fields.h"

using Json = nlohmann::json;

namespace cloudfilm::vendor::hinacom {

using namespace json_fields;  // numbers as numbers or text, UIDs, names cut on a character

namespace {

constexpr std::size_t kMaxIdBytes = 256;     // a vendor id is a number or a short hash
constexpr std::size_t kMaxHeaderBytes = 64 * 1024;
constexpr std::size_t kMaxNameBytes = 1024;  // names from the image set

bool isId(const std::string& text) {
  if (text.empty() || text.size() > kMaxIdBytes || text == "." || text == "..") return false;  // names no image
  // Printable ASCII (a vendor id is a number or a hash): an id is shown in reasons that travel as JSON, so bytes that
  // may not be UTF-8 never get in. '|' separates the parts of a key.
  for (unsigned char c : text)
    if (c < 0x21 || c >= 0x7f || c == '|') return false;
  return true;
}

std::optional<std::uint32_t> smallNumber(const std::string& text) {
  std::uint32_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size() || value > 1000000) return std::nullopt;
  return value;
}

// The URL's path segments, each percent-decoded after the split: an encoded '/' or '?' stays inside its segment, as
// the server reads it (and as the extension's vendor table matches the raw path), never making another shape.
std::vector<std::string> decodedSegments(std::string_view url) {
  std::string_view rest = url.substr(0, url.find_first_of("?#"));
  if (auto scheme = rest.find("://"); scheme != std::string_view::npos && scheme < rest.find('/')) {
    rest = rest.substr(scheme + 3);
    const auto slash = rest.find('/');
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  }
  auto segments = pathSegments(std::string(rest));
  for (auto& segment : segments) segment = percentDecode(segment);
  return segments;
}

bool isCodeString(const std::string& text) {
  if (text.empty() || text.size() > 16) return false;
  for (char c : text)
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ' ' || c == '_')) return false;
  return true;
}

// A field that says how the pixels are encoded (bits, samples): absent or null takes `fallback`; given, it must be a
// whole number, never silently replaced by the default (the pixels would then be read wrongly).
long encodingField(const Json& object, const char* key, long fallback, const char* said) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return fallback;
  const auto value = integer(object, key);
  if (!value) throw std::invalid_argument(std::string("the X-ImageFrame header's ") + said + " is not a whole number");
  return *value;
}

// Any id field (a number or a string) as text.
std::string idText(const Json& object, const char* key) {
  std::string value = text(object, key);
  return isId(value) ? value : std::string();
}

}  // namespace

std::optional<PixelUrl> parsePixelUrl(std::string_view url) {
  const auto segments = decodedSegments(url);
  for (std::size_t k = 0; k + 8 <= segments.size(); ++k) {
    if (!equalsIgnoreAsciiCase(segments[k], "imageservice") || !equalsIgnoreAsciiCase(segments[k + 1], "api") ||
        !equalsIgnoreAsciiCase(segments[k + 2], "image"))
      continue;
    const std::string& format = segments[k + 3];
    if (!equalsIgnoreAsciiCase(format, "dicom") && !equalsIgnoreAsciiCase(format, "j2k")) return std::nullopt;
    PixelUrl parsed;
    parsed.j2k = equalsIgnoreAsciiCase(format, "j2k");
    parsed.image = ImageRef{urlSite(url), segments[k + 4], segments[k + 5]};
    const auto frame = smallNumber(segments[k + 6]);
    const auto level = smallNumber(segments[k + 7]);
    if (!isId(parsed.image.studyId) || !isId(parsed.image.imageId) || !frame || !level) return std::nullopt;
    parsed.frame = *frame;
    parsed.level = *level;
    return parsed;
  }
  return std::nullopt;
}

std::optional<JsonUrl> parseJsonUrl(std::string_view url) {
  const auto segments = decodedSegments(url);
  if (segments.empty()) return std::nullopt;
  JsonUrl parsed;
  if (equalsIgnoreAsciiCase(segments.back(), "GetImageDicomTags"))
    parsed.endpoint = JsonEndpoint::ImageDicomTags;
  else if (equalsIgnoreAsciiCase(segments.back(), "GetImageSet"))
    parsed.endpoint = JsonEndpoint::ImageSet;
  else
    return std::nullopt;
  parsed.ref.site = urlSite(url);
  parsed.ref.studyId = urlQueryValue(url, "studyId").value_or("");
  if (!isId(parsed.ref.studyId)) return std::nullopt;
  if (parsed.endpoint == JsonEndpoint::ImageDicomTags) {
    parsed.ref.imageId = urlQueryValue(url, "imageId").value_or("");
    if (!isId(parsed.ref.imageId)) return std::nullopt;
  } else {
    parsed.accessionNumber = cutUtf8(urlQueryValue(url, "accessionNumber").value_or(""), 16);
  }
  return parsed;
}

PixelHeader parsePixelHeader(std::string_view headerText) {
  if (headerText.size() > kMaxHeaderBytes) throw std::invalid_argument("the X-ImageFrame header is too long");
  Json json;
  try {
    json = Json::parse(headerText);
  } catch (const Json::exception&) {
    throw std::invalid_argument("the X-ImageFrame header is not JSON");
  }
  if (!json.is_object()) throw std::invalid_argument("the X-ImageFrame header is not a JSON object");
  PixelHeader header;
  const auto rows = integer(json, "rows"), columns = integer(json, "columns");
  if (!rows || !columns || *rows < 1 || *rows > 65535 || *columns < 1 || *columns > 65535)
    throw std::invalid_argument("the X-ImageFrame header gives no usable rows and columns");
  header.rows = static_cast<std::uint32_t>(*rows);
  header.columns = static_cast<std::uint32_t>(*columns);
  const long bitsAllocated = encodingField(json, "bitsAllocated", 16, "bits allocated");
  if (bitsAllocated != 8 && bitsAllocated != 16)
    throw std::invalid_argument("the X-ImageFrame header gives " + std::to_string(bitsAllocated) +
                                " bits allocated; 8 or 16 are kept");
  header.bitsAllocated = static_cast<std::uint16_t>(bitsAllocated);
  const long bitsStored = encodingField(json, "bitsStored", bitsAllocated, "bits stored");
  if (bitsStored < 1 || bitsStored > bitsAllocated)
    throw std::invalid_argument("the X-ImageFrame header's bits stored do not fit its bits allocated");
  header.bitsStored = static_cast<std::uint16_t>(bitsStored);
  const long samples = encodingField(json, "samplesPerPixel", 1, "samples per pixel");
  if (samples != 1 && samples != 3)
    throw std::invalid_argument("the X-ImageFrame header gives " + std::to_string(samples) + " samples per pixel");
  header.samplesPerPixel = static_cast<std::uint16_t>(samples);
  if (auto it = json.find("signed"); it != json.end() && !it->is_null()) {
    // true/false, 1/0, or the same as text: anything else would decide the sign of every pixel by guess.
    const std::string word = it->is_string() ? it->get<std::string>() : std::string();
    const auto flag = integer(json, "signed");
    if (it->is_boolean())
      header.isSigned = it->get<bool>();
    else if (word == "true" || word == "false")
      header.isSigned = word == "true";
    else if (flag && (*flag == 0 || *flag == 1))
      header.isSigned = *flag == 1;
    else
      throw std::invalid_argument("the X-ImageFrame header's signed is neither true nor false");
  }
  std::string photometric = text(json, "photometricInterpretation");
  if (photometric.empty()) photometric = samples == 3 ? "RGB" : "MONOCHROME2";
  static const char* const kKnown[] = {"MONOCHROME1", "MONOCHROME2", "RGB", "YBR_FULL", "PALETTE COLOR"};
  bool known = false;
  for (const char* name : kKnown) known = known || photometric == name;
  if (!known || (samples == 3) != (photometric == "RGB" || photometric == "YBR_FULL"))
    throw std::invalid_argument("the X-ImageFrame header's photometric interpretation \"" + photometric.substr(0, 20) +
                                "\" does not fit its samples per pixel");
  header.photometric = photometric;
  header.intercept = number(json, "intercept");
  header.slope = number(json, "slope");
  header.windowCenter = number(json, "windowCenter");
  header.windowWidth = number(json, "windowWidth");
  header.imagePosition = numbers<3>(json, "imagePosition");
  const auto rowCosines = numbers<3>(json, "rowCosines"), columnCosines = numbers<3>(json, "columnCosines");
  if (rowCosines && columnCosines)
    header.orientation = std::array<double, 6>{(*rowCosines)[0], (*rowCosines)[1], (*rowCosines)[2],
                                               (*columnCosines)[0], (*columnCosines)[1], (*columnCosines)[2]};
  header.rowSpacing = number(json, "rowPixelSpacing");
  header.columnSpacing = number(json, "columnPixelSpacing");
  header.sliceThickness = number(json, "sliceThickness");
  header.sliceLocation = number(json, "sliceLocation");
  if (std::string uid = text(json, "frameOfReferenceUID"); isValidUid(uid)) header.frameOfReferenceUid = uid;
  if (std::string modality = text(json, "modality"); isCodeString(modality)) header.modality = modality;
  return header;
}

TagList parseTagList(std::string_view jsonText, std::size_t maxEntries) {
  Json json;
  try {
    json = Json::parse(jsonText);
  } catch (const Json::exception&) {
    throw std::invalid_argument("the tag list is not JSON (or not UTF-8)");
  }
  if (!json.is_array()) throw std::invalid_argument("the tag list is not a JSON array");
  if (json.size() > maxEntries)
    throw std::invalid_argument("the tag list has " + std::to_string(json.size()) + " entries; at most " +
                                std::to_string(maxEntries) + " are read");
  TagList list;
  for (const auto& entry : json) {
    if (!entry.is_object()) {
      ++list.malformed;
      continue;
    }
    auto tag = entry.find("tag");
    std::optional<std::pair<std::uint16_t, std::uint16_t>> parsed;
    if (tag != entry.end() && tag->is_string()) parsed = dicom::parseTagText(tag->get_ref<const std::string&>());
    if (!parsed) {
      ++list.malformed;
      continue;
    }
    std::string value;
    if (auto it = entry.find("value"); it != entry.end()) {
      if (it->is_string()) value = it->get<std::string>();
      else if (it->is_number_integer()) value = std::to_string(it->get<std::int64_t>());
      else if (it->is_number_float()) value = it->dump();
      else if (!it->is_null()) {
        ++list.malformed;
        continue;
      }
    }
    list.attributes.push_back(dicom::TextAttribute{parsed->first, parsed->second, std::move(value)});
  }
  return list;
}

ImageSet parseImageSet(std::string_view jsonText, std::size_t maxImages) {
  Json json;
  try {
    json = Json::parse(jsonText);
  } catch (const Json::exception&) {
    throw std::invalid_argument("the image set is not JSON (or not UTF-8)");
  }
  if (!json.is_object()) throw std::invalid_argument("the image set is not a JSON object");
  auto sets = json.find("displaySets");
  if (sets == json.end() || !sets->is_array()) throw std::invalid_argument("the image set has no displaySets");
  ImageSet set;
  set.patientName = text(json, "patientName");
  set.patientId = cutUtf8(text(json, "patientId"), 64);
  set.studyDescription = cutUtf8(text(json, "studyDescription"), 64);
  set.studyDate = dateText(text(json, "studyDate"));
  for (const auto& displaySet : *sets) {
    if (!displaySet.is_object()) continue;
    DisplaySet described;
    described.description = cutUtf8(text(displaySet, "description"), 64);
    described.seriesNumber = integer(displaySet, "seriesNumber");
    if (std::string modality = text(displaySet, "modality"); isCodeString(modality)) described.modality = modality;
    const std::size_t index = set.displaySets.size();
    set.displaySets.push_back(std::move(described));
    auto images = displaySet.find("images");
    if (images == displaySet.end() || !images->is_array()) continue;
    std::uint32_t number = 0;
    for (const auto& image : *images) {
      if (set.images.size() >= maxImages) throw std::invalid_argument("the image set lists too many images");
      if (!image.is_object()) continue;
      ImagePlace place;
      place.studyId = idText(image, "studyId");
      place.imageId = idText(image, "imageId");
      if (place.imageId.empty()) continue;
      place.displaySet = index;
      place.instanceNumber = ++number;
      const long frames = integer(image, "nFrames").value_or(1);
      place.frames = frames >= 1 && frames <= 10000 ? static_cast<std::uint32_t>(frames) : 1;
      set.images.push_back(std::move(place));
    }
  }
  return set;
}

}  // namespace cloudfilm::vendor::hinacom
