#pragma once
#include <string>
#include <string_view>

namespace cloudfilm {

// Streaming base64 decoder (RFC 4648, standard alphabet). Input may arrive in pieces split anywhere;
// ASCII whitespace (\r \n \t space) is skipped. Padding is accepted only at the very end.
class Base64Decoder {
 public:
  // Appends the bytes decoded so far to `out`. Returns false (and stays failed) on a character outside the
  // alphabet or data after padding.
  bool feed(std::string_view text, std::string& out);
  // Ends the input: returns false if the leftover bits do not form a valid end (e.g. a single dangling char).
  bool finish(std::string& out);
  bool failed() const { return failed_; }

 private:
  unsigned accumulator_ = 0;
  int bits_ = 0;
  int quartetFill_ = 0;
  int padding_ = 0;
  bool failed_ = false;
};

// Whole-buffer convenience over Base64Decoder. Returns false on invalid input.
bool decodeBase64(std::string_view text, std::string& out);
std::string encodeBase64(std::string_view bytes);

}  // namespace cloudfilm
