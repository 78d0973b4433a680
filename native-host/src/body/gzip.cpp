#include "body/gzip.h"

#include <zlib.h>

#include <algorithm>

namespace cloudfilm::body {

bool looksLikeGzip(std::string_view bytes) {
  return bytes.size() >= 3 && static_cast<unsigned char>(bytes[0]) == 0x1F &&
         static_cast<unsigned char>(bytes[1]) == 0x8B && bytes[2] == 8;
}

std::optional<std::string> gunzip(std::string_view bytes, std::uint64_t maxBytes, GunzipStop stop,
                                  std::string* problem) {
  const auto refuse = [&](const std::string& why) -> std::optional<std::string> {
    if (problem) *problem = why;
    return std::nullopt;
  };
  if (!looksLikeGzip(bytes)) return refuse("not gzip data");
  z_stream stream{};
  if (inflateInit2(&stream, 16 + MAX_WBITS) != Z_OK) return refuse("cannot start inflating");
  std::string out;
  char block[16384];
  int status = Z_OK;
  std::string_view rest = bytes;
  while (status != Z_STREAM_END) {
    if (stream.avail_in == 0 && !rest.empty()) {
      const auto take = static_cast<uInt>(std::min<std::size_t>(rest.size(), 1u << 30));
      stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(rest.data()));
      stream.avail_in = take;
      rest.remove_prefix(take);
    }
    stream.next_out = reinterpret_cast<Bytef*>(block);
    stream.avail_out = sizeof block;
    status = inflate(&stream, Z_NO_FLUSH);
    const std::size_t got = sizeof block - stream.avail_out;
    if (status != Z_OK && status != Z_STREAM_END && !(status == Z_BUF_ERROR && got > 0)) {
      inflateEnd(&stream);
      if (stop == GunzipStop::Prefix && status == Z_BUF_ERROR) return out;  // the head ends mid-member
      return refuse(status == Z_BUF_ERROR ? "the gzip data is cut short" : "the gzip data is damaged");
    }
    if (out.size() + got > maxBytes) {
      if (stop == GunzipStop::Prefix) {
        out.append(block, static_cast<std::size_t>(maxBytes - out.size()));
        inflateEnd(&stream);
        return out;
      }
      inflateEnd(&stream);
      return refuse("inflates to more than " + std::to_string(maxBytes >> 20) + " MiB");
    }
    out.append(block, got);
  }
  inflateEnd(&stream);
  return out;
}

}  // namespace cloudfilm::body
