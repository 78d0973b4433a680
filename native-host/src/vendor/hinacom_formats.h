#pragma once
// What Hinacom's (海纳医信) cloud-film viewer fetches, read into plain values. Pure: no I/O, no DCMTK. The shapes, as
// the open-source downloaders parse them (docs/vendors.md, which also says what CloudFilm makes of them):
//   pixels     GET .../imageservice/api/image/{dicom|j2k}/{studyId}/{imageId}/{frame}/{level}
//              header X-ImageFrame: the image's geometry as JSON; body raw little-endian pixels or a JPEG 2000 file
//   tag list   GET .../ImageViewer/GetImageDicomTags?studyId&imageId&frame  [{"tag":"0008,0016","value":"..."}, ...]
//   image set  GET .../ImageViewer/GetImageSet?studyId...  {patientName, studyDescription, displaySets:[{images}]}
// Every field comes from a web page: each parser bounds what it reads and says why it refuses.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dicom/text_attributes.h"

namespace cloudfilm::vendor::hinacom {

// The image an answer belongs to, on its site: the vendor's own ids, opaque text (not DICOM UIDs).
struct ImageRef {
  std::string site;  // "https://host:port"
  std::string studyId, imageId;
  std::string key() const { return site + "|" + studyId + "|" + imageId; }
};

struct PixelUrl {
  ImageRef image;
  std::uint32_t frame = 0;
  std::uint32_t level = 0;  // 0: full resolution
  bool j2k = false;         // asked for as JPEG 2000
};
std::optional<PixelUrl> parsePixelUrl(std::string_view url);

enum class JsonEndpoint { ImageDicomTags, ImageSet };
// For GetImageDicomTags: the image (studyId and imageId are required); for GetImageSet: the study (imageId empty).
struct JsonUrl {
  JsonEndpoint endpoint = JsonEndpoint::ImageSet;
  ImageRef ref;
  std::string accessionNumber;  // GetImageSet's, when the URL gives one
};
std::optional<JsonUrl> parseJsonUrl(std::string_view url);

// The X-ImageFrame header.
struct PixelHeader {
  std::uint32_t rows = 0, columns = 0;  // of the full image, whatever the level
  std::uint16_t bitsAllocated = 16, bitsStored = 16, samplesPerPixel = 1;
  bool isSigned = false;
  std::string photometric = "MONOCHROME2";
  std::optional<double> intercept, slope, windowCenter, windowWidth;
  std::optional<std::array<double, 3>> imagePosition;
  std::optional<std::array<double, 6>> orientation;  // row cosines, then column cosines
  std::optional<double> rowSpacing, columnSpacing, sliceThickness, sliceLocation;
  std::string frameOfReferenceUid;  // only when it is a valid UID
  std::string modality;             // only when it is a valid CS
  // Bytes of raw pixels for one full frame.
  std::uint64_t frameBytes() const {
    return std::uint64_t{rows} * columns * samplesPerPixel * (bitsAllocated / 8u);
  }
};
// Throws std::invalid_argument with a plain reason when the header is not JSON, or its size or encoding is not one
// CloudFilm can keep (rows and columns 1-65535, 8 or 16 bits allocated, 1 or 3 samples, a known photometric
// interpretation). Other fields are optional: a bad one is left out.
PixelHeader parsePixelHeader(std::string_view text);

// A GetImageDicomTags answer: the attributes it lists (entries whose tag is malformed are counted in `malformed`).
// An empty list means the site says the image is not DICOM. Throws std::invalid_argument when it is not a JSON array.
struct TagList {
  std::vector<dicom::TextAttribute> attributes;
  std::size_t malformed = 0;
};
TagList parseTagList(std::string_view json, std::size_t maxEntries = 20000);

// A GetImageSet answer.
struct ImagePlace {
  std::string studyId, imageId;
  std::size_t displaySet = 0;       // index into ImageSet::displaySets
  std::uint32_t instanceNumber = 0;  // the image's place in its display set, from 1
  std::uint32_t frames = 1;
};
struct DisplaySet {
  std::string description, modality;
  std::optional<long> seriesNumber;
};
struct ImageSet {
  std::string patientName, patientId, studyDescription, studyDate;  // studyDate as YYYYMMDD, or empty
  std::vector<DisplaySet> displaySets;
  std::vector<ImagePlace> images;
};
// Throws std::invalid_argument when it is not the JSON object of an image set. At most `maxImages` images are read.
ImageSet parseImageSet(std::string_view json, std::size_t maxImages = 100000);

}  // namespace cloudfilm::vendor::hinacom
