#pragma once
// The one question the store asks of a file it finds on disk (reconciliation): is it a Part-10 file a viewer could
// use, and which instance is it. A plain function, so the store takes it as a parameter and needs no DCMTK.
#include <filesystem>
#include <optional>

#include "dicom/instance_info.h"

namespace cloudfilm::dicom {

// inspectFile(file, Framing::Part10)'s instance when usable; nothing otherwise.
std::optional<InstanceInfo> usablePart10Instance(const std::filesystem::path& file);

}  // namespace cloudfilm::dicom
