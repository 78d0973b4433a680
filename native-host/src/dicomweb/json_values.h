#pragma once
// Reading single values out of DICOM JSON objects (PS3.18 Annex F) without trusting their shape: every helper answers
// "absent" for a missing attribute, an empty Value or a value of the wrong JSON type.
#include <charconv>
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace cloudfilm::dicomweb {

// The first value of an attribute of a DICOM JSON instance, as text ("" when absent).
inline std::string firstString(const nlohmann::json& instance, const char* key) {
  auto it = instance.find(key);
  if (it == instance.end() || !it->is_object()) return {};
  auto value = it->find("Value");
  if (value == it->end() || !value->is_array() || value->empty()) return {};
  const nlohmann::json& first = (*value)[0];
  if (first.is_string()) return first.get<std::string>();
  if (first.is_number_integer()) return std::to_string(first.get<std::int64_t>());
  return {};
}

// A person name's first value as DICOM PN text (Alphabetic=Ideographic=Phonetic, trailing empty groups dropped).
inline std::string firstPersonName(const nlohmann::json& instance, const char* key) {
  auto it = instance.find(key);
  if (it == instance.end() || !it->is_object()) return {};
  auto value = it->find("Value");
  if (value == it->end() || !value->is_array() || value->empty() || !(*value)[0].is_object()) return {};
  std::string name;
  for (const char* group : {"Alphabetic", "Ideographic", "Phonetic"}) {
    auto part = (*value)[0].find(group);
    if (group[0] != 'A') name += '=';
    if (part != (*value)[0].end() && part->is_string()) name += part->get<std::string>();
  }
  while (!name.empty() && name.back() == '=') name.pop_back();
  return name;
}

// The first value as a number (IS, US, UL ... arrive as JSON numbers or as strings with padding); nothing when absent,
// blank or not a number of type T.
template <typename T>
std::optional<T> firstNumber(const nlohmann::json& instance, const char* key) {
  const std::string text = firstString(instance, key);
  const auto begin = text.find_first_not_of(' ');
  if (begin == std::string::npos) return std::nullopt;
  T value = 0;
  const auto result = std::from_chars(text.data() + begin, text.data() + text.size(), value);
  if (result.ec != std::errc()) return std::nullopt;
  return value;
}

}  // namespace cloudfilm::dicomweb
