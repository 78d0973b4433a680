#include "vendor/eunity.h"

#include "util/ascii.h"

namespace cloudfilm::vendor {

Recognition EUnity::recognize(const BodyView& body) const {
  std::string_view type = body.contentType.substr(0, body.contentType.find(';'));
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  const bool byType = equalsIgnoreAsciiCase(type, "application/clowrapper") ||
                      equalsIgnoreAsciiCase(type, "application/clopixel");
  const bool byMagic = body.head.substr(0, 12) == "CLOHEADERZ01" || body.head.substr(0, 9) == "CLOCLHAAR";
  Recognition recognition;
  if (byType || byMagic) {
    recognition.verdict = Verdict::Refused;
    recognition.reason = "eUnity's own image format (CLO), which CloudFilm cannot keep yet: this site's images "
                         "cannot be saved as DICOM";
  }
  return recognition;
}

}  // namespace cloudfilm::vendor
