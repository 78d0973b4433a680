#include "ingest/import.h"

#include <algorithm>

#include "har/har_reader.h"
#include "platform/platform.h"
#include "util/ascii.h"
#include "util/base64.h"

namespace fs = std::filesystem;

namespace cloudfilm::ingest {

void importHar(const fs::path& har, Ingestor& ingestor, ImportReport& report) {
  std::string decoded;  // reused: memory is bounded by the largest body, not the HAR
  const auto onEntry = [&](har::HarEntry& entry) {
    if (!entry.hasText || entry.text.empty()) return;
    BodyMeta meta;
    meta.url = entry.url;
    meta.status = entry.status;
    meta.contentType = entry.mimeType;
    // The response header keeps the multipart boundary, which HAR writers often drop from mimeType.
    for (const auto& [name, value] : entry.responseHeaders) {
      if (equalsIgnoreAsciiCase(name, "content-type") && !value.empty()) meta.contentType = value;
      meta.headers[asciiLowercase(name)] = value;  // a vendor's image geometry travels in a header (X-ImageFrame)
    }
    std::string_view bytes = entry.text;
    if (entry.base64) {
      decoded.clear();
      if (!decodeBase64(entry.text, decoded)) {
        ObjectResult bad;
        bad.outcome = Outcome::Rejected;
        bad.reason = "the HAR's base64 body is corrupt";
        report.record(bad, entry.url);
        return;
      }
      bytes = decoded;
    }
    report.record(ingestor.ingestBody(meta, bytes), entry.url);
  };
  // Chromium keeps a socket's messages with its entry. Binary messages received are bodies like any other (with the
  // transport prefix rule, a Socket.IO message gives the file itself); text messages and what the page sent are not.
  const auto onMessage = [&](har::HarWebSocketMessage& message) {
    constexpr int kBinaryOpcode = 2;
    if (!message.received || message.opcode != kBinaryOpcode || message.data.empty()) return;
    const std::string source = message.url + " (WebSocket message " + std::to_string(message.index) + ")";
    decoded.clear();
    if (!decodeBase64(message.data, decoded)) {
      ObjectResult bad;
      bad.outcome = Outcome::Rejected;
      bad.reason = "the HAR's base64 WebSocket message is corrupt";
      report.record(bad, source);
      return;
    }
    BodyMeta meta;
    meta.url = message.url;  // a socket has no Content-Type: the bytes say what the message holds
    report.record(ingestor.ingestBody(meta, decoded), source);
  };
  const auto read = har::readHar(har, onEntry, onMessage);
  InputStatus status{platform::utf8Of(har), "", false};
  switch (read.stop) {
    case har::HarStop::Complete: break;
    case har::HarStop::Truncated:
      status.problem = read.message;
      status.partial = true;
      break;
    case har::HarStop::NotHar:
    case har::HarStop::ReadError: status.problem = read.message; break;
  }
  report.inputRead(status);
}

void importPath(const fs::path& input, Ingestor& ingestor, ImportReport& report, const fs::path& libraryRoot) {
  std::error_code ec;
  if (fs::is_regular_file(input, ec)) {
    report.record(ingestor.ingestExistingFile(input), platform::utf8Of(input));
    report.inputRead({platform::utf8Of(input), "", false});
    return;
  }
  if (!fs::is_directory(input, ec)) {
    report.inputRead({platform::utf8Of(input), ec ? ec.message() : "no such file or folder", false});
    return;
  }
  const fs::path library = fs::weakly_canonical(libraryRoot, ec);
  std::vector<fs::path> files;
  for (auto it = fs::recursive_directory_iterator(input, fs::directory_options::skip_permission_denied, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (it->is_directory() && fs::weakly_canonical(it->path(), ec) == library) {
      it.disable_recursion_pending();  // importing a folder that holds the library must not re-import it
      continue;
    }
    if (it->is_regular_file() && !it->is_symlink()) files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& file : files) report.record(ingestor.ingestExistingFile(file), platform::utf8Of(file));
  report.inputRead({platform::utf8Of(input), ec ? ec.message() : "", false});
}

}  // namespace cloudfilm::ingest
