#include "vendor/rebuilt_file.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string_view>

#include "dicom/dicom_file.h"
#include "platform/platform.h"

namespace fs = std::filesystem;

namespace cloudfilm::vendor {

RebuildResult fileRebuilt(store::Store& store, const RebuiltFile& rebuilt) {
  static std::uint64_t counter = 0;  // with the process id, a work file name no other writer picks
  const fs::path candidate = store.workDir() / ("vendor-" + std::to_string(platform::currentProcessId()) + "-" +
                                                std::to_string(++counter) + ".dcm");
  const auto notes = dicom::writeInstanceFromText({rebuilt.attributes, rebuilt.pixels, rebuilt.rebuiltFrom}, candidate);
  auto inspection = dicom::inspectFile(candidate, dicom::Framing::Part10);
  if (!inspection.usable) {
    std::error_code ec;
    fs::remove(candidate, ec);
    throw dicom::DicomJsonError("the rebuilt file is not usable: " + inspection.reason);
  }
  inspection.info.rebuiltFrom = rebuilt.rebuiltFrom;
  inspection.info.derivedIdentifiers = rebuilt.derivedIdentifiers;
  if (rebuilt.supersedes != inspection.info.sopInstanceUid) inspection.info.supersedes = rebuilt.supersedes;
  const auto added = store.add(inspection.info, store::Origin::Rebuilt, candidate);
  RebuildResult result;
  result.outcome = RebuildOutcome::Filed;
  result.added = added.outcome;
  result.reason = added.reason;
  if (!notes.refused.empty())
    result.reason += std::string(result.reason.empty() ? "" : "; ") + std::to_string(notes.refused.size()) +
                     " attribute(s) left out, e.g. " + notes.refused.front();
  result.info = std::move(inspection.info);
  result.file = added.file;
  return result;
}

std::string readPieceBytes(const fs::path& path, std::uint64_t limit) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec) throw std::runtime_error("cannot read " + platform::utf8Of(path) + ": " + ec.message());
  if (size > limit) throw std::runtime_error("larger than " + std::to_string(limit >> 20) + " MiB");
  std::ifstream in(path, std::ios::binary);
  std::string bytes(static_cast<std::size_t>(size), '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(size));
  if (static_cast<std::uint64_t>(in.gcount()) != size) throw std::runtime_error("cannot read " + platform::utf8Of(path));
  return bytes;
}

std::string decimalText(double value) {
  char text[400];
  for (int decimals = 0; decimals <= 15; ++decimals) {
    if (std::snprintf(text, sizeof text, "%.*f", decimals, value) > 16) break;
    if (std::strtod(text, nullptr) == value) return text;
  }
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(text, sizeof text, "%.*g", precision, value);
    if (std::strtod(text, nullptr) == value) break;
  }
  for (int precision = 15; std::string_view(text).size() > 16 && precision >= 1; --precision)
    std::snprintf(text, sizeof text, "%.*g", precision, value);
  return text;
}

std::string decimalsText(const double* values, std::size_t count) {
  std::string out;
  for (std::size_t i = 0; i < count; ++i) {
    if (i) out += '\\';
    out += decimalText(values[i]);
  }
  return out;
}

}  // namespace cloudfilm::vendor
