#pragma once
#include <map>
#include <string>
#include <string_view>

namespace cloudfilm::body {

// A parsed Content-Type header (RFC 9110 media type): lower-cased type/subtype, parameters with lower-cased names
// and unquoted values, e.g. multipart/related; type="application/dicom"; boundary=abc.
struct ContentType {
  std::string mediaType;  // "multipart/related"; empty when the header is empty or unparseable
  std::map<std::string, std::string> parameters;  // "type" -> "application/dicom", "boundary" -> "abc"
  std::string parameter(const std::string& name) const;  // "" when absent
};

ContentType parseContentType(std::string_view header);

}  // namespace cloudfilm::body
