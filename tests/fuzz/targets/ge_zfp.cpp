// GE ZFP's WebSocket messages as the vendor layer reads them (vendor/ge_zfp_formats.h): the "CMDGETOBJ <uid>#<frame>"
// line, an object's JSON header, the study's description; the bounded gunzip of body/gzip.h (Whole and Prefix); then
// the recognizer (vendor::GeZfp::recognize, pure) on the body with the socket's context built from the input, and on
// the three messages of an object in a row (command line, header, pixels), each told the context the one before gave.
// Input: a flags byte, a token line up to '\n', a header line up to '\n', then the body. Flags: bits 0-1 the context
// the body is told (none, "command\n<token>", "header\n<token>\n<header>", or the latter said by another vendor),
// bit 2 an HTTP answer (no socket), bits 3-4 the body size the recognizer is told (the body's, the header's frame
// size, past the padding allowed, one more), bit 5 a small gunzip bound (64 bytes) instead of 1 MiB, bit 6 a small
// SOP limit for parseStudy.
#include <map>
#include <stdexcept>
#include <string>

#include "body/gzip.h"
#include "fuzz_support.h"
#include "vendor/ge_zfp.h"
#include "vendor/ge_zfp_formats.h"
#include "vendor/json_fields.h"

namespace {

using namespace cloudfilm;
using namespace cloudfilm::vendor;

constexpr std::uint64_t kMaxPadding = 64 * 1024;  // ge_zfp.cpp's

void checkToken(const gezfp::ObjectToken& token) {
  if (!json_fields::isValidUid(token.sopInstanceUid) || token.frame >= 10000) __builtin_trap();
}

void checkHeader(const gezfp::ObjectHeader& header) {
  if (header.rows < 1 || header.rows > 65535 || header.columns < 1 || header.columns > 65535 ||
      (header.bitsAllocated != 8 && header.bitsAllocated != 16) || header.bitsStored < 1 ||
      header.bitsStored > header.bitsAllocated || header.highBit != header.bitsStored - 1 ||
      (header.samplesPerPixel != 1 && header.samplesPerPixel != 3))
    __builtin_trap();
  if (header.frameBytes() != std::uint64_t{header.rows} * header.columns * header.samplesPerPixel *
                                  (header.bitsAllocated / 8u))
    __builtin_trap();
  if (!header.frameOfReferenceUid.empty() && !json_fields::isValidUid(header.frameOfReferenceUid)) __builtin_trap();
}

void checkStudy(std::string_view json, std::size_t maxSops) {
  try {
    const gezfp::Study study = gezfp::parseStudy(json, maxSops);
    if (!json_fields::isValidUid(study.studyInstanceUid)) __builtin_trap();
    if (!study.studyDate.empty() && study.studyDate.size() != 8) __builtin_trap();
    std::size_t sops = 0;
    for (const auto& series : study.series) {
      if (!json_fields::isValidUid(series.seriesInstanceUid)) __builtin_trap();
      for (const auto& sop : series.sops) {
        if (!json_fields::isValidUid(sop.sopInstanceUid) || !json_fields::isValidUid(sop.sopClassUid) ||
            sop.frames < 1 || sop.frames > 10000)
          __builtin_trap();
        ++sops;
      }
    }
    if (sops > maxSops) __builtin_trap();
  } catch (const std::invalid_argument&) {
  }
}

// What the ingestor shows a recognizer: a small body whole, a larger one by its first bytes.
std::string_view headOf(std::string_view body) {
  return body.size() <= kWholeBodyBytes ? body : body.substr(0, 512);
}

void checkRecognition(const Recognition& recognition, const BodyView& view) {
  if (recognition.verdict != Verdict::NotMine && view.streamKey.empty()) __builtin_trap();  // sockets only
  switch (recognition.verdict) {
    case Verdict::Piece:
      if (recognition.kind.rfind("ge-zfp-", 0) != 0) __builtin_trap();
      if (recognition.kind == "ge-zfp-pixels") {
        const auto token = recognition.facts.find("x-cloudfilm-zfp-object");
        const auto header = recognition.facts.find("x-cloudfilm-zfp-header");
        if (token == recognition.facts.end() || header == recognition.facts.end() || header->second.empty())
          __builtin_trap();
        // The pixels a header announces, with at most the padding allowed.
        const auto parsed = gezfp::parseObjectHeader(header->second);  // parsed once already: never throws here
        if (view.size < parsed.frameBytes() || view.size > parsed.frameBytes() + kMaxPadding) __builtin_trap();
      }
      break;
    case Verdict::Preview:
    case Verdict::Refused:
      if (recognition.reason.empty()) __builtin_trap();
      break;
    case Verdict::Context:
      if (recognition.context.rfind("command\n", 0) != 0 && recognition.context.rfind("header\n", 0) != 0)
        __builtin_trap();
      break;
    case Verdict::NotMine:
      break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::uint8_t flags = data[0];
  std::string_view rest = fuzz::asView(data + 1, size - 1);
  const auto firstNewline = rest.find('\n');
  const std::string_view tokenLine = rest.substr(0, firstNewline);
  rest = firstNewline == std::string_view::npos ? std::string_view() : rest.substr(firstNewline + 1);
  const auto secondNewline = rest.find('\n');
  const std::string_view headerText = rest.substr(0, secondNewline);
  const std::string_view body = secondNewline == std::string_view::npos ? std::string_view()
                                                                        : rest.substr(secondNewline + 1);

  // The command line, as given and as the body.
  const auto token = gezfp::parseCommandLine(tokenLine);
  if (token) checkToken(*token);
  if (const auto bodyToken = gezfp::parseCommandLine(body)) checkToken(*bodyToken);

  // The object header.
  std::optional<gezfp::ObjectHeader> header;
  gezfp::looksLikeObjectHeader(headerText);
  try {
    header = gezfp::parseObjectHeader(headerText);
    checkHeader(*header);
  } catch (const std::invalid_argument&) {
  }
  try {
    checkHeader(gezfp::parseObjectHeader(body));
  } catch (const std::invalid_argument&) {
  }

  // The study: the body as JSON, and inflated.
  const std::size_t maxSops = (flags & 0x40) ? 2 : 100000;
  if (gezfp::looksLikeStudy(body)) checkStudy(body, maxSops);
  const std::uint64_t bound = (flags & 0x20) ? 64 : (1u << 20);
  std::string problem;
  const auto whole = body::gunzip(body, bound, body::GunzipStop::Whole, &problem);
  if (whole) {
    if (whole->size() > bound) __builtin_trap();
    if (gezfp::looksLikeStudy(*whole)) checkStudy(*whole, maxSops);
  } else if (problem.empty()) {
    __builtin_trap();  // a refusal always says why
  }
  const auto prefix = body::gunzip(body, bound, body::GunzipStop::Prefix);
  if (prefix && prefix->size() > bound) __builtin_trap();
  if (whole && (!prefix || *prefix != *whole)) __builtin_trap();  // a whole member within the bound: the same bytes
  const auto head = body::gunzip(body.substr(0, 512), 4096, body::GunzipStop::Prefix);
  if (head && head->size() > 4096) __builtin_trap();

  // The recognizer: pure, so one instance serves every input; it must never throw.
  static const GeZfp recognizer;
  static const std::map<std::string, std::string> headers;
  StreamContext previous;
  previous.vendor = (flags & 3) == 3 ? "hinacom" : "ge-zfp";
  switch (flags & 3) {
    case 1: previous.text = "command\n" + std::string(tokenLine); break;
    case 2:
    case 3: previous.text = "header\n" + std::string(tokenLine) + "\n" + std::string(headerText); break;
    default: break;
  }
  std::uint64_t bodySize = body.size();
  switch ((flags >> 3) & 3) {
    case 1: bodySize = header ? header->frameBytes() : body.size(); break;
    case 2: bodySize = header ? header->frameBytes() + kMaxPadding + 1 : body.size(); break;
    case 3: bodySize = body.size() + 1; break;
    default: break;
  }
  BodyView view;
  view.url = "wss://zfp.example/socket";
  view.contentType = "";
  view.headers = &headers;
  view.head = headOf(body);
  view.size = bodySize;
  view.streamKey = (flags & 4) ? std::string_view() : std::string_view("1|wss://zfp.example/socket|1");
  view.previous = (flags & 3) ? &previous : nullptr;
  checkRecognition(recognizer.recognize(view), view);

  // An object's three messages in a row, each told what the one before said.
  BodyView message;
  message.url = view.url;
  message.headers = &headers;
  message.streamKey = "1|wss://zfp.example/socket|2";
  message.head = headOf(tokenLine);
  message.size = tokenLine.size();
  const Recognition command = recognizer.recognize(message);
  checkRecognition(command, message);
  if (command.verdict != Verdict::Context) return 0;
  if (!token) __builtin_trap();  // a command line is context only when it parses
  StreamContext afterCommand{"ge-zfp", command.context};
  message.head = headOf(headerText);
  message.size = headerText.size();
  message.previous = &afterCommand;
  const Recognition objectHeader = recognizer.recognize(message);
  checkRecognition(objectHeader, message);
  // A second command line starts another object (context "command\n..."): only a header's context goes on.
  if (objectHeader.verdict != Verdict::Context || objectHeader.context.rfind("header\n", 0) != 0) return 0;
  if (!header) __builtin_trap();  // a header is context only when it parses
  StreamContext afterHeader{"ge-zfp", objectHeader.context};
  message.head = headOf(body);
  message.size = bodySize;
  message.previous = &afterHeader;
  const Recognition pixels = recognizer.recognize(message);
  checkRecognition(pixels, message);
  if (pixels.verdict == Verdict::Piece) {
    const auto objectToken = gezfp::parseCommandLine("CMDGETOBJ " + pixels.facts.at("x-cloudfilm-zfp-object"));
    if (!objectToken || objectToken->sopInstanceUid != token->sopInstanceUid || objectToken->frame != token->frame)
      __builtin_trap();
  }
  return 0;
}
