// Body recognition (body/recognize.h), then what the host does with a body it takes for DICOM: the nesting pre-scan
// (dicom/nesting_scan.h) in the layout the first byte picks, and DCMTK's inspection (dicom::inspectFile) of the body
// written to a temporary file. Input: flags byte, a Content-Type line, then the body.
#include "body/content_type.h"
#include "body/recognize.h"
#include "dicom/dicom_file.h"
#include "dicom/nesting_scan.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (auto problem = cloudfilm::dicom::initialize()) return 1;
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cloudfilm;
  if (size < 2) return 0;
  const std::uint8_t flags = data[0];
  std::string_view rest = fuzz::asView(data + 1, size - 1);
  const auto newline = rest.find('\n');
  if (newline == std::string_view::npos || newline > 256) return 0;
  const auto contentType = body::parseContentType(rest.substr(0, newline));
  const std::string_view bytes = rest.substr(newline + 1);
  const auto recognition = body::recognizeBody(contentType, "https://pacs.example/wado?requestType=WADO",
                                               bytes.substr(0, body::kRecognitionHeadBytes), bytes.size());
  (void)body::bodyKindName(recognition.kind);

  fuzz::TempFile file(bytes, "body.dcm");
  dicom::DatasetLayout layout{static_cast<std::uint64_t>(flags >> 4) * 4, (flags & 1) != 0, (flags & 2) != 0,
                              (flags & 4) != 0};
  (void)dicom::scanDataset(file.path(), layout);

  if (recognition.kind == body::BodyKind::Part10 || recognition.kind == body::BodyKind::Dataset) {
    if (recognition.prefixBytes > bytes.size()) __builtin_trap();
    fuzz::TempFile kept(bytes.substr(recognition.prefixBytes), "kept.dcm");
    (void)dicom::inspectFile(kept.path(), recognition.kind == body::BodyKind::Part10 ? dicom::Framing::Part10
                                                                                    : dicom::Framing::DatasetOnly);
  }
  return 0;
}
