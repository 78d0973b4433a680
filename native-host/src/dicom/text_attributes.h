#pragma once
// A DICOM file rebuilt from attributes given as text, the way vendor viewers list a file's tags (Hinacom's
// GetImageDicomTags: a tag "0008,0016" and the value as DICOM text, several values joined with '\', no VR), plus the
// pixels the viewer fetched. The VR comes from DCMTK's dictionary. No DCMTK type appears here: callers see text in,
// a file out, and DicomJsonError (dicom_json.h) when no valid file can be made.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dicom/dicom_json.h"

namespace cloudfilm::dicom {

struct TextAttribute {
  std::uint16_t group = 0;
  std::uint16_t element = 0;
  std::string value;  // UTF-8; several values joined with '\'
};

// "0008,0016", "(0008,0016)" or "00080016" (hexadecimal, either case) -> {group, element}; nothing when malformed.
std::optional<std::pair<std::uint16_t, std::uint16_t>> parseTagText(std::string_view text);

struct TextInstance {
  std::vector<TextAttribute> attributes;
  FramePixelData pixels;
  // How the file was made ("hinacom-tags", "hinacom-pixels"): recorded in the file, in CloudFilm's private note
  // block (creator kRebuildNoteCreator, element xx12, LO), so it travels with the file where the index does not.
  std::string rebuiltFrom;
};

struct TextLimits {
  std::size_t maxAttributes = 20000;           // a real image has a few hundred
  std::size_t maxValueBytes = 1u << 20;        // one attribute's text
  std::uint64_t maxTotalBytes = 16ull << 20;   // all of them
};

struct TextRebuildNotes {
  std::string transferSyntaxUid;      // of the written file
  // Attributes left out, each with why: "(0008,0020) \"2026-13-45\": not a valid DA value", "(0009,0010): a
  // sequence given as text". Group 0002 (regenerated) and Pixel Data (from the pixels) are left out silently.
  std::vector<std::string> refused;
};

// Writes `target` (a new file): preamble, meta header, every usable attribute of `instance` and its pixels. Unknown
// public tags, binary VRs and sequences given as text, values that break their VR or multiplicity, and repeated tags
// are refused one by one (named in the notes). Private attributes take LO (UT past 64 characters). Throws
// DicomJsonError when the identity (SOP Class, SOP Instance, Study and Series Instance UIDs) is missing or invalid,
// when a limit is passed, or when native pixels disagree with Rows x Columns x Samples x BitsAllocated x Frames;
// cloudfilm::Error when the file cannot be written (nothing is left behind).
TextRebuildNotes writeInstanceFromText(const TextInstance& instance, const std::filesystem::path& target,
                                       const TextLimits& limits = {});

}  // namespace cloudfilm::dicom
