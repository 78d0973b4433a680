// cloudfilm: the command line. Parses arguments, calls the library, maps outcomes to exit codes.
#include <algorithm>
#include <cstring>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "dicom/dicom_file.h"
#include "ingest/import.h"
#include "ingest/ingestor.h"
#include "ingest/report.h"
#include "store/store.h"

namespace {

enum ExitCode {
  kOk = 0,
  kUsage = 1,
  kInputUnreadable = 2,
  kInputCut = 3,
  kOutputUnwritable = 4,
  kInstallation = 5,
};

constexpr const char* kHelp = R"(cloudfilm - keep the DICOM images a hospital's web viewer sent to your browser

Usage:
  cloudfilm import-har FILE.har [FILE.har ...] --out DIR [--json]
      File every DICOM instance found in HAR files saved from the browser's DevTools
      (Chrome or Firefox; whole files, WADO-RS multipart bodies, bare datasets, ZIP bodies,
      DICOMweb metadata and frames, and the WebSocket messages Chrome keeps in a HAR).
  cloudfilm import PATH [PATH ...] --out DIR [--json]
      File DICOM files, ZIP files (a study saved with a site's own download button), or every
      file below folders, already on disk.
  cloudfilm list --out DIR [--json]
      Show the patients, studies and series kept in DIR.

Files go to DIR/<Patient (ID)>/<Study date, modality, description>/<Series number, modality,
description>/0001.dcm ..., one file per SOP instance, byte-identical to what was served, slices
numbered in anatomical order. Importing again adds only what is new; a better copy of an instance
(lossless over lossy) replaces a worse one.

Options:
  --out DIR   the output folder (created if needed)
  --json      print the summary as JSON instead of text
  --help      this text
  --version   the version

Exit status:
  0  every input was read (bodies that are not usable DICOM are reported, not errors)
  1  wrong usage
  2  an input could not be read, or is not a HAR file
  3  a HAR file was cut off: what came before the cut was filed
  4  the output folder cannot be created or written (or the disk is full)
  5  the installation is broken (DICOM data dictionary missing)
)";

struct Arguments {
  std::string command;
  std::vector<std::string> inputs;
  std::optional<std::string> out;
  bool json = false;
};

std::optional<Arguments> parse(int argc, char** argv, std::string& error) {
  Arguments args;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--out") {
      if (i + 1 >= argc) {
        error = "--out needs a folder";
        return std::nullopt;
      }
      args.out = argv[++i];
    } else if (arg.rfind("--out=", 0) == 0) {
      args.out = arg.substr(6);
    } else if (arg == "--json") {
      args.json = true;
    } else if (arg.rfind("--", 0) == 0) {
      error = "unknown option " + arg;
      return std::nullopt;
    } else if (args.command.empty()) {
      args.command = arg;
    } else {
      args.inputs.push_back(arg);
    }
  }
  if (args.command != "import-har" && args.command != "import" && args.command != "list") {
    error = args.command.empty() ? "no command given" : "unknown command " + args.command;
    return std::nullopt;
  }
  if (!args.out || args.out->empty()) {
    error = "--out DIR is required";
    return std::nullopt;
  }
  if (args.command != "list" && args.inputs.empty()) {
    error = args.command + " needs at least one input";
    return std::nullopt;
  }
  return args;
}

int run(const Arguments& args) {
  std::optional<cloudfilm::store::Store> store;
  try {
    store.emplace(*args.out);
  } catch (const std::exception& e) {
    std::cerr << "cloudfilm: " << e.what() << "\n";
    return kOutputUnwritable;
  }
  cloudfilm::ingest::ImportReport report;
  cloudfilm::ingest::Ingestor ingestor(*store);
  try {
    for (const auto& input : args.inputs) {
      if (args.command == "import-har") {
        cloudfilm::ingest::importHar(input, ingestor, report);
      } else {
        cloudfilm::ingest::importPath(input, ingestor, report, store->root());
      }
    }
    if (args.command == "import-har") {
      // Viewers that fetch DICOMweb metadata and frames never send a file: rebuild the complete instances.
      report.record(ingestor.rebuildFromPieces(), "DICOMweb metadata and frames");
    }
    store->commit();
  } catch (const std::exception& e) {
    // Only the library's own writes throw: what was filed before stays filed and indexed.
    try {
      store->commit();
    } catch (...) {
    }
    std::cerr << "cloudfilm: " << e.what() << "\n";
    return kOutputUnwritable;
  }

  if (args.command == "list") {
    if (args.json) {
      nlohmann::json series = nlohmann::json::array();
      for (const auto& s : store->series()) series.push_back(cloudfilm::ingest::seriesJson(s));
      std::cout << nlohmann::json{{"outputFolder", store->root().string()}, {"series", series}}.dump(2) << "\n";
    } else {
      for (const auto& s : store->series())
        std::cout << s.patientFolder << " / " << s.studyFolder << " / " << s.seriesFolder << ": "
                  << cloudfilm::ingest::describeSeries(s) << "\n";
    }
    return kOk;
  }

  if (args.json) {
    std::cout << report.toJson(*store).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  } else {
    std::cout << report.toText(*store);
  }
  int status = kOk;
  for (const auto& input : report.inputs()) {
    if (input.problem.empty()) continue;
    std::cerr << "cloudfilm: " << input.input << ": " << input.problem << "\n";
    status = std::max(status, input.partial ? static_cast<int>(kInputCut) : static_cast<int>(kInputUnreadable));
  }
  // "unreadable" outranks "cut off": both are reported, the worse decides the exit status.
  for (const auto& input : report.inputs())
    if (!input.problem.empty() && !input.partial) status = kInputUnreadable;
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
      std::cout << kHelp;
      return kOk;
    }
    if (std::strcmp(argv[i], "--version") == 0) {
      std::cout << "cloudfilm " << CLOUDFILM_VERSION << "\n";
      return kOk;
    }
  }
  std::string error;
  const auto args = parse(argc, argv, error);
  if (!args) {
    std::cerr << "cloudfilm: " << error << " (see cloudfilm --help)\n";
    return kUsage;
  }
  if (auto problem = cloudfilm::dicom::initialize()) {
    std::cerr << "cloudfilm: " << *problem << "\n";
    return kInstallation;
  }
  return run(*args);
}
