#pragma once
// Hinacom (海纳医信), the largest cloud-film vendor in China: its viewer never sends a DICOM file. It fetches each
// image's pixels (raw, or a JPEG 2000 file) with the geometry in an X-ImageFrame header, the study's structure
// (GetImageSet) and, perhaps, each image's tag list (GetImageDicomTags). The formats: hinacom_formats.h.
//
// An image whose tag list was seen is rebuilt as the hospital's file: every listed attribute (VR from the DICOM
// dictionary) and the pixels; rebuiltFrom "hinacom-tags". An image whose tag list was not seen is still rebuilt, from
// the pixel header and the image set, with identifiers derived from the site and the vendor's ids (vendor/
// derived_uid.h) and said to be derived in the file; rebuiltFrom "hinacom-pixels". When the tag list comes later, the
// hospital's file replaces the derived one. Pixels are never re-encoded: raw pixels become Explicit VR Little Endian,
// a JPEG 2000 codestream is encapsulated as it came (.90 for the reversible wavelet, .91 for the irreversible one).
// A reduced-resolution answer is a preview: recognised, never filed.
#include <map>
#include <memory>
#include <set>
#include <string>

#include "vendor/hinacom_formats.h"
#include "vendor/vendor_format.h"

namespace cloudfilm::vendor {

class Hinacom final : public VendorFormat {
 public:
  Hinacom();
  ~Hinacom() override;
  std::string_view name() const override { return "hinacom"; }
  Recognition recognize(const BodyView& body) const override;
  std::vector<RebuildResult> rebuild(store::PieceInbox& inbox, store::Store& store) override;
  std::size_t waitingPieces() const override;

  // The SOP Instance UID a derived file of this image gets (the same image always gets the same one).
  static std::string derivedSopInstanceUid(const hinacom::ImageRef& image);

  struct State;  // the pieces read so far, indexed by image (hinacom.cpp)

 private:
  std::unique_ptr<State> state_;
};

}  // namespace cloudfilm::vendor
