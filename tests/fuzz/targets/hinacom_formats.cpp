// Hinacom's (海纳医信) answers as the vendor layer reads them (vendor/hinacom_formats.h): the pixel and JSON URL
// parsers, the X-ImageFrame header, a GetImageDicomTags tag list and a GetImageSet image set; then the recognizer
// (vendor::Hinacom::recognize, pure) on the same URL, header and first bytes, and the UIDs derived from the ids
// (vendor/derived_uid.h).
// Input: a flags byte, the URL up to '\n', the X-ImageFrame header up to '\n', then the body (the JSON answer, or the
// pixels, whose first bytes the recognizer sees). Flags: bits 0-1 the tag list's and image set's limits (small ones
// reach the refusals), bit 2 no X-ImageFrame header at all, bits 3-4 the body size the recognizer is told (the body's,
// the header's frame size, one more, or over the JSON limit).
#include <map>
#include <stdexcept>
#include <string>

#include "body/recognize.h"
#include "fuzz_support.h"
#include "vendor/derived_uid.h"
#include "vendor/hinacom.h"
#include "vendor/hinacom_formats.h"

namespace {

// What every parsed id must be (isId in hinacom_formats.cpp): a key part is never empty and never holds '|'.
void checkId(const std::string& id) {
  if (id.empty() || id.size() > 256 || id.find('|') != std::string::npos) __builtin_trap();
}

// A derived UID: "2.25." and a decimal number without a leading zero, at most 44 characters (derived_uid.h).
void checkDerivedUid(const std::string& uid) {
  if (uid.size() < 6 || uid.size() > 44 || uid.compare(0, 5, "2.25.") != 0) __builtin_trap();
  if (uid[5] == '0' && uid.size() > 6) __builtin_trap();
  if (uid.find_first_not_of("0123456789", 5) != std::string::npos) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cloudfilm;
  using namespace cloudfilm::vendor;
  if (size < 1) return 0;
  const std::uint8_t flags = data[0];
  std::string_view rest = fuzz::asView(data + 1, size - 1);
  const auto firstNewline = rest.find('\n');
  const std::string_view url = rest.substr(0, firstNewline);
  rest = firstNewline == std::string_view::npos ? std::string_view() : rest.substr(firstNewline + 1);
  const auto secondNewline = rest.find('\n');
  const std::string_view headerText = rest.substr(0, secondNewline);
  const std::string_view body = secondNewline == std::string_view::npos ? std::string_view()
                                                                        : rest.substr(secondNewline + 1);

  if (const auto pixel = hinacom::parsePixelUrl(url)) {
    checkId(pixel->image.studyId);
    checkId(pixel->image.imageId);
    if (pixel->frame > 1000000 || pixel->level > 1000000) __builtin_trap();
    checkDerivedUid(Hinacom::derivedSopInstanceUid(pixel->image));
  }
  if (const auto json = hinacom::parseJsonUrl(url)) {
    checkId(json->ref.studyId);
    if (json->endpoint == hinacom::JsonEndpoint::ImageDicomTags) checkId(json->ref.imageId);
    if (json->accessionNumber.size() > 16) __builtin_trap();
    checkDerivedUid(derivedUid(json->ref.key()));
  }

  std::optional<hinacom::PixelHeader> header;
  try {
    header = hinacom::parsePixelHeader(headerText);
    if (header->rows < 1 || header->rows > 65535 || header->columns < 1 || header->columns > 65535 ||
        (header->bitsAllocated != 8 && header->bitsAllocated != 16) || header->bitsStored < 1 ||
        header->bitsStored > header->bitsAllocated || (header->samplesPerPixel != 1 && header->samplesPerPixel != 3))
      __builtin_trap();
    if (header->frameBytes() > std::uint64_t{65535} * 65535 * 3 * 2) __builtin_trap();
  } catch (const std::invalid_argument&) {
  }

  static constexpr std::size_t kLimits[] = {20000, 0, 1, 3};
  const std::size_t limit = kLimits[flags & 3];
  try {
    const auto list = hinacom::parseTagList(body, limit);
    if (list.attributes.size() + list.malformed > limit) __builtin_trap();
  } catch (const std::invalid_argument&) {
  }
  try {
    const auto set = hinacom::parseImageSet(body, limit == 20000 ? 100000 : limit);
    if (set.studyDate.size() != 0 && set.studyDate.size() != 8) __builtin_trap();
    for (const auto& image : set.images) {
      checkId(image.imageId);
      if (!image.studyId.empty()) checkId(image.studyId);
      if (image.displaySet >= set.displaySets.size() || image.instanceNumber < 1 || image.frames < 1 ||
          image.frames > 10000)
        __builtin_trap();
    }
  } catch (const std::invalid_argument&) {
  }

  // The recognizer: pure, so one instance serves every input; it must never throw.
  static const Hinacom recognizer;
  std::map<std::string, std::string> headers{{"content-type", "application/octet-stream"}};
  if (!(flags & 4)) headers.emplace("x-imageframe", std::string(headerText));
  std::uint64_t bodySize = body.size();
  switch ((flags >> 3) & 3) {
    case 1: bodySize = header ? header->frameBytes() : body.size(); break;
    case 2: bodySize = header ? header->frameBytes() + 1 : body.size() + 1; break;
    case 3: bodySize = (16ull << 20) + 1; break;
    default: break;
  }
  BodyView view;
  view.url = url;
  view.contentType = "application/octet-stream";
  view.headers = &headers;
  view.head = body.substr(0, body::kRecognitionHeadBytes);
  view.size = bodySize;
  const Recognition recognition = recognizer.recognize(view);
  if (recognition.verdict == Verdict::Piece && recognition.kind.rfind("hinacom-", 0) != 0) __builtin_trap();
  if ((recognition.verdict == Verdict::Preview || recognition.verdict == Verdict::Refused) && recognition.reason.empty())
    __builtin_trap();
  return 0;
}
