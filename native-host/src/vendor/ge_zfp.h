#pragma once
// GE's ZFP cloud-film viewer (ge_zfp_formats.h): the study's description and each image's header and raw pixels come
// over one WebSocket, never as a file. The header follows the "CMDGETOBJ <uid>#<frame>" line and the pixels follow
// the header, so the command and the header are remembered as the socket's context (Verdict::Context) and the pixel
// message is kept as a piece that carries both; the study's description is kept as a piece of its own. An image
// whose frames and study are both there is rebuilt with the study's real UIDs and SOP class.
#include <memory>

#include "vendor/vendor_format.h"

namespace cloudfilm::vendor {

class GeZfp final : public VendorFormat {
 public:
  GeZfp();
  ~GeZfp() override;
  std::string_view name() const override { return "ge-zfp"; }
  Recognition recognize(const BodyView& body) const override;
  std::vector<RebuildResult> rebuild(store::PieceInbox& inbox, store::Store& store) override;
  std::size_t waitingPieces() const override;

  struct State;

 private:
  std::unique_ptr<State> state_;
};

}  // namespace cloudfilm::vendor
