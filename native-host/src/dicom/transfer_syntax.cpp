#include "dicom/transfer_syntax.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcxfer.h>

#include <algorithm>
#include <array>
#include <string_view>

namespace cloudfilm::dicom {

bool isValidUid(const std::string& uid) {
  if (uid.empty() || uid.size() > 64) return false;
  if (uid.front() == '.' || uid.back() == '.') return false;
  char previous = '.';
  for (char c : uid) {
    if (c == '.') {
      if (previous == '.') return false;
    } else if (c < '0' || c > '9') {
      return false;
    }
    previous = c;
  }
  return true;
}

bool isLossyTransferSyntax(const std::string& uid) {
  static const std::array<std::string_view, 14> lossy = {
      "1.2.840.10008.1.2.4.50",  "1.2.840.10008.1.2.4.51",  "1.2.840.10008.1.2.4.52",
      "1.2.840.10008.1.2.4.53",  "1.2.840.10008.1.2.4.54",  "1.2.840.10008.1.2.4.55",
      "1.2.840.10008.1.2.4.81",  "1.2.840.10008.1.2.4.91",  "1.2.840.10008.1.2.4.93",
      "1.2.840.10008.1.2.4.100", "1.2.840.10008.1.2.4.101", "1.2.840.10008.1.2.4.102",
      "1.2.840.10008.1.2.4.103", "1.2.840.10008.1.2.4.203"};
  return std::find(lossy.begin(), lossy.end(), uid) != lossy.end();
}

std::string transferSyntaxName(const std::string& uid) {
  DcmXfer xfer(uid.c_str());
  if (xfer.getXfer() == EXS_Unknown) return uid;
  return xfer.getXferName();
}

}  // namespace cloudfilm::dicom
