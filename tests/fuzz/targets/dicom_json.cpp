// The DICOM JSON reader (dicom/dicom_json.h): an instance's metadata, as a DICOMweb viewer fetches it, written as a
// Part-10 file (bulk data resolved to a few fixed bytes), then inspected as the rebuild does; and the DICOMweb URL
// helpers the rebuild uses (dicomweb/reconstructor.h) on the instance's strings.
#include <nlohmann/json.hpp>

#include "dicom/dicom_file.h"
#include "dicom/dicom_json.h"
#include "dicomweb/reconstructor.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (auto problem = cloudfilm::dicom::initialize()) return 1;
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cloudfilm;
  const std::string_view text = fuzz::asView(data, size);
  (void)dicomweb::parseInstancePath(text);
  (void)dicomweb::parseFrameList(text.substr(0, 64));
  (void)dicomweb::frameTransferSyntax(text.substr(0, 128));

  nlohmann::json document = nlohmann::json::parse(text, nullptr, false);
  if (document.is_discarded()) return 0;
  const nlohmann::json& instance = document.is_array() && !document.empty() ? document[0] : document;
  if (!instance.is_object()) return 0;
  const dicom::BulkDataResolver resolve = [](const std::string& uri) -> std::optional<std::string> {
    if (uri.empty() || uri.size() % 2) return std::nullopt;
    return std::string(16, '\x5a');
  };
  std::optional<dicom::FramePixelData> pixels;
  if (size % 3 == 0) pixels = dicom::FramePixelData{"1.2.840.10008.1.2.1", {std::string(64, '\0')}};
  const auto target = fuzz::tempDir() / "rebuilt.dcm";
  try {
    (void)dicom::writeInstanceFromJson(instance, resolve, pixels, target);
    (void)dicom::inspectFile(target, dicom::Framing::Part10);
  } catch (const dicom::DicomJsonError&) {
  }
  std::error_code ec;
  std::filesystem::remove(target, ec);
  return 0;
}
