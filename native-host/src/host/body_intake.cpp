#include "host/body_intake.h"

#include "protocol/messages.h"
#include "util/ascii.h"
#include "util/error.h"

namespace fs = std::filesystem;
using Json = nlohmann::json;

namespace cloudfilm::host {
namespace {

// The Content-Type among a body's response headers (names compared without case, as HTTP does).
std::string contentTypeHeader(const Json& headers) {
  for (const auto& [name, value] : headers.items())
    if (equalsIgnoreAsciiCase(name, "content-type") && value.is_string()) return value.get<std::string>();
  return {};
}

constexpr std::size_t kMaxKeptHeaders = 200;
constexpr std::size_t kMaxHeaderNameBytes = 256;
constexpr std::size_t kMaxHeaderValueBytes = 64 * 1024;

Error unknownBody(const std::string& id) {
  return Error(ErrorCode::UnknownBody, "no body " + id.substr(0, 64) + " is open");
}

}  // namespace

BodyIntake::BodyIntake(fs::path workDir) : workDir_(std::move(workDir)) {}

std::string BodyIntake::begin(const Json& request) {
  const std::string id = protocol::requireString(request, "body");
  if (!isValidBodyId(id)) throw Error(ErrorCode::BadRequest, "`body` must be 1-64 characters of [A-Za-z0-9._-]");
  if (open_.count(id))
    throw Error(ErrorCode::DuplicateBody, "body " + id + " is already open");  // no body: keep the open one
  if (open_.size() >= kMaxBodiesInFlight)
    throw Error(ErrorCode::TooManyBodies, "at most " + std::to_string(kMaxBodiesInFlight) + " bodies may be open at once");
  CapturedBodyMeta meta;
  meta.url = protocol::optionalString(request, "url").value_or("");
  const auto status = protocol::optionalInteger(request, "status").value_or(0);
  if (status < 0 || status > 999) throw Error(ErrorCode::BadRequest, "`status` is out of range");
  meta.status = static_cast<int>(status);
  const std::string mimeType = protocol::optionalString(request, "mimeType").value_or("");
  if (auto headers = request.find("headers"); headers != request.end() && !headers->is_null()) {
    if (!headers->is_object()) throw Error(ErrorCode::BadRequest, "`headers` must be an object");
    meta.contentType = contentTypeHeader(*headers);
    // Kept for recognizers that read a header (a vendor's image geometry): strings only, and bounded, since a page
    // chooses them. What is over the bounds is left out, never an error: the body is still judged without it.
    for (const auto& [name, value] : headers->items()) {
      if (meta.headers.size() >= kMaxKeptHeaders) break;
      if (!value.is_string() || name.size() > kMaxHeaderNameBytes ||
          value.get_ref<const std::string&>().size() > kMaxHeaderValueBytes)
        continue;
      meta.headers[asciiLowercase(name)] = value.get<std::string>();
    }
  }
  if (meta.contentType.empty()) meta.contentType = mimeType;
  if (auto total = protocol::optionalInteger(request, "totalBytes")) {
    if (*total < 0) throw Error(ErrorCode::BadRequest, "`totalBytes` must not be negative");
    if (static_cast<std::uint64_t>(*total) > kMaxBodyBytes)
      throw Error(ErrorCode::BodyTooLarge, "the body is larger than the host's limit of 4 GiB");
    meta.totalBytes = static_cast<std::uint64_t>(*total);
  }
  meta.tabId = protocol::optionalInteger(request, "tabId");
  meta.source = protocol::optionalString(request, "source").value_or("");
  if (auto stream = request.find("stream"); stream != request.end() && !stream->is_null()) {
    const auto number = [&](const char* key) -> std::uint64_t {
      auto it = stream->find(key);
      if (it == stream->end() || !it->is_number_integer() || it->get<std::int64_t>() < 1 ||
          it->get<std::int64_t>() > (std::int64_t{1} << 53))
        throw Error(ErrorCode::BadRequest, std::string("`stream.") + key + "` must be an integer from 1");
      return static_cast<std::uint64_t>(it->get<std::int64_t>());
    };
    if (!stream->is_object()) throw Error(ErrorCode::BadRequest, "`stream` must be an object");
    meta.streamSocket = number("socket");
    meta.streamMessage = number("message");
  }

  // The file name is ours, never the extension's body id.
  const fs::path file = workDir_ / ("capture-" + std::to_string(++fileCounter_) + ".part");
  try {
    open_[id] = std::make_unique<OpenBody>(id, std::move(meta), file);
  } catch (const Error& error) {
    throw Error(error.code(), error.what());  // nothing was opened: no body to drop
  }
  return id;
}

std::int64_t BodyIntake::chunk(const Json& request, std::string_view largeData) {
  const std::string id = protocol::requireString(request, "body");
  auto it = open_.find(id);
  if (it == open_.end()) throw unknownBody(id);
  try {
    const std::int64_t seq = protocol::requireInteger(request, "seq");
    auto data = request.find("data");
    if (data == request.end()) throw Error(ErrorCode::BadRequest, "`data` is missing");
    if (protocol::isLargeFieldPlaceholder(*data)) {
      it->second->append(seq, largeData, scratch_);
    } else {
      if (!data->is_string()) throw Error(ErrorCode::BadRequest, "`data` must be a string");
      it->second->append(seq, data->get_ref<const std::string&>(), scratch_);
    }
  } catch (const Error& error) {
    throw Error(error.code(), error.what(), id);  // every bad chunk drops its body
  }
  if (scratch_.capacity() > 2 * kMaxChunkBytes) std::string().swap(scratch_);  // an oversized chunk: give it back
  return it->second->nextSeq() - 1;
}

FinishedBody BodyIntake::end(const Json& request) {
  const std::string id = protocol::requireString(request, "body");
  auto it = open_.find(id);
  if (it == open_.end()) throw unknownBody(id);
  std::unique_ptr<OpenBody> body = std::move(it->second);
  open_.erase(it);
  FinishedBody finished;
  try {
    finished.file = body->finish(protocol::optionalString(request, "sha256"));
  } catch (const Error& error) {
    throw Error(error.code(), error.what(), id);
  }
  finished.id = id;
  finished.meta = body->meta();
  finished.bytes = body->bytes();
  return finished;
}

std::uint64_t BodyIntake::abort(const std::string& id) {
  auto it = open_.find(id);
  if (it == open_.end()) throw unknownBody(id);
  const std::uint64_t bytes = it->second->bytes();
  open_.erase(it);  // deletes the staging file
  return bytes;
}

void BodyIntake::drop(const std::string& id) { open_.erase(id); }

std::size_t BodyIntake::discardAll() {
  const std::size_t count = open_.size();
  open_.clear();  // unfinished bodies are never filed: their files are deleted
  return count;
}

}  // namespace cloudfilm::host
