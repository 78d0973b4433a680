// The ZIP reader (body/zip_archive.h) on a temporary file: every entry read, the archive opened or recovered as a
// stream. Limits are smaller than the host's so an input cannot make one run inflate gigabytes.
#include "body/zip_archive.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cloudfilm;
  const std::string_view bytes = fuzz::asView(data, size);
  (void)body::looksLikeZip(bytes.substr(0, 4));
  (void)body::zipEntryDisplayName(bytes.substr(0, 64));
  fuzz::TempFile file(bytes, "input.zip");
  body::ZipLimits limits;
  limits.maxEntries = 200;
  limits.maxEntryBytes = 8u << 20;
  limits.maxTotalBytes = 32u << 20;
  limits.ratioCheckedAbove = 1u << 20;
  body::ZipArchive archive(file.path(), limits);
  body::ZipBudget budget;
  std::uint64_t total = 0;
  archive.forEachEntry(budget, [&](const body::ZipEntry&, const body::ZipArchive::EntryReader& read) {
    const auto result = read([&](std::string_view block) { total += block.size(); });
    (void)result;
    return true;
  });
  if (total > limits.maxTotalBytes + (1u << 20)) __builtin_trap();  // the budget holds (one block of slack)
  return 0;
}
