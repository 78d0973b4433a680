#pragma once
// UIDs for images whose site never sent theirs (a vendor viewer's pixels without its tag list): made from what names
// the image on that site, so the same image always gets the same UID, and two sites never share one.
#include <string>
#include <string_view>

namespace cloudfilm::vendor {

// "2.25." and the decimal value of a name-based UUID (RFC 9562 version 8: the first 128 bits of SHA-256 of `name`,
// with the version and variant bits set), as PS3.5 B.2 allows for UUID-derived UIDs. At most 44 characters.
std::string derivedUid(std::string_view name);

}  // namespace cloudfilm::vendor
