#pragma once
// What GE's ZFP cloud-film viewer receives over its WebSocket, read into plain values. Pure: no I/O, no DCMTK. The
// shapes, as the open-source downloaders parse them (../shared/notes/cloud-film-sites.md, "GE ZFP"):
//   study    one binary message, gzip of the study's JSON: StudyInstanceUid, PatientName, Series[].Sops[]
//   object   three messages in a row: the text line "CMDGETOBJ <SOPInstanceUID>#<frame>", a JSON header (Rows,
//            Columns, BitsAllocated, ..., geometry), then the raw little-endian pixels, perhaps padded
// Every field comes from a web page: each parser bounds what it reads and says why it refuses.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cloudfilm::vendor::gezfp {

// "CMDGETOBJ 1.2.3.4#0": the object the next two messages carry. Nothing when the line is not one.
struct ObjectToken {
  std::string sopInstanceUid;
  std::uint32_t frame = 0;  // from 0
};
std::optional<ObjectToken> parseCommandLine(std::string_view line);

// The JSON header of an object. Rows and Columns are the full image's, also for a reduced preview.
struct ObjectHeader {
  std::uint32_t rows = 0, columns = 0;
  std::uint16_t samplesPerPixel = 1, bitsAllocated = 16, bitsStored = 16, highBit = 15;
  bool isSigned = false;
  std::string photometric = "MONOCHROME2";
  std::optional<double> slope, intercept, windowCenter, windowWidth, sliceThickness;
  std::optional<std::array<double, 2>> pixelSpacing;
  std::optional<std::array<double, 3>> imagePosition;
  std::optional<std::array<double, 6>> imageOrientation;
  std::optional<long> imageNumber;
  std::string frameOfReferenceUid;  // only when it is a valid UID
  std::uint64_t frameBytes() const {
    return std::uint64_t{rows} * columns * samplesPerPixel * (bitsAllocated / 8u);
  }
};
// True when `head` starts as a JSON object naming Rows, Columns and BitsAllocated: an object header, not any JSON.
bool looksLikeObjectHeader(std::string_view head);
// Throws std::invalid_argument with a plain reason when it is not JSON, or its size or encoding is not one CloudFilm
// can keep (rows and columns 1-65535, 8 or 16 bits allocated, 1 or 3 samples, a known photometric interpretation).
ObjectHeader parseObjectHeader(std::string_view json);

// The study's description (the inflated CMDGETOPTIMIZEDSTUDY answer).
struct Sop {
  std::string sopInstanceUid, sopClassUid;
  std::uint32_t frames = 1;
  std::optional<long> imageNumber;
};
struct Series {
  std::string seriesInstanceUid, description, modality;
  std::optional<long> number;
  std::vector<Sop> sops;
};
struct Study {
  std::string studyInstanceUid, patientName, patientId, studyDate, studyTime, description, accessionNumber;
  std::vector<Series> series;
};
// True when inflated text starts as the study's JSON object.
bool looksLikeStudy(std::string_view inflatedHead);
// Throws std::invalid_argument when it is not a study's JSON object with a valid StudyInstanceUid. Series and SOPs
// without valid UIDs are left out; at most `maxSops` SOPs are read.
Study parseStudy(std::string_view json, std::size_t maxSops = 100000);

}  // namespace cloudfilm::vendor::gezfp
