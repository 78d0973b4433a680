#include "dicomweb/reconstructor.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <nlohmann/json.hpp>

#include "body/content_type.h"
#include "dicom/dicom_file.h"
#include "dicom/dicom_json.h"
#include "dicomweb/json_values.h"
#include "dicomweb/series_facts.h"
#include "platform/platform.h"
#include "util/ascii.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace cloudfilm::dicomweb {
namespace {

constexpr std::uint64_t kMaxMetadataBytes = 512ull << 20;  // a study's metadata is a few MB; more is not metadata
constexpr std::uint32_t kMaxFrames = 1u << 20;
constexpr const char* kExplicitLittle = "1.2.840.10008.1.2.1";

std::string readWhole(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + platform::utf8Of(path));
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return bytes;
}

std::optional<std::uint64_t> firstUnsigned(const json& instance, const char* key) {
  return firstNumber<std::uint64_t>(instance, key);
}

// What the metadata says of an instance still waiting for its frames, so the popup can name the series to scroll.
void describeFromMetadata(const json& metadata, dicom::InstanceInfo& info) {
  info.patientName = firstPersonName(metadata, "00100010");
  info.patientId = firstString(metadata, "00100020");
  info.studyDate = firstString(metadata, "00080020");
  info.studyDescription = firstString(metadata, "00081030");
  info.modality = firstString(metadata, "00080060");
  info.seriesDescription = firstString(metadata, "0008103E");
  info.seriesNumber = firstNumber<long>(metadata, "00200011");
  info.instanceNumber = firstNumber<long>(metadata, "00200013");
}

std::string describeNumbers(const std::vector<std::uint32_t>& numbers) {
  std::string out;
  std::size_t i = 0, shown = 0;
  while (i < numbers.size() && shown < 12) {
    std::size_t j = i;
    while (j + 1 < numbers.size() && numbers[j + 1] == numbers[j] + 1) ++j;
    if (!out.empty()) out += ",";
    out += std::to_string(numbers[i]);
    if (j > i) out += "-" + std::to_string(numbers[j]);
    i = j + 1;
    ++shown;
  }
  if (i < numbers.size()) out += ",...";
  return out;
}

// A light look at a compressed frame: the codestream it claims to be starts as that codec's does.
bool plausibleCompressedFrame(const std::string& uid, const std::string& frame) {
  if (frame.size() < 2) return false;
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(frame[i]); };
  if (uid == "1.2.840.10008.1.2.5") {  // RLE: 64-byte header, 1..15 segments
    if (frame.size() < 64) return false;
    const std::uint32_t segments = byte(0) | byte(1) << 8 | byte(2) << 16 | std::uint32_t(byte(3)) << 24;
    return segments >= 1 && segments <= 15;
  }
  if (uid.rfind("1.2.840.10008.1.2.4.5", 0) == 0 || uid.rfind("1.2.840.10008.1.2.4.6", 0) == 0 ||
      uid == "1.2.840.10008.1.2.4.70" || uid == "1.2.840.10008.1.2.4.80" || uid == "1.2.840.10008.1.2.4.81")
    return byte(0) == 0xFF && byte(1) == 0xD8;  // SOI
  if (uid == "1.2.840.10008.1.2.4.90" || uid == "1.2.840.10008.1.2.4.91")
    return (byte(0) == 0xFF && byte(1) == 0x4F) || (frame.size() > 8 && frame.compare(4, 4, "jP  ") == 0);
  return true;
}

}  // namespace

std::optional<InstancePath> parseInstancePath(std::string_view url) {
  std::string path = urlPath(url);
  if (auto query = path.find('?'); query != std::string::npos) path.resize(query);
  const std::vector<std::string> segments = pathSegments(path);
  for (std::size_t k = 0; k + 5 < segments.size(); ++k) {
    if (segments[k] != "studies" || segments[k + 2] != "series" || segments[k + 4] != "instances") continue;
    InstancePath result{segments[k + 1], segments[k + 3], segments[k + 5], ""};
    for (std::size_t r = k + 6; r < segments.size(); ++r) result.rest += (result.rest.empty() ? "" : "/") + segments[r];
    return result;
  }
  return std::nullopt;
}

std::vector<std::uint32_t> parseFrameList(std::string_view list) {
  const std::string decoded = percentDecode(list);
  std::vector<std::uint32_t> frames;
  std::size_t start = 0;
  while (start <= decoded.size()) {
    const auto end = std::min(decoded.find(',', start), decoded.size());
    std::uint32_t value = 0;
    const auto result = std::from_chars(decoded.data() + start, decoded.data() + end, value);
    if (result.ec != std::errc() || result.ptr != decoded.data() + end || value == 0 || value > kMaxFrames)
      return {};
    frames.push_back(value);
    start = end + 1;
  }
  return frames;
}

std::string frameTransferSyntax(std::string_view contentType) {
  const auto parsed = body::parseContentType(contentType);
  std::string parameter = parsed.parameter("transfer-syntax");
  if (!parameter.empty()) return parameter;
  const std::string& type = parsed.mediaType;
  if (type == "application/octet-stream") return kExplicitLittle;
  if (type == "image/jls" || type == "image/x-jls") return "1.2.840.10008.1.2.4.80";
  if (type == "image/jpeg") return "1.2.840.10008.1.2.4.50";
  if (type == "image/dicom-rle" || type == "image/x-dicom-rle") return "1.2.840.10008.1.2.5";
  if (type == "image/jp2") return "1.2.840.10008.1.2.4.90";
  if (type == "image/jpx") return "1.2.840.10008.1.2.4.92";
  if (type == "image/jph") return "1.2.840.10008.1.2.4.201";
  return {};
}

// One piece from the inbox, as the rebuild understands it.
struct Reconstructor::Entry {
  enum class Kind { Metadata, Frames, Bulk, Unusable } kind = Kind::Unusable;
  std::string id;  // in the inbox
  fs::path bin;
  std::string url, contentType;
  std::size_t part = 0;
  // Metadata: the instance objects, by instance key.
  std::shared_ptr<json> document;
  std::vector<std::pair<std::string, const json*>> instances;
  std::map<std::string, std::pair<const json*, std::size_t>> objects;  // key -> the fullest copy, how many copies
  std::set<std::string> open;  // instance keys not rebuilt (or kept) yet: the body goes when none is left
  // Frames: which instance and frame number, in which transfer syntax.
  std::string instanceKey;
  std::uint32_t frame = 0;
  std::string transferSyntax;
  // Bulk: the URL path it answers.
  std::string bulkPath;
};

namespace {
using EntryPtr = std::shared_ptr<Reconstructor::Entry>;
using ById = std::map<std::string, EntryPtr>;  // by piece id: later ids win where one must (as read in id order)

void link(std::map<std::string, ById>& index, const std::string& key, const EntryPtr& entry) {
  index[key][entry->id] = entry;
}
void unlink(std::map<std::string, ById>& index, const std::string& key, const std::string& id) {
  auto it = index.find(key);
  if (it == index.end()) return;
  it->second.erase(id);
  if (it->second.empty()) index.erase(it);
}
const ById* lookup(const std::map<std::string, ById>& index, const std::string& key) {
  auto it = index.find(key);
  return it == index.end() ? nullptr : &it->second;
}
std::string bulkInstanceKey(const Reconstructor::Entry& entry) {
  if (const auto path = parseInstancePath(entry.url)) return path->key() + "/" + asciiLowercase(path->rest);
  return {};
}
std::string bulkPathOnly(const Reconstructor::Entry& entry) {
  return asciiLowercase(entry.bulkPath.substr(0, entry.bulkPath.find('?')));
}
}  // namespace

// Incremental: the index of pieces by instance lives between calls, and only the instances a new (or vanished) piece
// touches are examined again; the others answer with what they answered last time. Before, every call re-indexed and
// re-examined every instance of every kept piece: with a study's metadata kept aside and its frames arriving one body
// at a time, that was quadratic in the number of instances (bench/dicomweb_rebuild_bench.sh).
void Reconstructor::index(const std::shared_ptr<Entry>& entry, bool add) {
  const auto touch = [&](const std::string& key) { dirty_.insert(key); };
  switch (entry->kind) {
    case Entry::Kind::Metadata:
      for (const auto& [key, kept] : entry->objects) {
        if (add) link(metadataByKey_, key, entry);
        else unlink(metadataByKey_, key, entry->id);
        touch(key);
      }
      break;
    case Entry::Kind::Frames:
      if (add) link(framesByKey_, entry->instanceKey, entry);
      else unlink(framesByKey_, entry->instanceKey, entry->id);
      touch(entry->instanceKey);
      break;
    case Entry::Kind::Bulk: {
      const std::string byInstance = bulkInstanceKey(*entry), pathOnly = bulkPathOnly(*entry);
      if (add) {
        link(bulkByPath_, entry->bulkPath, entry);
        link(bulkByPathOnly_, pathOnly, entry);
        if (!entry->instanceKey.empty()) link(bulkByKey_, entry->instanceKey, entry);
        if (!byInstance.empty()) link(bulkByInstance_, byInstance, entry);
      } else {
        unlink(bulkByPath_, entry->bulkPath, entry->id);
        unlink(bulkByPathOnly_, pathOnly, entry->id);
        if (!entry->instanceKey.empty()) unlink(bulkByKey_, entry->instanceKey, entry->id);
        if (!byInstance.empty()) unlink(bulkByInstance_, byInstance, entry->id);
      }
      // Bulk data answers the BulkDataURIs of its own instance's metadata; one whose URL names no instance may answer
      // any (matched by path): then every instance is looked at again (rare: Orthanc's and dcm4chee's name theirs).
      if (!entry->instanceKey.empty()) touch(entry->instanceKey);
      else everythingDirty_ = true;
      break;
    }
    case Entry::Kind::Unusable: break;
  }
}

std::size_t Reconstructor::usablePieces() const {
  return static_cast<std::size_t>(std::count_if(entries_.begin(), entries_.end(), [](const auto& item) {
    return item.second->kind != Entry::Kind::Unusable;
  }));
}

void Reconstructor::forget(store::PieceInbox& inbox, const std::shared_ptr<Entry>& entry) {
  inbox.discard(entry->id);
  index(entry, false);
  entries_.erase(entry->id);
}

std::vector<RebuildResult> Reconstructor::rebuildComplete(store::PieceInbox& inbox, store::Store& store) {
  // 1. Read pieces not seen before; forget entries whose pieces are gone.
  std::set<std::string> present;
  std::error_code ec;
  for (const std::string& id : inbox.ids()) {
    present.insert(id);
    if (entries_.count(id)) continue;
    auto entry = std::make_shared<Entry>();
    entry->id = id;
    try {
      const auto piece = inbox.read(id);
      if (!piece) continue;  // gone since it was listed
      entry->bin = piece->bytesFile;
      entry->url = piece->meta.url;
      entry->contentType = piece->meta.contentType;
      entry->part = piece->meta.part;
      const int status = piece->meta.status;
      const std::string& kind = piece->meta.kind;
      const bool ok = status == 0 || (status >= 200 && status < 300 && status != 206);
      // Only WADO-RS metadata describes whole instances; a QIDO search answer (also DICOM JSON) holds a few
      // attributes and must never become a file (the ingestor does not even keep one).
      const DicomJsonKind jsonKind = classifyDicomJson(entry->url);
      if (ok && kind == "dicom-json" && jsonKind.purpose == DicomJsonPurpose::Metadata) {
        if (fs::file_size(entry->bin) <= kMaxMetadataBytes) {
          entry->document = std::make_shared<json>(json::parse(readWhole(entry->bin)));
          const json& doc = *entry->document;
          const auto addInstance = [&](const json& object) {
            if (!object.is_object()) return;
            const std::string study = firstString(object, "0020000D"), series = firstString(object, "0020000E"),
                              sop = firstString(object, "00080018");
            if (study.empty() || series.empty() || sop.empty()) return;
            entry->instances.emplace_back(study + "/" + series + "/" + sop, &object);
          };
          if (doc.is_array())
            for (const auto& object : doc) addInstance(object);
          else
            addInstance(doc);
          for (const auto& [key, object] : entry->instances) {
            auto& kept = entry->objects[key];
            // Several copies of one instance in one body: the fullest, the first of equals (as across bodies).
            if (kept.first == nullptr || object->size() > kept.first->size()) kept.first = object;
            ++kept.second;
            entry->open.insert(key);
          }
          if (!entry->instances.empty()) entry->kind = Entry::Kind::Metadata;
          // A series' (or a study's) own metadata answer lists every instance of it: the server's count, which
          // the popup's "N of M" rests on. One instance's metadata says nothing about the rest of its series.
          if (facts_ && jsonKind.instance.empty()) {
            std::vector<std::string> keys;
            keys.reserve(entry->instances.size());
            for (const auto& [key, object] : entry->instances) keys.push_back(key);
            facts_->fromMetadata(keys);
          }
        }
      } else if (ok && kind == "frames") {
        const auto path = parseInstancePath(entry->url);
        if (path && path->rest.rfind("frames/", 0) == 0) {
          const auto list = parseFrameList(std::string_view(path->rest).substr(7));
          const std::size_t index = entry->part == 0 ? 1 : entry->part;
          if (!list.empty() && index <= list.size() && (entry->part != 0 || list.size() == 1)) {
            entry->kind = Entry::Kind::Frames;
            entry->instanceKey = path->key();
            entry->frame = list[index - 1];
            entry->transferSyntax = frameTransferSyntax(entry->contentType);
            if (entry->transferSyntax.empty()) entry->kind = Entry::Kind::Unusable;
          }
        } else if (entry->part <= 1) {
          entry->kind = Entry::Kind::Bulk;  // a BulkDataURI's answer (Orthanc: .../bulk/7fe00010)
          entry->bulkPath = urlPath(entry->url);
          if (path) entry->instanceKey = path->key();
        }
      }
    } catch (const std::exception&) {
      entry->kind = Entry::Kind::Unusable;  // unreadable: left where it is, never retried
    }
    entries_[id] = entry;
    index(entry, true);
  }
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (present.count(it->first)) {
      ++it;
      continue;
    }
    const auto gone = it->second;
    ++it;
    index(gone, false);
    entries_.erase(gone->id);
  }

  // 2. Which instances to examine: those touched above; all of them when a piece may answer any; those an original
  // (or another rebuild) now kept in the store when the store grew since the last call.
  const auto everyKey = [&](const std::function<void(const std::string&)>& visit) {
    for (const auto* index : {&metadataByKey_, &framesByKey_, &bulkByKey_})
      for (const auto& [key, pieces] : *index) visit(key);
  };
  if (everythingDirty_) everyKey([&](const std::string& key) { dirty_.insert(key); });
  else if (store.size() != storeSize_)
    everyKey([&](const std::string& key) {
      if (store.find(key.substr(key.rfind('/') + 1))) dirty_.insert(key);
    });
  everythingDirty_ = false;

  const auto findBulk = [&](const std::string& uri) -> std::shared_ptr<Entry> {
    const auto last = [](const ById* pieces) { return pieces ? pieces->rbegin()->second : nullptr; };
    if (const auto instancePath = parseInstancePath(uri))
      if (auto bulk = last(lookup(bulkByInstance_, instancePath->key() + "/" + asciiLowercase(instancePath->rest))))
        return bulk;
    const std::string path = urlPath(uri);
    if (auto bulk = last(lookup(bulkByPath_, path))) return bulk;
    return last(lookup(bulkByPathOnly_, asciiLowercase(path.substr(0, path.find('?')))));
  };

  // 3. Examine them: rebuild what is complete.
  std::map<std::string, RebuildResult> news;  // Filed and Rejected, reported once
  const std::set<std::string> examine = std::move(dirty_);
  dirty_.clear();
  for (const std::string& key : examine) {
    struct Pending {
      const json* metadata = nullptr;
      std::size_t metadataCopies = 0;
      std::map<std::string, std::map<std::uint32_t, std::shared_ptr<Entry>>> framesBySyntax;
      std::vector<std::shared_ptr<Entry>> frameEntries, bulkEntries, metadataEntries;
    } pending;
    const ById* metadataPieces = lookup(metadataByKey_, key);
    const ById* framePieces = lookup(framesByKey_, key);
    const ById* bulkPieces = lookup(bulkByKey_, key);
    if (!metadataPieces && !framePieces && !bulkPieces) {  // every piece of it is gone
      waiting_.erase(key);
      failed_.erase(key);
      continue;
    }
    if (metadataPieces)
      for (const auto& [id, entry] : *metadataPieces) {
        const auto& [object, copies] = entry->objects.at(key);
        // Several captures of the same instance: keep the fullest.
        if (pending.metadata == nullptr || object->size() > pending.metadata->size()) pending.metadata = object;
        pending.metadataCopies += copies;
        pending.metadataEntries.push_back(entry);
      }
    if (framePieces)
      for (const auto& [id, entry] : *framePieces) {
        pending.frameEntries.push_back(entry);
        pending.framesBySyntax[entry->transferSyntax][entry->frame] = entry;
      }
    if (bulkPieces)
      for (const auto& [id, entry] : *bulkPieces) pending.bulkEntries.push_back(entry);

    bool done = false;
    std::optional<RebuildResult> out;
    examineOne(key, pending.metadata, pending.framesBySyntax,
               pending.frameEntries.size() + pending.bulkEntries.size() + pending.metadataCopies, findBulk, store,
               done, out);
    waiting_.erase(key);
    if (out) {
      if (out->outcome == RebuildOutcome::Waiting) waiting_[key] = std::move(*out);
      else news[key] = std::move(*out);
    }
    if (done) {
      // 4. Remove the bodies no instance needs any more. A metadata body goes when all its instances are done.
      for (const auto& entry : pending.frameEntries) forget(inbox, entry);
      for (const auto& entry : pending.bulkEntries) forget(inbox, entry);
      for (const auto& entry : pending.metadataEntries) {
        entry->open.erase(key);
        if (entry->open.empty()) forget(inbox, entry);
      }
      dirty_.erase(key);  // forgetting its pieces touched it: nothing is left to examine
    }
  }
  dirty_.clear();
  storeSize_ = store.size();

  // 5. Every instance still waiting (as last examined) and what is new, in instance order.
  std::vector<RebuildResult> results;
  results.reserve(waiting_.size() + news.size());
  auto w = waiting_.begin();
  auto n = news.begin();
  while (w != waiting_.end() || n != news.end()) {
    if (n == news.end() || (w != waiting_.end() && w->first < n->first)) results.push_back((w++)->second);
    else results.push_back(std::move((n++)->second));
  }
  return results;
}

void Reconstructor::examineOne(const std::string& key, const json* metadataObject,
                               std::map<std::string, std::map<std::uint32_t, std::shared_ptr<Entry>>>& framesBySyntax,
                               std::size_t bodies,
                               const std::function<std::shared_ptr<Entry>(const std::string&)>& findBulk,
                               store::Store& store, bool& done, std::optional<RebuildResult>& out) {
  std::error_code ec;
  struct {
    const json* metadata;
    std::map<std::string, std::map<std::uint32_t, std::shared_ptr<Entry>>>& framesBySyntax;
  } pending{metadataObject, framesBySyntax};
  const std::string sop = key.substr(key.rfind('/') + 1);
  const std::string study = key.substr(0, key.find('/'));
  const std::string series = key.substr(study.size() + 1, key.size() - study.size() - sop.size() - 2);
  RebuildResult result;
  result.info.sopInstanceUid = sop;
  result.info.studyInstanceUid = study;
  result.info.seriesInstanceUid = series;

  if (const auto* kept = store.find(sop)) {
    // An original (or an earlier rebuild) is kept: the kept-aside bodies are no longer needed.
    (void)kept;
    done = true;
    return;
  }
  if (pending.metadata == nullptr) {
    result.outcome = RebuildOutcome::Waiting;
    result.reason = "instance " + sop + ": metadata missing";
    out = std::move(result);
    return;
  }
  if (auto failed = failed_.find(key); failed != failed_.end() && failed->second == bodies) {
    return;  // reported already; nothing new arrived for it
  }
  const json& metadata = *pending.metadata;

  // What the pixel data must be.
  const auto rows = firstUnsigned(metadata, "00280010"), columns = firstUnsigned(metadata, "00280011");
  const auto bitsAllocated = firstUnsigned(metadata, "00280100");
  const bool image = metadata.contains("7FE00010") || (rows && columns && bitsAllocated);
  std::optional<dicom::FramePixelData> pixels;
  std::string missing;
  if (image) {
    const std::uint64_t samples = firstUnsigned(metadata, "00280002").value_or(1);
    const std::uint64_t frames = firstUnsigned(metadata, "00280008").value_or(1);
    const std::string photometric = firstString(metadata, "00280004");
    if (!rows || !columns || !bitsAllocated || *rows == 0 || *columns == 0 || *bitsAllocated == 0 ||
        frames == 0 || frames > kMaxFrames || samples == 0 || samples > 4) {
      missing = "image attributes (Rows, Columns, BitsAllocated, NumberOfFrames) missing or out of range";
    } else {
      std::uint64_t samplesStored = *rows * *columns * samples;
      if (photometric == "YBR_FULL_422" && samples == 3) samplesStored = samplesStored * 2 / 3;
      const std::uint64_t frameBytes = (samplesStored * *bitsAllocated + 7) / 8;
      // Candidates: every transfer syntax the frames were captured in; compressed first (what a server sends
      // with transfer-syntax=* is its original), then native.
      std::vector<std::string> syntaxes;
      for (const auto& [syntax, byFrame] : pending.framesBySyntax) syntaxes.push_back(syntax);
      std::stable_sort(syntaxes.begin(), syntaxes.end(), [](const std::string& a, const std::string& b) {
        return dicom::isEncapsulatedTransferSyntax(a) > dicom::isEncapsulatedTransferSyntax(b);
      });
      std::string bestProblem;
      std::size_t bestCount = 0;
      for (const auto& syntax : syntaxes) {
        const auto& byFrame = pending.framesBySyntax[syntax];
        std::vector<std::uint32_t> absent;
        for (std::uint32_t n = 1; n <= frames; ++n)
          if (!byFrame.count(n)) absent.push_back(n);
        std::string problem;
        if (!dicom::isKnownTransferSyntax(syntax)) problem = "frames in an unknown transfer syntax " + syntax;
        else if (!absent.empty())
          problem = "frames " + describeNumbers(absent) + " of " + std::to_string(frames) + " missing";
        dicom::FramePixelData candidate{syntax, {}};
        const bool encapsulated = dicom::isEncapsulatedTransferSyntax(syntax);
        for (std::uint32_t n = 1; problem.empty() && n <= frames; ++n) {
          const auto& entry = byFrame.at(n);
          const auto size = fs::file_size(entry->bin, ec);
          if (ec) { problem = "frame " + std::to_string(n) + " unreadable"; break; }
          if (!encapsulated && size != frameBytes) {
            problem = "frame " + std::to_string(n) + " is " + std::to_string(size) +
                      " bytes where Rows x Columns x samples x bits needs " + std::to_string(frameBytes);
            break;
          }
          candidate.frames.push_back(readWhole(entry->bin));
          if (encapsulated && !plausibleCompressedFrame(syntax, candidate.frames.back()))
            problem = "frame " + std::to_string(n) + " is not " + dicom::transferSyntaxName(syntax) + " data";
        }
        if (problem.empty()) {
          pixels = std::move(candidate);
          break;
        }
        if (bestProblem.empty() || byFrame.size() > bestCount) {
          bestProblem = problem;
          bestCount = byFrame.size();
        }
      }
      // Native pixel data fetched whole through its BulkDataURI.
      if (!pixels && metadata.contains("7FE00010") && metadata["7FE00010"].is_object() &&
          metadata["7FE00010"].contains("BulkDataURI") && metadata["7FE00010"]["BulkDataURI"].is_string()) {
        if (auto bulk = findBulk(metadata["7FE00010"]["BulkDataURI"].get<std::string>())) {
          const std::string syntax = frameTransferSyntax(bulk->contentType);
          const auto size = fs::file_size(bulk->bin, ec);
          const std::uint64_t expected = frameBytes * frames;
          if (!ec && !dicom::isEncapsulatedTransferSyntax(syntax) && (size == expected || size == expected + 1)) {
            std::string bytes = readWhole(bulk->bin);
            bytes.resize(expected);
            pixels = dicom::FramePixelData{syntax.empty() ? kExplicitLittle : syntax, {std::move(bytes)}};
          } else if (bestProblem.empty()) {
            bestProblem = "pixel data is " + std::to_string(size) + " bytes where " + std::to_string(expected) +
                          " are needed";
          }
        }
      }
      if (!pixels)
        missing = bestProblem.empty() ? "frames 1" + (frames > 1 ? "-" + std::to_string(frames) : std::string()) +
                                            " of " + std::to_string(frames) + " missing"
                                      : bestProblem;
    }
  }
  if (!missing.empty()) {
          describeFromMetadata(metadata, result.info);
    result.outcome = RebuildOutcome::Waiting;
    result.reason = "instance " + sop + ": " + missing;
    out = std::move(result);
    return;
  }

  // 4. Write, validate, file.
  const fs::path candidate =
      store.workDir() / ("rebuilt-" + std::to_string(platform::currentProcessId()) + "-" + std::to_string(++counter_) + ".dcm");
  const dicom::BulkDataResolver resolve = [&](const std::string& uri) -> std::optional<std::string> {
    auto bulk = findBulk(uri);
    if (!bulk) return std::nullopt;
    return readWhole(bulk->bin);
  };
  try {
    const auto notes = dicom::writeInstanceFromJson(metadata, resolve, pixels, candidate);
    auto inspection = dicom::inspectFile(candidate, dicom::Framing::Part10);
    if (!inspection.usable) {
      fs::remove(candidate, ec);
      throw dicom::DicomJsonError("the rebuilt file is not usable: " + inspection.reason);
    }
    // What the file lacks goes with it into the library's index, so `list` can say so per series without
    // opening files (the file records it too: dicom_json.h, kRebuildNote).
    inspection.info.rebuiltFrom = "dicomweb";
    inspection.info.attributesNotSent.assign(
        notes.omittedBulkData.begin(),
        notes.omittedBulkData.begin() + static_cast<std::ptrdiff_t>(std::min<std::size_t>(notes.omittedBulkData.size(), 64)));
    const auto added = store.add(inspection.info, store::Origin::Rebuilt, candidate);
    result.outcome = RebuildOutcome::Filed;
    result.added = added.outcome;
    result.reason = added.reason;
    if (!notes.omittedBulkData.empty()) {
      std::string omitted;
      for (const auto& tag : notes.omittedBulkData) omitted += (omitted.empty() ? "" : " ") + tag;
      result.reason += (result.reason.empty() ? "" : "; ") + std::string("bulk data not captured, left out: ") +
                       omitted;
    }
    result.info = std::move(inspection.info);
    result.file = added.file;
    done = true;
    failed_.erase(key);
  } catch (const dicom::DicomJsonError& error) {
    fs::remove(candidate, ec);
    failed_[key] = bodies;
    result.outcome = RebuildOutcome::Rejected;
    result.reason = "cannot rebuild instance " + sop + " from DICOMweb metadata: " + error.what();
  }
  out = std::move(result);
}

}  // namespace cloudfilm::dicomweb
