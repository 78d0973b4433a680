#include "vendor/json_fields.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string_view>

namespace cloudfilm::vendor::json_fields {
namespace {

std::optional<double> numberText(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  double out = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (text.empty() || error != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return out;
}

}  // namespace

bool isValidUid(const std::string& text) {
  if (text.empty() || text.size() > 64 || text.front() == '.' || text.back() == '.') return false;
  char previous = '.';
  for (char c : text) {
    if (c != '.' && (c < '0' || c > '9')) return false;
    if (c == '.' && previous == '.') return false;
    previous = c;
  }
  for (std::size_t start = 0; start < text.size();) {
    const std::size_t end = std::min(text.find('.', start), text.size());
    if (end - start > 1 && text[start] == '0') return false;
    start = end + 1;
  }
  return true;
}

std::string cutUtf8(std::string text, std::size_t maxBytes) {
  if (text.size() <= maxBytes) return text;
  std::size_t end = maxBytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  text.resize(end);
  return text;
}

std::optional<double> numberValue(const Json& given) {
  const Json* value = &given;
  if (value->is_array() && !value->empty()) value = &(*value)[0];
  std::optional<double> out;
  if (value->is_number()) out = value->get<double>();
  else if (value->is_string()) out = numberText(value->get_ref<const std::string&>());
  if (!out || !std::isfinite(*out) || std::fabs(*out) > 1e12) return std::nullopt;
  return out;
}

std::optional<double> number(const Json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end()) return std::nullopt;
  return numberValue(*it);
}

std::optional<long> integer(const Json& object, const char* key) {
  const auto value = number(object, key);
  if (!value || *value != std::floor(*value) || std::fabs(*value) > 2147483647.0) return std::nullopt;
  return static_cast<long>(*value);
}

template <std::size_t N>
std::optional<std::array<double, N>> numbers(const Json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end()) return std::nullopt;
  std::array<double, N> out{};
  if (it->is_array()) {
    if (it->size() != N) return std::nullopt;
    for (std::size_t i = 0; i < N; ++i) {
      // Read in place: copying a value nested thousands of arrays deep is recursive.
      const auto value = numberValue((*it)[i]);
      if (!value) return std::nullopt;
      out[i] = *value;
    }
    return out;
  }
  if (!it->is_string()) return std::nullopt;
  std::string_view rest = it->get_ref<const std::string&>();
  if (rest.size() > 1024) return std::nullopt;
  for (std::size_t i = 0; i < N; ++i) {
    const auto cut = rest.find('\\');
    if ((cut == std::string_view::npos) != (i + 1 == N)) return std::nullopt;  // exactly N values
    const auto value = numberText(rest.substr(0, cut));
    if (!value || !std::isfinite(*value) || std::fabs(*value) > 1e12) return std::nullopt;
    out[i] = *value;
    if (cut != std::string_view::npos) rest.remove_prefix(cut + 1);
  }
  return out;
}

template std::optional<std::array<double, 2>> numbers<2>(const Json&, const char*);
template std::optional<std::array<double, 3>> numbers<3>(const Json&, const char*);
template std::optional<std::array<double, 6>> numbers<6>(const Json&, const char*);

std::string text(const Json& object, const char* key, std::size_t maxBytes) {
  auto it = object.find(key);
  if (it == object.end()) return {};
  if (it->is_string()) return cutUtf8(it->get<std::string>(), maxBytes);
  if (it->is_number_integer()) return std::to_string(it->get<std::int64_t>());
  return {};
}

std::string uid(const Json& object, const char* key) {
  std::string value = text(object, key, 80);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\0')) value.pop_back();
  return isValidUid(value) ? value : std::string();
}

std::string dateText(const std::string& value) {
  std::string digits;
  for (char c : value) {
    if (c >= '0' && c <= '9') digits.push_back(c);
    else if (c == ' ' || c == 'T') break;
  }
  return digits.size() == 8 ? digits : std::string();
}

}  // namespace cloudfilm::vendor::json_fields
