#include "store/layout.h"

#include <cstdio>
#include <vector>

#include "store/path_policy.h"

namespace cloudfilm::store {
namespace {

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::string current;
  for (char c : text) {
    if (c == separator) {
      parts.push_back(current);
      current.clear();
    } else {
      current.push_back(c);
    }
  }
  parts.push_back(current);
  return parts;
}

std::string trim(const std::string& text) {
  const auto first = text.find_first_not_of(' ');
  if (first == std::string::npos) return {};
  return text.substr(first, text.find_last_not_of(' ') - first + 1);
}

bool hasNonAscii(const std::string& text) {
  for (char c : text)
    if (static_cast<unsigned char>(c) >= 0x80) return true;
  return false;
}

std::string joinWords(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& word : words) {
    const std::string trimmed = trim(word);
    if (trimmed.empty()) continue;
    if (!out.empty()) out += ' ';
    out += trimmed;
  }
  return out;
}

// "20260302" (and the old "2026.03.02") -> "2026-03-02"; anything else is kept as it is.
std::string readableDate(std::string date) {
  if (date.size() == 10 && date[4] == '.' && date[7] == '.') date = date.substr(0, 4) + date.substr(5, 2) + date.substr(8, 2);
  if (date.size() == 8 && date.find_first_not_of("0123456789") == std::string::npos)
    return date.substr(0, 4) + "-" + date.substr(4, 2) + "-" + date.substr(6, 2);
  return date;
}

bool containsWord(const std::string& text, const std::string& word) {
  return !word.empty() && text.find(word) != std::string::npos;
}

}  // namespace

std::string readablePersonName(const std::string& dicomPersonName) {
  const auto groups = split(dicomPersonName.substr(0, dicomPersonName.find('\\')), '=');
  std::string chosen;
  for (std::size_t i = groups.size(); i-- > 0;) {  // prefer ideographic, then phonetic... then alphabetic
    if (i == 2) continue;                          // phonetic (kana) is not what people read as their name
    if (!trim(groups[i]).empty() && (i == 0 || hasNonAscii(groups[i]))) {
      chosen = groups[i];
      break;
    }
  }
  if (chosen.empty() && !groups.empty()) chosen = groups[0];
  auto components = split(chosen, '^');
  if (components.size() > 3) components.resize(3);  // family, given, middle; drop prefix/suffix
  if (hasNonAscii(chosen)) {
    std::string joined;
    for (const auto& component : components) joined += trim(component);
    return joined;
  }
  return joinWords(components);
}

std::string patientFolderName(const dicom::InstanceInfo& info) {
  std::string name = readablePersonName(info.patientName);
  const std::string id = trim(info.patientId);
  if (name.empty()) name = "Unknown patient";
  if (!id.empty()) name += " (" + id + ")";
  return sanitizeComponent(name, "Unknown patient");
}

std::string studyFolderName(const dicom::InstanceInfo& info) {
  std::vector<std::string> words;
  words.push_back(info.studyDate.empty() ? "Undated" : readableDate(info.studyDate));
  const std::string description = trim(info.studyDescription);
  if (!containsWord(description, info.modality)) words.push_back(info.modality);
  words.push_back(description.empty() ? "Study" : description);
  return sanitizeComponent(joinWords(words), "Study " + info.studyInstanceUid);
}

std::string seriesFolderName(const dicom::InstanceInfo& info) {
  std::vector<std::string> words;
  if (info.seriesNumber) {
    char number[24];
    std::snprintf(number, sizeof number, "%03ld", *info.seriesNumber);
    words.emplace_back(number);
  }
  words.push_back(info.modality);
  const std::string description = trim(info.seriesDescription);
  words.push_back(description.empty() ? "Series" : description);
  return sanitizeComponent(joinWords(words), "Series " + info.seriesInstanceUid);
}

std::string numberedVariant(const std::string& name, int n) {
  if (n <= 1) return name;
  const std::string suffix = " (" + std::to_string(n) + ")";
  return sanitizeComponent(sanitizeComponent(name, "x", kMaxComponentBytes - suffix.size()) + suffix, "x");
}

std::string sliceFileName(std::size_t index, std::size_t count) {
  const int width = count > 9999 ? static_cast<int>(std::to_string(count).size()) : 4;
  char name[48];
  std::snprintf(name, sizeof name, "%0*zu.dcm", width, index + 1);
  return name;
}

}  // namespace cloudfilm::store
