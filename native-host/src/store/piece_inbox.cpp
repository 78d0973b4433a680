#include "store/piece_inbox.h"

#include <algorithm>
#include <fstream>
#include <tuple>
#include <nlohmann/json.hpp>

#include "platform/platform.h"
#include "util/error.h"

namespace fs = std::filesystem;

namespace cloudfilm::store {
namespace {

std::string readWhole(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::Internal, "cannot read " + platform::utf8Of(path));
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void writeWhole(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) {
    const int error = errno;
    std::error_code ec;
    fs::remove(path, ec);
    throw ioError("cannot write", platform::utf8Of(path), error);
  }
}

}  // namespace

PieceInbox::PieceInbox(fs::path folder) : folder_(std::move(folder)) {}

fs::path PieceInbox::keep(const PieceMeta& meta, const fs::path& file) {
  // The process id keeps two hosts (or a host and the command line) sharing a library from choosing the same name.
  const std::string id = meta.kind + "-" + std::to_string(platform::currentProcessId()) + "-" + std::to_string(++counter_);
  const fs::path target = folder_ / (id + ".bin");
  const fs::path description = folder_ / (id + ".json");
  std::error_code ec;
  try {
    writeWhole(fs::path(description).concat(".tmp"),
               nlohmann::json{{"url", meta.url}, {"contentType", meta.contentType}, {"status", meta.status},
                              {"part", meta.part}, {"bytes", meta.bytes}, {"kind", meta.kind}, {"headers", meta.headers}}
                   .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  } catch (...) {
    fs::remove(file, ec);
    throw;
  }
  fs::rename(fs::path(description).concat(".tmp"), description, ec);
  if (!ec) fs::rename(file, target, ec);
  if (ec) {
    const int error = ec.value();
    fs::remove(file, ec);
    fs::remove(fs::path(description).concat(".tmp"), ec);
    fs::remove(description, ec);
    throw ioError("cannot keep", platform::utf8Of(target), error);
  }
  return target;
}

std::vector<std::string> PieceInbox::ids() const {
  struct Found {
    fs::file_time_type kept;
    std::uint64_t counter;
    std::string id;
  };
  std::vector<Found> found;
  std::error_code ec;
  for (auto it = fs::directory_iterator(folder_, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    const fs::path& file = it->path();
    if (file.extension() != ".json") continue;
    const std::string id = platform::utf8Of(file.stem());
    std::error_code timeError;
    const auto kept = fs::last_write_time(folder_ / (id + ".bin"), timeError);
    if (timeError) continue;  // its bytes are still being written
    // The counter keep() ends each id with orders pieces kept within one second by one process.
    std::uint64_t counter = 0;
    const auto dash = id.rfind('-');
    if (dash != std::string::npos && id.size() - dash - 1 <= 18 &&
        id.find_first_not_of("0123456789", dash + 1) == std::string::npos)
      counter = std::stoull("0" + id.substr(dash + 1));
    found.push_back({kept, counter, id});
  }
  std::sort(found.begin(), found.end(), [](const Found& a, const Found& b) {
    return std::tie(a.kept, a.counter, a.id) < std::tie(b.kept, b.counter, b.id);
  });
  std::vector<std::string> ids;
  ids.reserve(found.size());
  for (auto& piece : found) ids.push_back(std::move(piece.id));
  return ids;
}

std::optional<Piece> PieceInbox::read(const std::string& id) const {
  Piece piece;
  piece.id = id;
  piece.bytesFile = folder_ / (id + ".bin");
  const fs::path description = folder_ / (id + ".json");
  std::error_code ec;
  if (!fs::exists(piece.bytesFile, ec) || !fs::exists(description, ec)) return std::nullopt;
  const auto json = nlohmann::json::parse(readWhole(description));  // throws on a damaged description
  piece.meta.kind = json.value("kind", "");
  piece.meta.url = json.value("url", "");
  piece.meta.contentType = json.value("contentType", "");
  piece.meta.status = json.value("status", 0);
  piece.meta.part = json.value("part", std::size_t{0});
  piece.meta.bytes = json.value("bytes", std::uint64_t{0});
  if (auto headers = json.find("headers"); headers != json.end() && headers->is_object())
    for (const auto& [name, value] : headers->items())
      if (value.is_string()) piece.meta.headers[name] = value.get<std::string>();
  return piece;
}

void PieceInbox::discard(const std::string& id) {
  std::error_code ec;
  fs::remove(folder_ / (id + ".bin"), ec);
  fs::remove(folder_ / (id + ".json"), ec);
}

std::size_t PieceInbox::size() const {
  std::size_t count = 0;
  std::error_code ec;
  for (auto it = fs::directory_iterator(folder_, ec); !ec && it != fs::directory_iterator(); it.increment(ec))
    if (it->path().extension() == ".bin") ++count;
  return count;
}

void PieceInbox::clear() {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(folder_, ec)) fs::remove_all(entry.path(), ec);
}

}  // namespace cloudfilm::store
