#pragma once
// Human folder names for Patient / Study / Series, e.g. "王小明 (P123)" / "2026-03-02 CT 胸部平扫" /
// "002 CT 胸部平扫 5mm". Already sanitized: each is one safe path component.
#include <string>

#include "dicom/instance_info.h"

namespace cloudfilm::store {

std::string patientFolderName(const dicom::InstanceInfo& info);
std::string studyFolderName(const dicom::InstanceInfo& info);
std::string seriesFolderName(const dicom::InstanceInfo& info);

// A readable form of a DICOM person name: the ideographic group when there is one (what a Chinese patient
// recognises), components joined with a space, or without one for CJK names ("王^小明" -> "王小明").
std::string readablePersonName(const std::string& dicomPersonName);

// "name", "name (2)", "name (3)"...: the n-th variant used when another study or series already has the name.
std::string numberedVariant(const std::string& name, int n);

// Slice file name: 0001.dcm, or wider when a series has more than 9999 slices.
std::string sliceFileName(std::size_t index, std::size_t count);

}  // namespace cloudfilm::store
