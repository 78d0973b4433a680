#pragma once
// The protocol's error codes are the host's one error type (util/error.h): a failure keeps the code it was given
// where it happened, and the session sends that code. These names are the protocol layer's view of it.
#include "util/error.h"

namespace cloudfilm::protocol {

using cloudfilm::ErrorCode;
using cloudfilm::ErrorEntry;
using cloudfilm::errorName;
using cloudfilm::errorTable;
using ProtocolError = cloudfilm::Error;

}  // namespace cloudfilm::protocol
