#include "dicom/dicom_json.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcpixel.h>
#include <dcmtk/dcmdata/dcpixseq.h>
#include <dcmtk/dcmdata/dcpxitem.h>
#include <dcmtk/dcmdata/dcsequen.h>
#include <dcmtk/dcmdata/dcvrat.h>
#include <dcmtk/dcmdata/dcvrfd.h>
#include <dcmtk/dcmdata/dcvrfl.h>
#include <dcmtk/dcmdata/dcvrsl.h>
#include <dcmtk/dcmdata/dcvrss.h>
#include <dcmtk/dcmdata/dcvrsv.h>
#include <dcmtk/dcmdata/dcvrul.h>
#include <dcmtk/dcmdata/dcvrus.h>
#include <dcmtk/dcmdata/dcvruv.h>
#include <dcmtk/dcmdata/dcxfer.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>

#include "dicom/dcmtk_compat.h"
#include "dicom/dicom_file.h"
#include "dicom/dicom_json_dcmtk.h"
#include "platform/platform.h"
#include "util/base64.h"
#include "util/error.h"

namespace cloudfilm::dicom {
namespace {

using nlohmann::json;

// VRs whose explicit-VR length field has 16 bits: a longer value cannot be written.
constexpr std::array<std::string_view, 20> kShortLengthVrs = {"AE", "AS", "AT", "CS", "DA", "DS", "DT",
                                                              "FL", "FD", "IS", "LO", "LT", "PN", "SH",
                                                              "SL", "SS", "ST", "TM", "UI", "UL"};
constexpr std::uint64_t kMaxShortValueBytes = 0xFFFE;
constexpr std::uint64_t kMaxLongValueBytes = 0xFFFFFFFE;

enum class VrClass { Text, SingleText, PersonName, IntegerString, DecimalString, Binary16, Binary32, Binary64,
                     Float32, Float64, Tag, Sequence, Bulk };

struct VrInfo {
  std::string_view name;
  VrClass kind;
  bool isSigned = false;
  unsigned unitBytes = 1;  // for Bulk VRs: the value length must be a multiple of this
};

constexpr std::array<VrInfo, 34> kVrs = {{
    {"AE", VrClass::Text}, {"AS", VrClass::Text}, {"AT", VrClass::Tag}, {"CS", VrClass::Text},
    {"DA", VrClass::Text}, {"DS", VrClass::DecimalString}, {"DT", VrClass::Text}, {"FD", VrClass::Float64},
    {"FL", VrClass::Float32}, {"IS", VrClass::IntegerString}, {"LO", VrClass::Text}, {"LT", VrClass::SingleText},
    {"OB", VrClass::Bulk, false, 1}, {"OD", VrClass::Bulk, false, 8}, {"OF", VrClass::Bulk, false, 4},
    {"OL", VrClass::Bulk, false, 4}, {"OV", VrClass::Bulk, false, 8}, {"OW", VrClass::Bulk, false, 2},
    {"PN", VrClass::PersonName}, {"SH", VrClass::Text}, {"SL", VrClass::Binary32, true},
    {"SQ", VrClass::Sequence}, {"SS", VrClass::Binary16, true}, {"ST", VrClass::SingleText},
    {"SV", VrClass::Binary64, true}, {"TM", VrClass::Text}, {"UC", VrClass::Text}, {"UI", VrClass::Text},
    {"UL", VrClass::Binary32}, {"UN", VrClass::Bulk, false, 1}, {"UR", VrClass::SingleText},
    {"US", VrClass::Binary16}, {"UT", VrClass::SingleText}, {"UV", VrClass::Binary64},
}};

const VrInfo* findVr(std::string_view name) {
  for (const auto& vr : kVrs)
    if (vr.name == name) return &vr;
  return nullptr;
}

std::string tagText(const DcmTagKey& key) {
  char text[16];
  std::snprintf(text, sizeof text, "(%04X,%04X)", key.getGroup(), key.getElement());
  return text;
}

[[noreturn]] void fail(const std::string& where, const std::string& what) {
  throw DicomJsonError((where.empty() ? std::string("instance") : where) + ": " + what);
}

std::string typeName(const json& value) { return value.type_name(); }

bool isAsciiText(std::string_view text) {
  for (char c : text)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

// The shortest text that reads back as `value`, within DS's 16 characters.
std::string formatDecimal(double value) {
  if (value == 0) return "0";
  char buffer[64];
  auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  std::string text(buffer, result.ptr);
  for (int precision = 15; text.size() > 16 && precision > 0; --precision) {
    std::snprintf(buffer, sizeof buffer, "%.*g", precision, value);
    text = buffer;
  }
  return text;
}

std::uint16_t readLe16(const char* p) {
  return static_cast<std::uint16_t>(static_cast<unsigned char>(p[0]) | (static_cast<unsigned char>(p[1]) << 8));
}
std::uint32_t readLe32(const char* p) {
  return static_cast<std::uint32_t>(readLe16(p)) | (static_cast<std::uint32_t>(readLe16(p + 2)) << 16);
}
std::uint64_t readLe64(const char* p) {
  return static_cast<std::uint64_t>(readLe32(p)) | (static_cast<std::uint64_t>(readLe32(p + 4)) << 32);
}

class JsonReader {
 public:
  JsonReader(const BulkDataResolver& resolve, const DicomJsonLimits& limits, std::vector<std::string>* omitted)
      : resolve_(resolve), limits_(limits), omitted_(omitted) {}

  bool nonAsciiText() const { return nonAscii_; }
  // Pixel data supplied from frames: the JSON's own Pixel Data attribute is not read (nor its bulk data fetched).
  void skipPixelData() { skipPixelData_ = true; }

  void readItem(const json& object, DcmItem& item, int depth, const std::string& where) {
    if (!object.is_object()) fail(where, "expected an object of attributes, found " + typeName(object));
    for (const auto& [key, attribute] : object.items()) {
      const DcmTagKey tag = parseTag(key, where);
      const std::string here = (where.empty() ? "" : where + ".") + tagText(tag);
      // The meta header is written from the dataset; group lengths are recomputed; items are structure, not data.
      if (tag.getGroup() == 0x0000 || tag.getGroup() == 0x0002 || tag.getElement() == 0x0000) continue;
      if (tag.getGroup() == 0xFFFE) fail(here, "an item or delimitation tag is not an attribute");
      if (skipPixelData_ && depth == 0 && tag == DCM_PixelData) continue;
      if (tag == DCM_DataSetTrailingPadding) continue;  // padding carries nothing
      if (DcmElement* element = readElement(tag, attribute, depth, here)) {
        OFCondition status = item.insert(element, OFTrue);
        if (status.bad()) {
          delete element;
          fail(here, std::string("cannot be stored: ") + status.text());
        }
      }
    }
  }

 private:
  DcmTagKey parseTag(const std::string& key, const std::string& where) {
    if (key.size() != 8) fail(where, "attribute key \"" + key.substr(0, 40) + "\" is not 8 hex digits");
    unsigned value = 0;
    const auto result = std::from_chars(key.data(), key.data() + key.size(), value, 16);
    if (result.ec != std::errc() || result.ptr != key.data() + key.size())
      fail(where, "attribute key \"" + key + "\" is not 8 hex digits");
    return DcmTagKey(static_cast<Uint16>(value >> 16), static_cast<Uint16>(value & 0xFFFF));
  }

  void account(std::uint64_t bytes, const std::string& where) {
    if (bytes > limits_.maxValueBytes) fail(where, "a value of " + std::to_string(bytes) + " bytes is too large");
    totalBytes_ += bytes;
    if (totalBytes_ > limits_.maxTotalBytes) fail(where, "the instance's values exceed the size limit");
  }

  DcmElement* readElement(const DcmTagKey& tag, const json& attribute, int depth, const std::string& where) {
    if (!attribute.is_object()) fail(where, "expected an attribute object, found " + typeName(attribute));
    std::string vrName;
    if (auto it = attribute.find("vr"); it != attribute.end()) {
      if (!it->is_string()) fail(where, "\"vr\" must be a string");
      vrName = it->get<std::string>();
    } else {
      DcmTag known(tag);  // PS3.18 requires "vr"; tolerate its absence where the dictionary is unambiguous
      const DcmEVR evr = known.getEVR();
      if (evr == EVR_UNKNOWN || evr == EVR_UNKNOWN2B || evr == EVR_ox || evr == EVR_xs || evr == EVR_lt ||
          evr == EVR_na || evr == EVR_up || evr == EVR_px)
        fail(where, "no \"vr\" and the tag's VR is not known");
      vrName = known.getVRName();
    }
    const VrInfo* vr = findVr(vrName);
    if (vr == nullptr) fail(where, "unknown VR \"" + vrName.substr(0, 8) + "\"");

    const bool hasValue = attribute.contains("Value");
    const bool hasInline = attribute.contains("InlineBinary");
    const bool hasBulk = attribute.contains("BulkDataURI");
    if (int(hasValue) + int(hasInline) + int(hasBulk) > 1)
      fail(where, "more than one of Value, InlineBinary and BulkDataURI");

    DcmElement* element = nullptr;
    const DcmTag dcmTag(tag, DcmVR(vr->name.data()));
    if (DcmItem::newDicomElementWithVR(element, dcmTag).bad() || element == nullptr)
      fail(where, "DCMTK cannot create an element with VR " + vrName);
    std::unique_ptr<DcmElement> owned(element);

    if (hasInline || hasBulk) {
      if (vr->kind == VrClass::Sequence || vr->kind == VrClass::PersonName || vr->kind == VrClass::Tag)
        fail(where, "binary data for VR " + vrName);
      std::string bytes;
      if (hasInline) {
        const json& text = attribute["InlineBinary"];
        if (!text.is_string()) fail(where, "InlineBinary must be a string");
        const auto& encoded = text.get_ref<const std::string&>();
        account(encoded.size() / 4 * 3, where);  // checked before decoding
        if (!decodeBase64(encoded, bytes)) fail(where, "InlineBinary is not valid base64");
      } else {
        const json& uri = attribute["BulkDataURI"];
        if (!uri.is_string()) fail(where, "BulkDataURI must be a string");
        auto resolved = resolve_ ? resolve_(uri.get<std::string>()) : std::nullopt;
        if (!resolved) {
          if (omitted_) omitted_->push_back(where);
          return nullptr;
        }
        bytes = std::move(*resolved);
        account(bytes.size(), where);
      }
      putRaw(*owned, *vr, std::move(bytes), where);
      return owned.release();
    }
    if (!hasValue) return owned.release();  // present but empty

    const json& values = attribute["Value"];
    if (!values.is_array()) fail(where, "Value must be an array, found " + typeName(values));
    if (vr->kind == VrClass::Bulk) fail(where, "VR " + vrName + " carries InlineBinary or BulkDataURI, not Value");
    if (vr->kind == VrClass::Sequence) {
      if (depth >= limits_.maxSequenceDepth)
        fail(where, "sequences nested deeper than " + std::to_string(limits_.maxSequenceDepth));
      auto* sequence = dynamic_cast<DcmSequenceOfItems*>(owned.get());
      if (sequence == nullptr) fail(where, "not a sequence");
      std::size_t index = 0;
      for (const auto& itemJson : values) {
        auto item = std::make_unique<DcmItem>();
        const std::string itemWhere = where + "[" + std::to_string(index++) + "]";
        if (!itemJson.is_null()) readItem(itemJson, *item, depth + 1, itemWhere);
        if (sequence->insert(item.get()).bad()) fail(itemWhere, "cannot be stored");
        item.release();
      }
      return owned.release();
    }
    putValues(*owned, *vr, values, where);
    return owned.release();
  }

  void checkLength(const VrInfo& vr, std::uint64_t bytes, const std::string& where) {
    const bool shortLength =
        std::find(kShortLengthVrs.begin(), kShortLengthVrs.end(), vr.name) != kShortLengthVrs.end();
    if (bytes > (shortLength ? kMaxShortValueBytes : kMaxLongValueBytes))
      fail(where, "a " + std::string(vr.name) + " value of " + std::to_string(bytes) + " bytes is longer than " +
                      (shortLength ? "65534" : "4 GiB") + " (cannot be written)");
    account(bytes, where);
  }

  void putText(DcmElement& element, const VrInfo& vr, const std::string& text, const std::string& where) {
    checkLength(vr, text.size(), where);
    if (!isAsciiText(text)) nonAscii_ = true;
    if (text.find('\0') != std::string::npos) fail(where, "text holds a NUL character");
    if (element.putOFStringArray(OFString(text.data(), text.size())).bad()) fail(where, "value rejected");
  }

  std::string personName(const json& value, const std::string& where) {
    if (value.is_null()) return {};
    if (value.is_string()) return value.get<std::string>();  // some servers send the DICOM form directly
    if (!value.is_object()) fail(where, "a person name must be an object, found " + typeName(value));
    std::array<std::string, 3> groups;
    const std::array<const char*, 3> names = {"Alphabetic", "Ideographic", "Phonetic"};
    for (std::size_t i = 0; i < 3; ++i) {
      auto it = value.find(names[i]);
      if (it == value.end() || it->is_null()) continue;
      if (!it->is_string()) fail(where, std::string(names[i]) + " must be a string");
      groups[i] = it->get<std::string>();
      if (groups[i].find_first_of("=\\") != std::string::npos)
        fail(where, std::string(names[i]) + " holds '=' or '\\'");
    }
    std::string joined = groups[0] + "=" + groups[1] + "=" + groups[2];
    while (!joined.empty() && joined.back() == '=') joined.pop_back();
    return joined;
  }

  static bool integralValue(const json& value, long double& out) {
    if (value.is_number_unsigned()) out = static_cast<long double>(value.get<std::uint64_t>());
    else if (value.is_number_integer()) out = static_cast<long double>(value.get<std::int64_t>());
    else if (value.is_number_float()) {
      const double d = value.get<double>();
      if (!std::isfinite(d) || std::floor(d) != d) return false;
      out = d;
    } else return false;
    return true;
  }

  template <typename T>
  T integerIn(const json& value, const std::string& where, const VrInfo& vr) {
    if (value.is_string() && (vr.kind == VrClass::Binary64)) {  // 64-bit values often travel as strings
      const auto& text = value.get_ref<const std::string&>();
      T parsed{};
      const auto result = std::from_chars(text.data(), text.data() + text.size(), parsed);
      if (result.ec != std::errc() || result.ptr != text.data() + text.size())
        fail(where, "\"" + text.substr(0, 30) + "\" is not a " + std::string(vr.name) + " number");
      return parsed;
    }
    if (value.is_number_unsigned()) {
      const auto v = value.get<std::uint64_t>();
      if (v > static_cast<std::uint64_t>(std::numeric_limits<T>::max()))
        fail(where, std::to_string(v) + " is out of range for " + std::string(vr.name));
      return static_cast<T>(v);
    }
    if (value.is_number_integer()) {
      const auto v = value.get<std::int64_t>();
      if ((std::numeric_limits<T>::is_signed && v < static_cast<std::int64_t>(std::numeric_limits<T>::min())) ||
          (!std::numeric_limits<T>::is_signed && v < 0) ||
          (v > 0 && static_cast<std::uint64_t>(v) > static_cast<std::uint64_t>(std::numeric_limits<T>::max())))
        fail(where, std::to_string(v) + " is out of range for " + std::string(vr.name));
      return static_cast<T>(v);
    }
    long double d = 0;
    if (!integralValue(value, d)) fail(where, "expected an integer for " + std::string(vr.name) + ", found " +
                                                  (value.is_number() ? "a fraction" : typeName(value)));
    if (d < static_cast<long double>(std::numeric_limits<T>::min()) ||
        d > static_cast<long double>(std::numeric_limits<T>::max()))
      fail(where, "a number out of range for " + std::string(vr.name));
    return static_cast<T>(d);
  }

  template <typename T>
  std::vector<T> integers(const json& values, const VrInfo& vr, const std::string& where) {
    std::vector<T> out;
    out.reserve(values.size());
    for (const auto& value : values) out.push_back(integerIn<T>(value, where, vr));
    checkLength(vr, out.size() * sizeof(T), where);
    return out;
  }

  template <typename T>
  std::vector<T> floats(const json& values, const VrInfo& vr, const std::string& where) {
    std::vector<T> out;
    out.reserve(values.size());
    for (const auto& value : values) {
      double d = 0;
      if (value.is_number()) d = value.get<double>();
      else if (value.is_string() && (value == "NaN" || value == "Infinity" || value == "-Infinity"))
        d = value == "NaN" ? std::numeric_limits<double>::quiet_NaN()
            : value == "Infinity" ? std::numeric_limits<double>::infinity()
                                  : -std::numeric_limits<double>::infinity();
      else fail(where, "expected a number for " + std::string(vr.name) + ", found " + typeName(value));
      if (std::is_same_v<T, float> && std::isfinite(d) && std::fabs(d) > std::numeric_limits<float>::max())
        fail(where, "a number out of range for FL");
      out.push_back(static_cast<T>(d));
    }
    checkLength(vr, out.size() * sizeof(T), where);
    return out;
  }

  void putValues(DcmElement& element, const VrInfo& vr, const json& values, const std::string& where) {
    const auto rejected = [&](OFCondition status) {
      if (status.bad()) fail(where, std::string("value rejected: ") + status.text());
    };
    switch (vr.kind) {
      case VrClass::Text:
      case VrClass::SingleText:
      case VrClass::PersonName:
      case VrClass::IntegerString:
      case VrClass::DecimalString: {
        if (vr.kind == VrClass::SingleText && values.size() > 1)
          fail(where, std::string(vr.name) + " holds a single value, found " + std::to_string(values.size()));
        std::string joined;
        std::size_t index = 0;
        for (const auto& value : values) {
          if (index++ > 0) joined += '\\';
          if (vr.kind == VrClass::PersonName) {
            joined += personName(value, where);
          } else if (value.is_null()) {
            // an empty value among others
          } else if (value.is_string()) {
            joined += value.get_ref<const std::string&>();
          } else if (vr.kind == VrClass::IntegerString) {
            const auto v = integerIn<std::int32_t>(value, where, vr);
            joined += std::to_string(v);
          } else if (vr.kind == VrClass::DecimalString && value.is_number()) {
            const double d = value.get<double>();
            if (!std::isfinite(d)) fail(where, "DS cannot hold " + value.dump());
            joined += formatDecimal(d);
          } else {
            fail(where, "expected a string for " + std::string(vr.name) + ", found " + typeName(value));
          }
          if (joined.size() > kMaxLongValueBytes) fail(where, "value too long");
        }
        putText(element, vr, joined, where);
        return;
      }
      case VrClass::Binary16:
        if (vr.isSigned) {
          auto v = integers<Sint16>(values, vr, where);
          rejected(element.putSint16Array(v.data(), static_cast<unsigned long>(v.size())));
        } else {
          auto v = integers<Uint16>(values, vr, where);
          rejected(element.putUint16Array(v.data(), static_cast<unsigned long>(v.size())));
        }
        return;
      case VrClass::Binary32:
        if (vr.isSigned) {
          auto v = integers<Sint32>(values, vr, where);
          rejected(element.putSint32Array(v.data(), static_cast<unsigned long>(v.size())));
        } else {
          auto v = integers<Uint32>(values, vr, where);
          rejected(element.putUint32Array(v.data(), static_cast<unsigned long>(v.size())));
        }
        return;
      case VrClass::Binary64:
        if (vr.isSigned) {
          auto v = integers<Sint64>(values, vr, where);
          auto* sv = dynamic_cast<DcmSigned64bitVeryLong*>(&element);
          if (sv == nullptr) fail(where, "not an SV element");
          rejected(sv->putSint64Array(v.data(), static_cast<unsigned long>(v.size())));
        } else {
          auto v = integers<Uint64>(values, vr, where);
          auto* uv = dynamic_cast<DcmUnsigned64bitVeryLong*>(&element);
          if (uv == nullptr) fail(where, "not a UV element");
          rejected(uv->putUint64Array(v.data(), static_cast<unsigned long>(v.size())));
        }
        return;
      case VrClass::Float32: {
        auto v = floats<Float32>(values, vr, where);
        rejected(element.putFloat32Array(v.data(), static_cast<unsigned long>(v.size())));
        return;
      }
      case VrClass::Float64: {
        auto v = floats<Float64>(values, vr, where);
        rejected(element.putFloat64Array(v.data(), static_cast<unsigned long>(v.size())));
        return;
      }
      case VrClass::Tag: {
        auto* at = dynamic_cast<DcmAttributeTag*>(&element);
        if (at == nullptr) fail(where, "not an AT element");
        unsigned long position = 0;
        checkLength(vr, values.size() * 4, where);
        for (const auto& value : values) {
          if (!value.is_string()) fail(where, "an AT value must be a string of 8 hex digits");
          rejected(at->putTagVal(parseTag(value.get<std::string>(), where), position++));
        }
        return;
      }
      case VrClass::Sequence:
      case VrClass::Bulk: break;
    }
    fail(where, "unexpected VR");
  }

  // Binary data (little endian byte stream, PS3.18 F.2.7) into an element of any VR that may carry it.
  void putRaw(DcmElement& element, const VrInfo& vr, std::string bytes, const std::string& where) {
    const auto rejected = [&](OFCondition status) {
      if (status.bad()) fail(where, std::string("value rejected: ") + status.text());
    };
    const auto needMultiple = [&](std::size_t unit) {
      if (bytes.size() % unit != 0)
        fail(where, std::to_string(bytes.size()) + " bytes is not a whole number of " + std::string(vr.name) +
                        " values");
    };
    const auto count = [&](std::size_t unit) { return static_cast<unsigned long>(bytes.size() / unit); };
    checkLength(vr, bytes.size(), where);
    switch (vr.kind) {
      case VrClass::Text:
      case VrClass::SingleText:
      case VrClass::IntegerString:
      case VrClass::DecimalString:
        if (!isAsciiText(bytes)) nonAscii_ = true;
        rejected(element.putString(bytes.c_str(), static_cast<Uint32>(bytes.size())));
        return;
      case VrClass::Binary16: {
        needMultiple(2);
        std::vector<Uint16> v(count(2));
        for (std::size_t i = 0; i < v.size(); ++i) v[i] = readLe16(bytes.data() + 2 * i);
        if (vr.isSigned) {
          std::vector<Sint16> s(v.begin(), v.end());
          rejected(element.putSint16Array(s.data(), count(2)));
        } else {
          rejected(element.putUint16Array(v.data(), count(2)));
        }
        return;
      }
      case VrClass::Binary32: {
        needMultiple(4);
        std::vector<Uint32> v(count(4));
        for (std::size_t i = 0; i < v.size(); ++i) v[i] = readLe32(bytes.data() + 4 * i);
        if (vr.isSigned) {
          std::vector<Sint32> s(v.begin(), v.end());
          rejected(element.putSint32Array(s.data(), count(4)));
        } else {
          rejected(element.putUint32Array(v.data(), count(4)));
        }
        return;
      }
      case VrClass::Float32: {
        needMultiple(4);
        std::vector<Float32> v(count(4));
        for (std::size_t i = 0; i < v.size(); ++i) v[i] = std::bit_cast<Float32>(readLe32(bytes.data() + 4 * i));
        rejected(element.putFloat32Array(v.data(), count(4)));
        return;
      }
      case VrClass::Float64: {
        needMultiple(8);
        std::vector<Float64> v(count(8));
        for (std::size_t i = 0; i < v.size(); ++i) v[i] = std::bit_cast<Float64>(readLe64(bytes.data() + 8 * i));
        rejected(element.putFloat64Array(v.data(), count(8)));
        return;
      }
      case VrClass::Binary64: {
        needMultiple(8);
        std::vector<Uint64> v(count(8));
        for (std::size_t i = 0; i < v.size(); ++i) v[i] = readLe64(bytes.data() + 8 * i);
        if (auto* uv = dynamic_cast<DcmUnsigned64bitVeryLong*>(&element)) {
          rejected(uv->putUint64Array(v.data(), count(8)));
        } else if (auto* sv = dynamic_cast<DcmSigned64bitVeryLong*>(&element)) {
          std::vector<Sint64> s(v.begin(), v.end());
          rejected(sv->putSint64Array(s.data(), count(8)));
        } else {
          fail(where, "not a 64-bit element");
        }
        return;
      }
      case VrClass::Bulk: {
        needMultiple(vr.unitBytes);
        if (vr.name == "OB" || vr.name == "UN") {
          rejected(element.putUint8Array(reinterpret_cast<const Uint8*>(bytes.data()), count(1)));
        } else if (vr.name == "OW") {
          std::vector<Uint16> v(count(2));
          for (std::size_t i = 0; i < v.size(); ++i) v[i] = readLe16(bytes.data() + 2 * i);
          rejected(element.putUint16Array(v.data(), count(2)));
        } else if (vr.name == "OF") {
          std::vector<Float32> v(count(4));
          for (std::size_t i = 0; i < v.size(); ++i) v[i] = std::bit_cast<Float32>(readLe32(bytes.data() + 4 * i));
          rejected(element.putFloat32Array(v.data(), count(4)));
        } else if (vr.name == "OD") {
          std::vector<Float64> v(count(8));
          for (std::size_t i = 0; i < v.size(); ++i) v[i] = std::bit_cast<Float64>(readLe64(bytes.data() + 8 * i));
          rejected(element.putFloat64Array(v.data(), count(8)));
        } else if (vr.name == "OL") {
          std::vector<Uint32> v(count(4));
          for (std::size_t i = 0; i < v.size(); ++i) v[i] = readLe32(bytes.data() + 4 * i);
          rejected(element.putUint32Array(v.data(), count(4)));
        } else if (vr.name == "OV") {
          std::vector<Uint64> v(count(8));
          for (std::size_t i = 0; i < v.size(); ++i) v[i] = readLe64(bytes.data() + 8 * i);
          auto* ov = dynamic_cast<DcmUnsigned64bitVeryLong*>(&element);
          if (ov == nullptr) fail(where, "not an OV element");
          rejected(ov->putUint64Array(v.data(), count(8)));
        }
        return;
      }
      case VrClass::PersonName:
      case VrClass::Tag:
      case VrClass::Sequence: break;
    }
    fail(where, "binary data for VR " + std::string(vr.name));
  }

  const BulkDataResolver& resolve_;
  const DicomJsonLimits& limits_;
  std::vector<std::string>* omitted_;
  std::uint64_t totalBytes_ = 0;
  bool nonAscii_ = false;
  bool skipPixelData_ = false;
};

std::string trimmedValue(DcmItem& item, const DcmTagKey& tag) {
  OFString value;
  if (item.findAndGetOFStringArray(tag, value).bad()) return {};
  std::string text(value.c_str(), value.length());
  while (!text.empty() && (text.back() == ' ' || text.back() == '\0')) text.pop_back();
  while (!text.empty() && text.front() == ' ') text.erase(text.begin());
  return text;
}

void insertNativePixelData(DcmDataset& dataset, const FramePixelData& pixels) {
  std::uint64_t total = 0;
  for (const auto& frame : pixels.frames) total += frame.size();
  const std::uint64_t padded = total + (total % 2);
  if (padded > kMaxLongValueBytes) throw DicomJsonError("native pixel data larger than 4 GiB cannot be written");
  Uint16 bitsAllocated = 0;
  dataset.findAndGetUint16(DCM_BitsAllocated, bitsAllocated);
  const bool words = bitsAllocated > 8 && padded % 2 == 0;
  auto pixelData = std::make_unique<DcmPixelData>(DcmTag(DCM_PixelData, words ? EVR_OW : EVR_OB));
  if (words) {
    Uint16* target = nullptr;
    if (pixelData->createUint16Array(static_cast<Uint32>(padded / 2), target).bad() || target == nullptr)
      throw DicomJsonError("cannot allocate the pixel data");
    char* out = reinterpret_cast<char*>(target);
    for (const auto& frame : pixels.frames) {
      std::memcpy(out, frame.data(), frame.size());
      out += frame.size();
    }
    if (std::endian::native == std::endian::big)  // frames travel little endian; DCMTK keeps words in host order
      for (Uint32 i = 0; i < padded / 2; ++i) target[i] = static_cast<Uint16>((target[i] >> 8) | (target[i] << 8));
  } else {
    Uint8* target = nullptr;
    if (pixelData->createUint8Array(static_cast<Uint32>(padded), target).bad() || target == nullptr)
      throw DicomJsonError("cannot allocate the pixel data");
    std::memset(target + padded - 1, 0, 1);
    for (const auto& frame : pixels.frames) {
      std::memcpy(target, frame.data(), frame.size());
      target += frame.size();
    }
  }
  if (dataset.insert(pixelData.get(), OFTrue).bad()) throw DicomJsonError("cannot store the pixel data");
  pixelData.release();
}

void insertEncapsulatedPixelData(DcmDataset& dataset, const FramePixelData& pixels, E_TransferSyntax xfer) {
  auto sequence = std::make_unique<DcmPixelSequence>(DcmTag(DCM_PixelSequenceTag));
  auto* offsetTable = new DcmPixelItem(DcmTag(DCM_Item, EVR_OB));
  sequence->insert(offsetTable);
  DcmOffsetList offsets;
  std::uint64_t total = 0;
  for (const auto& frame : pixels.frames) {
    if (frame.empty()) throw DicomJsonError("an empty compressed frame");
    total += frame.size() + 9;
    if (total > kMaxLongValueBytes) throw DicomJsonError("compressed pixel data larger than 4 GiB");
    std::string fragment = frame;
    if (fragment.size() % 2 != 0) fragment.push_back('\0');  // fragments have even length; decoders ignore the pad
    if (sequence->storeCompressedFrame(offsets, reinterpret_cast<Uint8*>(fragment.data()),
                                       static_cast<Uint32>(fragment.size()), 0).bad())
      throw DicomJsonError("cannot store a compressed frame");
  }
  // Offsets past 4 GiB cannot be expressed: the table then stays empty, which the standard allows.
  if (offsetTable->createOffsetTable(offsets).bad()) offsetTable->putUint8Array(nullptr, 0);
  auto pixelData = std::make_unique<DcmPixelData>(DcmTag(DCM_PixelData, EVR_OB));
  pixelData->putOriginalRepresentation(xfer, nullptr, sequence.release());
  if (dataset.insert(pixelData.get(), OFTrue).bad()) throw DicomJsonError("cannot store the pixel data");
  pixelData.release();
}

}  // namespace

// JSON text is UTF-8. Written back in the declared character set where DCMTK can encode it, so the file reads the
// same as the original; else declared as UTF-8.
void settleCharacterSet(DcmDataset& dataset, bool nonAscii) {
  if (!nonAscii) return;
  const std::string declared = trimmedValue(dataset, DCM_SpecificCharacterSet);
  if (declared == "ISO_IR 192") return;
  if (!declared.empty() && declared.find('\\') == std::string::npos &&
      dataset.convertCharacterSet("ISO_IR 192", declared, 0, OFFalse).good())
    return;
  dataset.putAndInsertString(DCM_SpecificCharacterSet, "ISO_IR 192");
}

Uint16 rebuildNoteBlock(DcmDataset& dataset) {
  for (Uint16 element = 0x10; element <= 0xFF; ++element) {
    const DcmTagKey creator(kRebuildNoteGroup, element);
    OFString value;
    if (!dataset.tagExists(creator) ||
        (dataset.findAndGetOFString(creator, value).good() && value == kRebuildNoteCreator))
      return element;
  }
  return 0;
}

namespace {

// The rebuilt file says itself what it lacks: a private block (creator kRebuildNoteCreator) in the first free block
// of group 0011 with a sentence for a person (UT) and the count (UL). Private, so no viewer takes it for clinical
// data; in the file, so it travels with it to a disc or a PACS where CloudFilm's index does not.
void noteAttributesNotSent(DcmDataset& dataset, const std::vector<std::string>& omitted) {
  if (omitted.empty()) return;
  constexpr Uint16 kGroup = kRebuildNoteGroup;
  const Uint16 block = rebuildNoteBlock(dataset);
  if (block == 0) return;  // 240 private blocks in one group: only CloudFilm's index keeps the note
  std::string listed;
  for (std::size_t i = 0; i < omitted.size() && i < 64; ++i) listed += (listed.empty() ? "" : ", ") + omitted[i];
  if (omitted.size() > 64) listed += ", ...";
  const std::string text = "CloudFilm rebuilt this file from the DICOMweb metadata and frames a viewer loaded. The site "
                           "offered " + std::to_string(omitted.size()) + " attribute(s) only as a BulkDataURI and did "
                           "not send them, so they are absent from this file: " + listed;
  DcmTag creatorTag(kGroup, block, EVR_LO);
  DcmTag textTag(kGroup, static_cast<Uint16>((block << 8) | 0x10), EVR_UT);
  DcmTag countTag(kGroup, static_cast<Uint16>((block << 8) | 0x11), EVR_UL);
  textTag.setPrivateCreator(kRebuildNoteCreator);
  countTag.setPrivateCreator(kRebuildNoteCreator);
  if (dataset.putAndInsertString(creatorTag, kRebuildNoteCreator).bad() ||
      dataset.putAndInsertOFStringArray(textTag, text.c_str()).bad() ||
      dataset.putAndInsertUint32(countTag, static_cast<Uint32>(omitted.size())).bad())
    throw DicomJsonError("cannot record the attributes the site did not send");
}

}  // namespace

std::unique_ptr<DcmDataset> datasetFromJson(const json& instance, const BulkDataResolver& resolve,
                                            std::vector<std::string>* omitted, bool* nonAsciiText,
                                            const DicomJsonLimits& limits) {
  auto dataset = std::make_unique<DcmDataset>();
  JsonReader reader(resolve, limits, omitted);
  reader.readItem(instance, *dataset, 0, "");
  if (nonAsciiText) *nonAsciiText = reader.nonAsciiText();
  return dataset;
}

bool isEncapsulatedTransferSyntax(const std::string& uid) {
  const DcmXfer xfer(uid.c_str());
  return xfer.getXfer() != EXS_Unknown && encapsulatedPixels(xfer);
}

bool isKnownTransferSyntax(const std::string& uid) { return DcmXfer(uid.c_str()).getXfer() != EXS_Unknown; }

RebuildNotes writeInstanceFromJson(const json& instance, const BulkDataResolver& resolve,
                                   const std::optional<FramePixelData>& pixels, const std::filesystem::path& target,
                                   const DicomJsonLimits& limits) {
  RebuildNotes notes;
  DcmDataset dataset;
  bool nonAscii = false;
  {
    JsonReader reader(resolve, limits, &notes.omittedBulkData);
    if (pixels) reader.skipPixelData();
    reader.readItem(instance, dataset, 0, "");
    nonAscii = reader.nonAsciiText();
  }
  settleCharacterSet(dataset, nonAscii);
  noteAttributesNotSent(dataset, notes.omittedBulkData);
  notes.transferSyntaxUid = writeRebuiltDataset(dataset, pixels, target);
  return notes;
}

std::string writeRebuiltDataset(DcmDataset& dataset, const std::optional<FramePixelData>& pixels,
                                const std::filesystem::path& target) {
  E_TransferSyntax xfer = EXS_LittleEndianExplicit;
  if (pixels) {
    const DcmXfer framesXfer(pixels->transferSyntaxUid.c_str());
    if (framesXfer.getXfer() == EXS_Unknown)
      throw DicomJsonError("frames in an unknown transfer syntax " + pixels->transferSyntaxUid);
    if (pixels->frames.empty()) throw DicomJsonError("no frames");
    delete dataset.remove(DCM_PixelData);
    if (encapsulatedPixels(framesXfer)) {
      xfer = framesXfer.getXfer();
      insertEncapsulatedPixelData(dataset, *pixels, xfer);
    } else {
      if (framesXfer.getByteOrder() == EBO_BigEndian)
        throw DicomJsonError("frames in big endian byte order are not supported");
      insertNativePixelData(dataset, *pixels);
    }
  }
  for (const DcmTagKey& uid : {DCM_SOPClassUID, DCM_SOPInstanceUID})
    if (trimmedValue(dataset, uid).empty()) throw DicomJsonError("no " + std::string(DcmTag(uid).getTagName()));

  // The dataset is written on its own, then framed by the same meta header writer as wrapped datasets, so every
  // file CloudFilm writes names it the same way.
  InstanceInfo info;
  info.sopClassUid = trimmedValue(dataset, DCM_SOPClassUID);
  info.sopInstanceUid = trimmedValue(dataset, DCM_SOPInstanceUID);
  info.transferSyntaxUid = DcmXfer(xfer).getXferID();
  const std::filesystem::path datasetFile = std::filesystem::path(target).concat(".dataset");
  std::error_code ec;
  const OFCondition status = dataset.saveFile(OFFilename(datasetFile.c_str()), xfer, EET_ExplicitLength,
                                              EGL_recalcGL, EPD_noChange);
  if (status.bad()) {
    const int error = errno;  // DCMTK's file stream leaves the failed write's errno: a full disk is told apart
    std::filesystem::remove(datasetFile, ec);
    throw Error(errorCodeForErrno(error), "cannot write " + platform::utf8Of(datasetFile) + ": " + status.text());
  }
  try {
    writePart10Wrapper(datasetFile, info, target);
  } catch (...) {
    std::filesystem::remove(datasetFile, ec);
    std::filesystem::remove(target, ec);
    throw;
  }
  std::filesystem::remove(datasetFile, ec);
  return DcmXfer(xfer).getXferID();
}

}  // namespace cloudfilm::dicom
