#pragma once
// Bodies being received: each is decoded chunk by chunk straight into its own file in the staging library's work
// folder, hashed on the way. No body is ever held in memory; one shared scratch buffer serves every chunk.
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "util/base64.h"
#include "util/sha256.h"

namespace cloudfilm::host {

inline constexpr std::size_t kMaxChunkBytes = 4u * 1024u * 1024u;  // advertised in hello-result
inline constexpr std::size_t kMaxBodiesInFlight = 8;                // advertised in hello-result
inline constexpr std::uint64_t kMaxBodyBytes = 4ull * 1024u * 1024u * 1024u;

struct CapturedBodyMeta {
  std::string url;
  int status = 0;
  std::string contentType;  // the Content-Type header, else the mimeType
  std::map<std::string, std::string> headers;  // the response headers, names in lower case (bounded: body_intake.cpp)
  std::optional<std::uint64_t> totalBytes;
  std::string source;
  std::optional<std::int64_t> tabId;
  // A WebSocket message's place: its socket's number in its document and its number on that socket, both from 1.
  std::uint64_t streamSocket = 0, streamMessage = 0;
};

// True for 1-64 characters of [A-Za-z0-9._-].
bool isValidBodyId(std::string_view id);

class OpenBody {
 public:
  // Creates `file` (exclusively). Throws ProtocolError (DiskFull / Internal) when it cannot.
  OpenBody(std::string id, CapturedBodyMeta meta, std::filesystem::path file);
  ~OpenBody();  // an unfinished body's file is deleted
  OpenBody(const OpenBody&) = delete;
  OpenBody& operator=(const OpenBody&) = delete;

  // Decodes one chunk and appends it. Throws ProtocolError: ChunkOutOfOrder, BadBase64, BodyTooLarge, DiskFull.
  void append(std::int64_t seq, std::string_view base64, std::string& scratch);
  // Ends the body: digest check (when given), data flushed to disk. Throws ProtocolError
  // (DigestMismatch, BadRequest for a malformed digest, DiskFull). Returns the file, now the caller's.
  std::filesystem::path finish(const std::optional<std::string>& sha256Hex);

  const std::string& id() const { return id_; }
  const CapturedBodyMeta& meta() const { return meta_; }
  std::uint64_t bytes() const { return bytes_; }
  std::int64_t nextSeq() const { return nextSeq_; }

 private:
  void write(std::string_view decoded);
  void closeFile();

  std::string id_;
  CapturedBodyMeta meta_;
  std::filesystem::path file_;
  int fd_ = -1;
  bool handedOver_ = false;
  Sha256 sha_;
  std::uint64_t bytes_ = 0;
  std::int64_t nextSeq_ = 0;
};

}  // namespace cloudfilm::host
