#include "util/url.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "util/ascii.h"

namespace cloudfilm {

std::string percentDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      unsigned value = 0;
      std::from_chars(text.data() + i + 1, text.data() + i + 3, value, 16);
      out.push_back(static_cast<char>(value));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

std::string urlPath(std::string_view url) {
  std::string_view rest = url;
  if (auto fragment = rest.find('#'); fragment != std::string_view::npos) rest = rest.substr(0, fragment);
  if (auto scheme = rest.find("://"); scheme != std::string_view::npos && scheme < rest.find('/')) {
    rest = rest.substr(scheme + 3);
    const auto slash = rest.find('/');
    rest = slash == std::string_view::npos ? std::string_view("/") : rest.substr(slash);
  }
  return percentDecode(rest);
}

std::vector<std::string> pathSegments(const std::string& path) {
  std::vector<std::string> segments;
  std::size_t start = 0;
  while (start <= path.size()) {
    const auto end = std::min(path.find('/', start), path.size());
    if (end > start) segments.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return segments;
}

std::optional<std::string> urlQueryValue(std::string_view url, std::string_view name) {
  if (auto fragment = url.find('#'); fragment != std::string_view::npos) url = url.substr(0, fragment);
  const auto question = url.find('?');
  if (question == std::string_view::npos) return std::nullopt;
  std::string_view query = url.substr(question + 1);
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    const auto equals = pair.find('=');
    const std::string key = percentDecode(pair.substr(0, equals));
    if (!equalsIgnoreAsciiCase(key, name)) continue;
    if (equals == std::string_view::npos) return std::string();
    std::string value(pair.substr(equals + 1));
    std::replace(value.begin(), value.end(), '+', ' ');
    return percentDecode(value);
  }
  return std::nullopt;
}

std::string urlSite(std::string_view url) {
  const auto scheme = url.find("://");
  if (scheme == std::string_view::npos || url.substr(0, scheme).find_first_of("/?#") != std::string_view::npos) return {};
  const auto end = url.find_first_of("/?#", scheme + 3);
  return asciiLowercase(url.substr(0, end));
}

}  // namespace cloudfilm
