#include "ingest/report.h"

#include <sstream>

#include "platform/platform.h"

namespace cloudfilm::ingest {
namespace {

constexpr std::size_t kMaxCopyDecisionsShown = 20;

std::string shorten(const std::string& text, std::size_t max = 100) {
  return text.size() <= max ? text : text.substr(0, max - 3) + "...";
}

std::string listNumbers(const std::vector<long>& numbers, std::size_t max = 12) {
  std::string out;
  for (std::size_t i = 0; i < numbers.size() && i < max; ++i) out += (i ? ", " : "") + std::to_string(numbers[i]);
  if (numbers.size() > max) out += ", ... (" + std::to_string(numbers.size()) + " in all)";
  return out;
}

}  // namespace

void ImportReport::record(const std::vector<ObjectResult>& results, const std::string& source) {
  for (const auto& result : results) {
    if (result.rebuilt) rebuilt_.push_back(result.info.sopInstanceUid);
    if (result.outcome == Outcome::KeptForReconstruction && !result.reason.empty()) {
      incomplete_.push_back(result.reason);  // an instance the reconstruction could not complete, not a body
      continue;
    }
    ++counts_[result.outcome];
    // A ZIP's entries share their reasons ("not DICOM" for each file of a viewer program): grouped without the
    // entry's name, which goes to the example instead.
    std::string reason = result.reason;
    std::string example = source;
    if (!result.entry.empty()) {
      const std::string prefix = zipEntryReasonPrefix(result.entry);
      if (reason.compare(0, prefix.size(), prefix) == 0) reason.erase(0, prefix.size());
      example += "!/" + result.entry;
    }
    switch (result.outcome) {
      case Outcome::Rejected: {
        auto& entry = rejected_[reason];
        if (entry.count++ == 0) entry.example = example;
        break;
      }
      case Outcome::NotDicom: {
        auto& entry = notDicom_[reason];
        if (entry.count++ == 0) entry.example = example;
        break;
      }
      case Outcome::Replaced:
      case Outcome::KeptWorse:
        if (copyDecisions_.size() < kMaxCopyDecisionsShown)
          copyDecisions_.push_back(result.info.sopInstanceUid + ": " + result.reason);
        [[fallthrough]];
      case Outcome::Stored:
      case Outcome::Duplicate:
        seriesTouched_.insert(result.info.seriesInstanceUid);
        break;
      case Outcome::KeptForReconstruction:
      case Outcome::SearchAnswer:
      case Outcome::Preview:
        break;
    }
  }
}

std::size_t ImportReport::count(Outcome outcome) const {
  auto it = counts_.find(outcome);
  return it == counts_.end() ? 0 : it->second;
}

std::string describeSeries(const store::SeriesSummary& series, const dicomweb::SeriesFact* fact) {
  std::ostringstream out;
  out << series.instances << (series.instances == 1 ? " slice" : " slices");
  if (series.instanceNumberMin && series.instanceNumberMax && *series.instanceNumberMin != *series.instanceNumberMax)
    out << " (instances " << *series.instanceNumberMin << "-" << *series.instanceNumberMax << ")";
  if (!series.missingInstanceNumbers.empty())
    out << "; missing " << listNumbers(series.missingInstanceNumbers);
  const auto expected = dicomweb::expectedInstances(series, fact);
  if (expected.count && static_cast<std::size_t>(*expected.count) > series.instances) {
    if (expected.definite())
      out << "; " << series.instances << " of " << *expected.count << " (the site's count)";
    else  // NumberOfSlices / ImagesInAcquisition count an acquisition, which a series may hold part of
      out << "; the files suggest there may be " << *expected.count;
  }
  if (series.attributesNotSentCount > 0) {
    out << "; rebuilt without " << series.attributesNotSentCount
        << (series.attributesNotSentCount == 1 ? " attribute" : " attributes") << " the site did not send (";
    for (std::size_t i = 0; i < series.attributesNotSent.size(); ++i) out << (i ? " " : "") << series.attributesNotSent[i];
    if (series.attributesNotSent.size() < series.attributesNotSentCount) out << " ...";
    out << ")";
  }
  if (series.derived > 0)
    out << "; " << series.derived << (series.derived == 1 ? " file" : " files")
        << " rebuilt from the viewer's pixels: identifiers made by CloudFilm, not the hospital's";
  return out.str();
}

nlohmann::json seriesJson(const store::SeriesSummary& series, const dicomweb::SeriesFact* fact) {
  nlohmann::json json{{"seriesInstanceUid", series.seriesInstanceUid},
                      {"studyInstanceUid", series.studyInstanceUid},
                      {"patientName", series.first.patientName},
                      {"patientId", series.first.patientId},
                      {"studyDate", series.first.studyDate},
                      {"studyDescription", series.first.studyDescription},
                      {"modality", series.first.modality},
                      {"seriesDescription", series.first.seriesDescription},
                      {"folder", platform::utf8Of(series.folder)},
                      {"instances", series.instances},
                      {"missing", series.missingInstanceNumbers}};
  if (series.first.seriesNumber) json["seriesNumber"] = *series.first.seriesNumber;
  if (series.instanceNumberMin) json["instanceNumberMin"] = *series.instanceNumberMin;
  if (series.instanceNumberMax) json["instanceNumberMax"] = *series.instanceNumberMax;
  if (const auto expected = dicomweb::expectedInstances(series, fact); expected.count) {
    json["expected"] = *expected.count;
    json["expectedFrom"] = dicomweb::expectedFromName(expected.from);
  }
  // How its files were rebuilt ("dicomweb", "hinacom-tags", "hinacom-pixels"), and how many have identifiers
  // CloudFilm derived: a doctor must know those are not the hospital's.
  if (!series.rebuiltFrom.empty()) json["rebuiltFrom"] = series.rebuiltFrom;
  if (series.derived > 0) json["derived"] = series.derived;
  if (series.attributesNotSentCount > 0) {
    json["attributesNotSent"] = series.attributesNotSentCount;
    json["attributesNotSentNames"] = series.attributesNotSent;
    json["instancesWithoutAttributes"] = series.instancesWithoutAttributes;
  }
  return json;
}

std::string ImportReport::toText(const store::Store& store) const {
  std::ostringstream out;
  out << "Stored " << count(Outcome::Stored) << " new instance(s) in " << platform::utf8Of(store.root()) << "\n";
  out << "  duplicates (same bytes again): " << count(Outcome::Duplicate) << "\n";
  out << "  replaced by a better copy:     " << count(Outcome::Replaced) << "\n";
  out << "  worse copies not kept:         " << count(Outcome::KeptWorse) << "\n";
  if (count(Outcome::KeptForReconstruction))
    out << "  pieces kept aside for rebuilding (DICOMweb metadata/frames, vendor pixels): " << count(Outcome::KeptForReconstruction) << "\n";
  if (count(Outcome::Preview))
    out << "  reduced-resolution previews (never kept as the image): " << count(Outcome::Preview) << "\n";
  if (count(Outcome::SearchAnswer))
    out << "  DICOMweb search answers (read for series sizes, not kept): " << count(Outcome::SearchAnswer) << "\n";
  out << "  not DICOM (pages, scripts, pictures): " << count(Outcome::NotDicom) << "\n";
  for (const auto& [reason, entry] : notDicom_)
    if (reason.rfind("a rendered picture", 0) == 0)
      out << "    " << entry.count << " x " << reason << " (the site may only send pictures for some images)\n";
  out << "  rejected: " << count(Outcome::Rejected) << "\n";
  for (const auto& [reason, entry] : rejected_)
    out << "    " << entry.count << " x " << reason << " (e.g. " << shorten(entry.example) << ")\n";
  if (!rebuilt_.empty() || !incomplete_.empty()) {
    out << "  rebuilt (from DICOMweb metadata and frames, or a vendor viewer's pixels): " << rebuilt_.size() << "\n";
    for (std::size_t i = 0; i < rebuilt_.size() && i < kMaxCopyDecisionsShown; ++i)
      out << "    rebuilt: " << rebuilt_[i] << "\n";
    if (rebuilt_.size() > kMaxCopyDecisionsShown) out << "    ... (" << rebuilt_.size() << " in all)\n";
    out << "  incomplete, not rebuilt: " << incomplete_.size() << "\n";
    for (std::size_t i = 0; i < incomplete_.size() && i < kMaxCopyDecisionsShown; ++i)
      out << "    " << incomplete_[i] << "\n";
    if (incomplete_.size() > kMaxCopyDecisionsShown) out << "    ... (" << incomplete_.size() << " in all)\n";
  }
  for (const auto& decision : copyDecisions_) out << "  copy kept: " << decision << "\n";
  for (const auto& input : inputs_)
    if (!input.problem.empty()) out << (input.partial ? "  partly read: " : "  not read: ") << input.input << ": " << input.problem << "\n";
  const auto all = store.series();
  bool header = false;
  for (const auto& series : all) {
    if (!seriesTouched_.count(series.seriesInstanceUid)) continue;
    if (!header) out << "Series:\n";
    header = true;
    out << "  " << series.patientFolder << " / " << series.studyFolder << " / " << series.seriesFolder << ": "
        << describeSeries(series) << "\n";
  }
  return out.str();
}

nlohmann::json ImportReport::toJson(const store::Store& store) const {
  nlohmann::json json;
  json["outputFolder"] = platform::utf8Of(store.root());
  for (Outcome outcome : {Outcome::Stored, Outcome::Duplicate, Outcome::Replaced, Outcome::KeptWorse,
                          Outcome::KeptForReconstruction, Outcome::NotDicom, Outcome::Rejected,
                          Outcome::SearchAnswer, Outcome::Preview})
    json["counts"][outcomeName(outcome)] = count(outcome);
  json["rejected"] = nlohmann::json::array();
  for (const auto& [reason, entry] : rejected_)
    json["rejected"].push_back({{"reason", reason}, {"count", entry.count}, {"example", entry.example}});
  json["notDicom"] = nlohmann::json::array();
  for (const auto& [reason, entry] : notDicom_)
    json["notDicom"].push_back({{"reason", reason}, {"count", entry.count}, {"example", entry.example}});
  json["copyDecisions"] = copyDecisions_;
  json["rebuilt"] = rebuilt_;        // SOP Instance UIDs rebuilt from pieces (DICOMweb, a vendor viewer's answers)
  json["incomplete"] = incomplete_;  // instances seen in pieces but not complete: what is missing
  json["inputs"] = nlohmann::json::array();
  for (const auto& input : inputs_)
    json["inputs"].push_back({{"input", input.input}, {"problem", input.problem}, {"partial", input.partial}});
  json["series"] = nlohmann::json::array();
  for (const auto& series : store.series())
    if (seriesTouched_.count(series.seriesInstanceUid)) json["series"].push_back(seriesJson(series));
  return json;
}

}  // namespace cloudfilm::ingest
