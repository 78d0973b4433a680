#pragma once
// What CloudFilm needs to know about a UID or a transfer syntax, as plain values (no DCMTK in this header).
#include <string>

namespace cloudfilm::dicom {

// True for transfer syntaxes that may discard information (JPEG baseline/extended, JPEG-LS near-lossless,
// JPEG 2000 (irreversible allowed), MPEG, HTJ2K lossy...).
bool isLossyTransferSyntax(const std::string& uid);

// A short name for a transfer syntax ("Explicit VR Little Endian"); the UID itself when unknown.
std::string transferSyntaxName(const std::string& uid);

// True for a syntactically valid UID: 1-64 chars, digits and dots, no empty component.
bool isValidUid(const std::string& uid);

}  // namespace cloudfilm::dicom
