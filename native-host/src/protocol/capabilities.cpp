#include "protocol/capabilities.h"

namespace cloudfilm::protocol {
namespace {
constexpr const char* kHostCapabilities[] = {"part10", "multipart", "dicomweb-metadata", "frames", "save",
                                             "open-folder", "forget", "settings", "chunk-ack", "body-abort",
                                             "zip", "prefixed-part10", "dicomweb-search"};
}  // namespace

std::span<const char* const> hostCapabilities() { return kHostCapabilities; }

}  // namespace cloudfilm::protocol
