#include "vendor/eunity.h"
#include "vendor/ge_zfp.h"
#include "vendor/hinacom.h"
#include "vendor/vendor_format.h"

namespace cloudfilm::vendor {

std::vector<std::unique_ptr<VendorFormat>> makeVendorFormats() {
  std::vector<std::unique_ptr<VendorFormat>> vendors;
  vendors.push_back(std::make_unique<Hinacom>());
  vendors.push_back(std::make_unique<GeZfp>());
  vendors.push_back(std::make_unique<EUnity>());
  return vendors;
}

}  // namespace cloudfilm::vendor
