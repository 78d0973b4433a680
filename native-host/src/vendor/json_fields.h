#pragma once
// Reading a field of a vendor's JSON the way every vendor parser needs it, bounded and without trust: numbers given as
// numbers or as text, DICOM-style multi-values ("a\b"), UIDs, names cut on a character boundary.
#include <array>
#include <cstddef>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace cloudfilm::vendor::json_fields {

using Json = nlohmann::json;

// A DICOM UID: 1-64 characters of digits and dots, no empty component, no leading zero.
bool isValidUid(const std::string& text);
// At most `maxBytes` of UTF-8 text, cut before a character, never inside one.
std::string cutUtf8(std::string text, std::size_t maxBytes);
// A finite number (|x| <= 1e12) given as a JSON number or as text; an array stands for its first value.
std::optional<double> numberValue(const Json& value);
std::optional<double> number(const Json& object, const char* key);
// A whole number within a 32-bit int.
std::optional<long> integer(const Json& object, const char* key);
// N numbers, given as a JSON array or as DICOM text joined with '\' ("0.5\0.5").
template <std::size_t N>
std::optional<std::array<double, N>> numbers(const Json& object, const char* key);
// A string field (or an integer, as text), cut to `maxBytes`; empty when absent or of another type.
std::string text(const Json& object, const char* key, std::size_t maxBytes = 1024);
// A UID field: empty unless valid (trailing spaces and NULs, DICOM padding, dropped first).
std::string uid(const Json& object, const char* key);
// YYYYMMDD from "20260302", "2026-03-02" or "2026-03-02 10:11:12"; empty otherwise.
std::string dateText(const std::string& value);

extern template std::optional<std::array<double, 2>> numbers<2>(const Json&, const char*);
extern template std::optional<std::array<double, 3>> numbers<3>(const Json&, const char*);
extern template std::optional<std::array<double, 6>> numbers<6>(const Json&, const char*);

}  // namespace cloudfilm::vendor::json_fields
