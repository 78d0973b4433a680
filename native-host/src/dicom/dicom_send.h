#pragma once
// Sending files to a DICOM destination (a PACS, a workstation) with C-STORE, through DCMTK's DcmSCU. Plain values
// here: no DCMTK type leaves dicom/.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace cloudfilm::dicom {

struct StoreDestination {
  std::string calledAeTitle;  // the destination's AE title
  std::string host;
  std::uint16_t port = 104;
  std::string callingAeTitle = "CLOUDFILM";
  int timeoutSeconds = 30;  // connection, association and each response
};

struct StoreItem {
  std::filesystem::path file;
  std::string sopClassUid, sopInstanceUid, transferSyntaxUid;
};

struct StoreItemResult {
  bool stored = false;     // the destination answered success (or a warning: stored with remarks)
  std::uint16_t status = 0;  // the C-STORE response status, when there was one
  std::string message;     // "stored", "warning 0xB000 ...", or why not
};

struct StoreOutcome {
  std::string associationProblem;  // non-empty: no association (refused, unreachable...): nothing was sent
  std::vector<StoreItemResult> items;  // one per item, in order (when associated)
};

// Parses "AET@HOST:PORT". Returns false (and says why in `error`) for anything else.
bool parseStoreDestination(const std::string& text, StoreDestination& destination, std::string& error);

// Sends `items` over one association that proposes, for each SOP class, exactly the transfer syntaxes of its files:
// the files go as they are, never converted. `progress` is told after each item.
StoreOutcome storeFiles(const StoreDestination& destination, const std::vector<StoreItem>& items,
                        const std::function<void(std::size_t index, const StoreItemResult&)>& progress = {});

}  // namespace cloudfilm::dicom
