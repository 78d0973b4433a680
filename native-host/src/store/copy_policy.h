#pragma once
// Which of two copies of one SOP instance the library keeps. A pure function of what inspection said about each
// copy, where it came from and its size: no files, no store.
#include <cstdint>
#include <string>

#include "dicom/instance_info.h"

namespace cloudfilm::store {

// Where a copy came from; a copy as served beats one we had to wrap or rebuild.
enum class Origin { Served = 0, Wrapped = 1, Rebuilt = 2 };

// "served", "wrapped", "rebuilt".
const char* originName(Origin origin);

struct CopyFacts {
  const dicom::InstanceInfo& info;
  Origin origin = Origin::Served;
  std::uint64_t bytes = 0;
};

struct CopyChoice {
  bool candidateIsBetter = false;  // replace the kept copy with the candidate
  std::string reason;              // which copy is kept and why, for the report
};

// The rules, first difference wins: lossless over lossy; served over wrapped over rebuilt; with pixel data over
// without; more dataset elements over fewer. A tie keeps the kept copy: the first copy a viewer loads is usually the
// original, and keeping it makes re-imports stable.
CopyChoice compareCopies(const CopyFacts& candidate, const CopyFacts& kept);

}  // namespace cloudfilm::store
