// The JPEG 2000 header reader (body/jpeg2000.h): a JP2 file or a bare codestream, read whole and from its first bytes
// only (as the Hinacom recognizer does with a body's head). The codestream it returns must lie inside the bytes given,
// and a whole read that succeeds must agree with a read of the same bytes' SIZ alone.
#include <string>

#include "body/jpeg2000.h"
#include "body/recognize.h"
#include "fuzz_support.h"

namespace {

void checkInside(std::string_view part, std::string_view whole) {
  if (part.empty()) return;
  if (part.data() < whole.data() || part.data() + part.size() > whole.data() + whole.size()) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cloudfilm;
  const std::string_view bytes = fuzz::asView(data, size);
  (void)body::looksLikeJpeg2000(bytes);

  std::string problem;
  const auto whole = body::readJpeg2000(bytes, &problem, body::Jpeg2000Read::Whole);
  if (!whole && problem.empty()) __builtin_trap();
  const auto sizeOnly = body::readJpeg2000(bytes, nullptr, body::Jpeg2000Read::SizeOnly);
  if (whole) {
    checkInside(whole->codestream, bytes);
    if (whole->width == 0 || whole->height == 0 || whole->components == 0 || whole->bitDepth == 0) __builtin_trap();
    if (!sizeOnly || sizeOnly->width != whole->width || sizeOnly->height != whole->height ||
        sizeOnly->components != whole->components || sizeOnly->jp2File != whole->jp2File)
      __builtin_trap();
  }
  if (sizeOnly) checkInside(sizeOnly->codestream, bytes);

  // The recognizer's view: the first bytes only, in a copy of their own (ASan sees a read past them).
  const std::string head(bytes.substr(0, body::kRecognitionHeadBytes));
  if (const auto facts = body::readJpeg2000(head, nullptr, body::Jpeg2000Read::SizeOnly)) checkInside(facts->codestream, head);
  return 0;
}
