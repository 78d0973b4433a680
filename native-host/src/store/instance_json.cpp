#include "store/instance_json.h"

namespace cloudfilm::dicom {
namespace {

template <typename T>
void putOptional(nlohmann::json& json, const char* key, const std::optional<T>& value) {
  if (value) json[key] = *value;
}

template <typename T>
void getOptional(const nlohmann::json& json, const char* key, std::optional<T>& value) {
  if (auto it = json.find(key); it != json.end() && !it->is_null()) value = it->get<T>();
}

template <typename T>
void getValue(const nlohmann::json& json, const char* key, T& value) {
  if (auto it = json.find(key); it != json.end() && !it->is_null()) value = it->get<T>();
}

}  // namespace

void to_json(nlohmann::json& json, const InstanceInfo& info) {
  json = nlohmann::json{{"sopInstanceUid", info.sopInstanceUid},
                        {"sopClassUid", info.sopClassUid},
                        {"studyInstanceUid", info.studyInstanceUid},
                        {"seriesInstanceUid", info.seriesInstanceUid},
                        {"transferSyntax", info.transferSyntaxUid},
                        {"patientName", info.patientName},
                        {"patientId", info.patientId},
                        {"studyDate", info.studyDate},
                        {"studyTime", info.studyTime},
                        {"studyDescription", info.studyDescription},
                        {"accessionNumber", info.accessionNumber},
                        {"modality", info.modality},
                        {"seriesDescription", info.seriesDescription},
                        {"bodyPartExamined", info.bodyPartExamined},
                        {"acquisitionTime", info.acquisitionTime},
                        {"rows", info.rows},
                        {"columns", info.columns},
                        {"numberOfFrames", info.numberOfFrames},
                        {"hasPixelData", info.hasPixelData},
                        {"encapsulated", info.encapsulatedPixelData},
                        {"lossy", info.lossyCompressed},
                        {"elements", info.datasetElementCount}};
  putOptional(json, "seriesNumber", info.seriesNumber);
  putOptional(json, "instanceNumber", info.instanceNumber);
  putOptional(json, "imagePositionPatient", info.imagePositionPatient);
  putOptional(json, "imageOrientationPatient", info.imageOrientationPatient);
  putOptional(json, "expectedSlices", info.expectedSlices);
  if (!info.attributesNotSent.empty()) json["attributesNotSent"] = info.attributesNotSent;
  if (!info.rebuiltFrom.empty()) json["rebuiltFrom"] = info.rebuiltFrom;
  if (info.derivedIdentifiers) json["derivedIdentifiers"] = true;
  if (!info.supersedes.empty()) json["supersedes"] = info.supersedes;
}

void from_json(const nlohmann::json& json, InstanceInfo& info) {
  info = InstanceInfo{};
  getValue(json, "sopInstanceUid", info.sopInstanceUid);
  getValue(json, "sopClassUid", info.sopClassUid);
  getValue(json, "studyInstanceUid", info.studyInstanceUid);
  getValue(json, "seriesInstanceUid", info.seriesInstanceUid);
  getValue(json, "transferSyntax", info.transferSyntaxUid);
  getValue(json, "patientName", info.patientName);
  getValue(json, "patientId", info.patientId);
  getValue(json, "studyDate", info.studyDate);
  getValue(json, "studyTime", info.studyTime);
  getValue(json, "studyDescription", info.studyDescription);
  getValue(json, "accessionNumber", info.accessionNumber);
  getValue(json, "modality", info.modality);
  getValue(json, "seriesDescription", info.seriesDescription);
  getValue(json, "bodyPartExamined", info.bodyPartExamined);
  getValue(json, "acquisitionTime", info.acquisitionTime);
  getValue(json, "rows", info.rows);
  getValue(json, "columns", info.columns);
  getValue(json, "numberOfFrames", info.numberOfFrames);
  getValue(json, "hasPixelData", info.hasPixelData);
  getValue(json, "encapsulated", info.encapsulatedPixelData);
  getValue(json, "lossy", info.lossyCompressed);
  getValue(json, "elements", info.datasetElementCount);
  getOptional(json, "seriesNumber", info.seriesNumber);
  getOptional(json, "instanceNumber", info.instanceNumber);
  getOptional(json, "imagePositionPatient", info.imagePositionPatient);
  getOptional(json, "imageOrientationPatient", info.imageOrientationPatient);
  getOptional(json, "expectedSlices", info.expectedSlices);
  getValue(json, "attributesNotSent", info.attributesNotSent);
  getValue(json, "rebuiltFrom", info.rebuiltFrom);
  getValue(json, "derivedIdentifiers", info.derivedIdentifiers);
  getValue(json, "supersedes", info.supersedes);
}

}  // namespace cloudfilm::dicom
