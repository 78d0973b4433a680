#pragma once
// InstanceInfo <-> JSON, for the library index and for the native host's replies.
#include <nlohmann/json.hpp>

#include "dicom/instance_info.h"

namespace cloudfilm::dicom {
void to_json(nlohmann::json& json, const InstanceInfo& info);
void from_json(const nlohmann::json& json, InstanceInfo& info);
}  // namespace cloudfilm::dicom
