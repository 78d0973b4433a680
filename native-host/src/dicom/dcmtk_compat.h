#pragma once
// Where DCMTK 3.6.7 (Debian 12, the Linux host) and 3.6.9 (built from Debian 13's source for the Windows host)
// differ in name only. Private to dicom/.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcxfer.h>

namespace cloudfilm::dicom {

// Whether pixel data in this transfer syntax is encapsulated and compressed (the meaning of isEncapsulated(), which
// 3.6.9 deprecates in favour of the two questions it asks).
inline bool encapsulatedPixels(const DcmXfer& xfer) {
#if PACKAGE_VERSION_NUMBER >= 369
  return xfer.usesEncapsulatedFormat() && xfer.isPixelDataCompressed();
#else
  return xfer.isEncapsulated();
#endif
}

}  // namespace cloudfilm::dicom
