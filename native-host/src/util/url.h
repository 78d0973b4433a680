#pragma once
// Pieces of a URL, for recognizers that decide by a URL's shape (DICOMweb paths, vendor viewers' endpoints). Pure;
// lenient: a URL from a page may be anything, and every answer is a best reading, never an exception.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cloudfilm {

// %XX decoded (a malformed escape stays as it is).
std::string percentDecode(std::string_view text);
// The URL without scheme, host and fragment ("/dicom-web/studies/..."), percent-decoded; the query is kept.
std::string urlPath(std::string_view url);
// A URL path's non-empty segments ("/a//b/" -> {"a", "b"}).
std::vector<std::string> pathSegments(const std::string& path);
// The value of the first query parameter called `name` (compared without case), percent-decoded ('+' is a space);
// nothing when absent.
std::optional<std::string> urlQueryValue(std::string_view url, std::string_view name);
// "scheme://host:port" in lower case ("" when the URL has none): which site a URL belongs to.
std::string urlSite(std::string_view url);

}  // namespace cloudfilm
