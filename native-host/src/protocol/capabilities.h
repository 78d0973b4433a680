#pragma once
// The capabilities cloudfilm-host announces in hello-result, in the order it sends them. Each names a part of the
// protocol a host may lack (docs/protocol.md, "Capabilities"); a unit test checks this list against that table.
// Append only: the extension decides what to send from these names.
#include <span>

namespace cloudfilm::protocol {

std::span<const char* const> hostCapabilities();

}  // namespace cloudfilm::protocol
