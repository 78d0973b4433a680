#pragma once
// eUnity (Client Outlook) viewers send images in their own "CLO" format (a wrapper with the image description, and
// Haar-wavelet pixel tiles): full-quality data, but no decoder exists outside the vendor's. Recognised so the person is
// told in plain words what this site sends, never silently dropped; nothing is kept.
#include "vendor/vendor_format.h"

namespace cloudfilm::vendor {

class EUnity final : public VendorFormat {
 public:
  std::string_view name() const override { return "eunity"; }
  Recognition recognize(const BodyView& body) const override;
  std::vector<RebuildResult> rebuild(store::PieceInbox&, store::Store&) override { return {}; }
  std::size_t waitingPieces() const override { return 0; }
};

}  // namespace cloudfilm::vendor
