// cloudfilm: the command line. Parses arguments, calls the library, maps outcomes to exit codes.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "dicom/dicom_file.h"
#include "dicom/dicom_send.h"
#include "export/export.h"
#include "ingest/import.h"
#include "ingest/ingestor.h"
#include "ingest/report.h"
#include "platform/platform.h"
#include "store/store.h"

namespace {

enum ExitCode {
  kOk = 0,
  kUsage = 1,
  kInputUnreadable = 2,
  kInputCut = 3,
  kOutputUnwritable = 4,
  kInstallation = 5,
  kNotAllSent = 6,
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
  cloudfilm export --out DIR --dicomdir DEST [--series UID ...] [--json]
      Copy what DIR keeps (or the series named) to DEST, a new or empty folder for a disc or
      USB stick: DICOMDIR at its root, the files under DICOM/PAT00001/STU00001/SER00001/IMG00001,
      byte for byte as kept, and README.txt (Chinese and English) naming the patient, studies
      and series. The DICOMDIR's application profile is the one that accepts the files'
      transfer syntaxes (general purpose CD-R STD-GEN-CD/DVD-RAM, else USB/flash with JPEG or
      JPEG 2000); files no profile accepts (JPEG-LS, RLE...) go on the disc all the same and
      README.txt names them.
  cloudfilm export --out DIR --zip FILE [--series UID ...] [--json]
      The same export as one ZIP file (FILE must not exist); its size is printed before writing.
  cloudfilm send --out DIR --to AET@HOST:PORT [--calling-aet AET] [--series UID ...] [--json]
      Send what DIR keeps (or the series named) to a DICOM destination (a PACS, a workstation)
      with C-STORE, each file in its own transfer syntax, never transcoded; one line per image
      says what the destination answered. --calling-aet is our AE title (default CLOUDFILM).

Files go to DIR/<Patient (ID)>/<Study date, modality, description>/<Series number, modality,
description>/0001.dcm ..., one file per SOP instance, byte-identical to what was served, slices
numbered in anatomical order. Importing again adds only what is new; a better copy of an instance
(lossless over lossy) replaces a worse one.

Options:
  --out DIR   the output folder (created if needed)
  --json      print the summary as JSON instead of text
  --series UID
              export or send only this series (repeat, or give several UIDs; `list --json` shows them)
  --help      this text
  --version   the version

Exit status:
  0  every input was read (bodies that are not usable DICOM are reported, not errors)
  1  wrong usage
  2  an input could not be read, or is not a HAR file
  3  a HAR file was cut off: what came before the cut was filed
  4  the output folder cannot be created or written (or the disk is full); for export: DEST is
     not new or empty, FILE exists, or the export cannot be written (nothing half-written is left)
  5  the installation is broken (DICOM data dictionary missing)
  6  send: the destination refused the association or did not store every image
)";

// Arguments are UTF-8 (platform::argumentsUtf8); paths are made from them here, never by an implicit conversion
// (which, on Windows, would read them in the ANSI code page).
std::filesystem::path pathArgument(const std::string& utf8) { return cloudfilm::platform::pathFromUtf8(utf8); }

struct Arguments {
  std::string command;
  std::vector<std::string> inputs;
  std::optional<std::string> out;
  std::optional<std::string> dicomdir, zip;
  std::vector<std::string> series;
  std::optional<std::string> to, callingAet;
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
    } else if (arg == "--dicomdir" || arg == "--zip") {
      if (i + 1 >= argc) {
        error = arg + (arg == "--zip" ? " needs a file" : " needs a folder");
        return std::nullopt;
      }
      (arg == "--zip" ? args.zip : args.dicomdir) = argv[++i];
    } else if (arg == "--to" || arg == "--calling-aet") {
      if (i + 1 >= argc) {
        error = arg + (arg == "--to" ? " needs AET@HOST:PORT" : " needs an AE title");
        return std::nullopt;
      }
      (arg == "--to" ? args.to : args.callingAet) = argv[++i];
    } else if (arg == "--series") {
      if (i + 1 >= argc || std::strncmp(argv[i + 1], "--", 2) == 0) {
        error = "--series needs a series UID";
        return std::nullopt;
      }
      while (i + 1 < argc && std::strncmp(argv[i + 1], "--", 2) != 0) args.series.push_back(argv[++i]);
    } else if (arg.rfind("--", 0) == 0) {
      error = "unknown option " + arg;
      return std::nullopt;
    } else if (args.command.empty()) {
      args.command = arg;
    } else {
      args.inputs.push_back(arg);
    }
  }
  if (args.command != "import-har" && args.command != "import" && args.command != "list" &&
      args.command != "export" && args.command != "send") {
    error = args.command.empty() ? "no command given" : "unknown command " + args.command;
    return std::nullopt;
  }
  if (!args.out || args.out->empty()) {
    error = "--out DIR is required";
    return std::nullopt;
  }
  if (args.command == "export") {
    if (!args.inputs.empty()) {
      error = "export takes no inputs: the library is --out DIR";
      return std::nullopt;
    }
    if (args.to || args.callingAet) {
      error = "--to and --calling-aet are for send";
      return std::nullopt;
    }
    if (args.dicomdir.has_value() == args.zip.has_value()) {
      error = "export needs one of --dicomdir DEST or --zip FILE";
      return std::nullopt;
    }
    if ((args.dicomdir && args.dicomdir->empty()) || (args.zip && args.zip->empty())) {
      error = "export needs a non-empty destination";
      return std::nullopt;
    }
    return args;
  }
  if (args.command == "send") {
    if (!args.inputs.empty() || args.dicomdir || args.zip) {
      error = "send takes no inputs: the library is --out DIR, the destination --to AET@HOST:PORT";
      return std::nullopt;
    }
    if (!args.to) {
      error = "send needs --to AET@HOST:PORT";
      return std::nullopt;
    }
    if (args.callingAet && (args.callingAet->empty() || args.callingAet->size() > 16)) {
      error = "--calling-aet must be 1 to 16 characters";
      return std::nullopt;
    }
    cloudfilm::dicom::StoreDestination destination;
    if (!cloudfilm::dicom::parseStoreDestination(*args.to, destination, error)) {
      error = "--to: " + error;
      return std::nullopt;
    }
    return args;
  }
  if (args.dicomdir || args.zip || !args.series.empty() || args.to || args.callingAet) {
    error = "--dicomdir, --zip, --series, --to and --calling-aet are for export and send";
    return std::nullopt;
  }
  if (args.command != "list" && args.inputs.empty()) {
    error = args.command + " needs at least one input";
    return std::nullopt;
  }
  return args;
}

std::string megabytes(std::uint64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f MB", static_cast<double>(bytes) / 1e6);
  return text;
}

// Opens the library `--out` names and plans what export or send hands over (`--series`, or everything). Returns
// the exit status when it cannot.
std::optional<int> openLibraryAndPlan(const Arguments& args, const char* purpose,
                                      std::optional<cloudfilm::store::Store>& store,
                                      cloudfilm::handover::ExportPlan& plan) {
  std::error_code ec;
  if (!std::filesystem::is_directory(pathArgument(*args.out), ec)) {
    std::cerr << "cloudfilm: " << *args.out << " is not a library folder (nothing to " << purpose << ")\n";
    return kInputUnreadable;
  }
  try {
    store.emplace(pathArgument(*args.out));
  } catch (const std::exception& e) {
    std::cerr << "cloudfilm: " << e.what() << "\n";
    return kOutputUnwritable;
  }
  try {
    plan = cloudfilm::handover::planExport(*store, args.series);
  } catch (const std::exception& e) {
    std::cerr << "cloudfilm: " << e.what() << "\n";
    return kUsage;
  }
  return std::nullopt;
}

int runExport(const Arguments& args) {
  namespace handover = cloudfilm::handover;
  std::optional<cloudfilm::store::Store> store;
  handover::ExportPlan plan;
  if (auto failed = openLibraryAndPlan(args, "export", store, plan)) return *failed;
  handover::ExportResult result;
  try {
    if (args.dicomdir) {
      result = handover::exportDicomDir(plan, *store, pathArgument(*args.dicomdir));
    } else {
      result = handover::exportZip(plan, *store, pathArgument(*args.zip), [&](std::uint64_t bytes) {
        // Before anything is written: a person can stop here when it will not fit where it goes.
        (args.json ? std::cerr : std::cout) << "Writing " << plan.files.size() << " images, " << megabytes(bytes)
                                            << " before compression, to " << *args.zip << "\n"
                                            << std::flush;
      });
    }
  } catch (const std::exception& e) {
    std::cerr << "cloudfilm: " << e.what() << "\n";
    return kOutputUnwritable;
  }
  if (args.json) {
    nlohmann::json series = nlohmann::json::array();
    for (const auto& s : plan.series)
      series.push_back({{"seriesInstanceUid", s.summary.seriesInstanceUid},
                        {"studyInstanceUid", s.summary.studyInstanceUid},
                        {"folder", s.folderId},
                        {"images", s.summary.instances}});
    std::cout << nlohmann::json{{"written", cloudfilm::platform::utf8Of(result.written)},
                                {"profile", result.profile},
                                {"images", result.files},
                                {"bytes", result.bytes},
                                {"series", series},
                                {"outsideProfile", result.outsideProfile},
                                {"notInDicomdir", result.notReferenced}}
                     .dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
              << "\n";
    return kOk;
  }
  std::cout << "Exported " << result.files << " images of " << plan.series.size() << " series to "
            << cloudfilm::platform::utf8Of(result.written) << " (" << megabytes(result.bytes) << "), DICOMDIR profile " << result.profile
            << "\n";
  for (const auto& s : plan.series)
    std::cout << "  " << s.folderId << ": " << s.summary.patientFolder << " / " << s.summary.studyFolder << " / "
              << s.summary.seriesFolder << ", " << s.summary.instances << " images\n";
  if (!result.outsideProfile.empty()) {
    std::cout << result.outsideProfile.size() << " files use a transfer syntax " << result.profile
              << " does not list (on the disc all the same; README.txt names them):\n";
    for (const auto& line : result.outsideProfile) std::cout << "  " << line << "\n";
  }
  if (!result.notReferenced.empty()) {
    std::cout << result.notReferenced.size() << " files are on the disc but not in the DICOMDIR:\n";
    for (const auto& line : result.notReferenced) std::cout << "  " << line << "\n";
  }
  return kOk;
}

int runSend(const Arguments& args) {
  namespace handover = cloudfilm::handover;
  std::optional<cloudfilm::store::Store> store;
  handover::ExportPlan plan;
  if (auto failed = openLibraryAndPlan(args, "send", store, plan)) return *failed;
  cloudfilm::dicom::StoreDestination destination;
  std::string error;
  cloudfilm::dicom::parseStoreDestination(*args.to, destination, error);
  if (args.callingAet) destination.callingAeTitle = *args.callingAet;
  std::vector<cloudfilm::dicom::StoreItem> items;
  for (const auto& file : plan.files)
    items.push_back({file.source, file.sopClassUid, file.sopInstanceUid, file.transferSyntaxUid});
  const auto relative = [&](std::size_t i) {
    return cloudfilm::platform::utf8Of(std::filesystem::path(plan.files[i].source).lexically_relative(store->root()));
  };
  const auto outcome = cloudfilm::dicom::storeFiles(destination, items, [&](std::size_t i, const auto& result) {
    if (!args.json) std::cout << (result.stored ? "  sent " : "  NOT sent ") << relative(i) << ": " << result.message << "\n";
  });
  std::size_t stored = 0;
  for (const auto& item : outcome.items) stored += item.stored ? 1 : 0;
  if (args.json) {
    nlohmann::json instances = nlohmann::json::array();
    for (std::size_t i = 0; i < outcome.items.size(); ++i)
      instances.push_back({{"file", relative(i)},
                           {"sopInstanceUid", plan.files[i].sopInstanceUid},
                           {"stored", outcome.items[i].stored},
                           {"status", outcome.items[i].status},
                           {"message", outcome.items[i].message}});
    nlohmann::json report = {{"destination", *args.to}, {"sent", stored}, {"images", plan.files.size()},
                             {"instances", instances}};
    if (!outcome.associationProblem.empty()) report["problem"] = outcome.associationProblem;
    std::cout << report.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  }
  if (!outcome.associationProblem.empty()) {
    std::cerr << "cloudfilm: nothing sent to " << *args.to << ": " << outcome.associationProblem << "\n";
    return kNotAllSent;
  }
  if (!args.json) std::cout << stored << " of " << plan.files.size() << " images stored by " << *args.to << "\n";
  if (stored != plan.files.size()) {
    std::cerr << "cloudfilm: " << plan.files.size() - stored << " images were not stored by " << *args.to << "\n";
    return kNotAllSent;
  }
  return kOk;
}

int run(const Arguments& args) {
  if (args.command == "export") return runExport(args);
  if (args.command == "send") return runSend(args);
  std::optional<cloudfilm::store::Store> store;
  try {
    store.emplace(pathArgument(*args.out));
  } catch (const std::exception& e) {
    std::cerr << "cloudfilm: " << e.what() << "\n";
    return kOutputUnwritable;
  }
  cloudfilm::ingest::ImportReport report;
  cloudfilm::ingest::Ingestor ingestor(*store);
  try {
    for (const auto& input : args.inputs) {
      if (args.command == "import-har") {
        cloudfilm::ingest::importHar(pathArgument(input), ingestor, report);
      } else {
        cloudfilm::ingest::importPath(pathArgument(input), ingestor, report, store->root());
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
      std::cout << nlohmann::json{{"outputFolder", cloudfilm::platform::utf8Of(store->root())}, {"series", series}}.dump(2) << "\n";
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
  cloudfilm::platform::prepareStandardStreams();
  // The arguments as UTF-8 whatever the platform passed main(); parse() keeps the argv shape.
  std::vector<std::string> words = cloudfilm::platform::argumentsUtf8(argc, argv);
  std::vector<char*> pointers{argv[0]};
  for (std::string& word : words) pointers.push_back(word.data());
  argc = static_cast<int>(pointers.size());
  argv = pointers.data();
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
