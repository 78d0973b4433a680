#pragma once
// Real JPEG 2000 files for tests, made by Debian's opj_compress (package libopenjp2-tools, installed by
// installer/deps.sh) from images the test writes. A missing tool fails the test that needs it, saying what to
// install: never a quiet pass. POSIX only (a shell runs the tool); tests/windows/CMakeLists.txt leaves these tests out.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "test_files.h"

namespace cloudfilm::test {

// opj_compress on PATH (or in /usr/bin); empty when it is not installed.
inline fs::path opjCompress() {
  std::vector<fs::path> dirs;
  if (const char* path = std::getenv("PATH")) {
    std::string all = path;
    for (std::size_t start = 0; start <= all.size();) {
      const std::size_t end = std::min(all.find(':', start), all.size());
      if (end > start) dirs.emplace_back(all.substr(start, end - start));
      start = end + 1;
    }
  }
  dirs.emplace_back("/usr/bin");
  for (const auto& dir : dirs) {
    std::error_code ec;
    const fs::path candidate = dir / "opj_compress";
    if (fs::is_regular_file(candidate, ec)) return candidate;
  }
  return {};
}

#define CF_REQUIRE_OPJ_COMPRESS()                                                                           \
  do {                                                                                                      \
    if (cloudfilm::test::opjCompress().empty())                                                             \
      FAIL() << "opj_compress not found: install Debian's libopenjp2-tools (installer/deps.sh --tests)";    \
  } while (0)

// A grey image as a binary PGM (P5): `maxValue` over 255 writes two bytes per sample, big endian (as PGM says).
inline std::string makePgm(std::uint32_t width, std::uint32_t height, std::uint32_t maxValue,
                           const std::vector<std::uint16_t>& samples) {
  std::string out = "P5\n" + std::to_string(width) + " " + std::to_string(height) + "\n" + std::to_string(maxValue) + "\n";
  for (std::uint16_t value : samples) {
    if (maxValue > 255) out.push_back(static_cast<char>(value >> 8));
    out.push_back(static_cast<char>(value & 0xFF));
  }
  return out;
}

// A ramp that uses every bit of `maxValue` (so the encoder cannot shrink the declared depth).
inline std::vector<std::uint16_t> rampSamples(std::uint32_t width, std::uint32_t height, std::uint32_t maxValue) {
  std::vector<std::uint16_t> samples(std::size_t{width} * height);
  for (std::size_t i = 0; i < samples.size(); ++i)
    samples[i] = static_cast<std::uint16_t>((i * 2654435761u) % (maxValue + 1));
  if (!samples.empty()) samples.back() = static_cast<std::uint16_t>(maxValue);
  return samples;
}

// Runs opj_compress on `input` (written to `folder` under `inputName`, whose extension tells opj_compress its format)
// into `outputName` (".jp2" or ".j2k"), with `options`; returns the file's bytes. Fails the test (and returns "")
// when the tool is missing or fails.
inline std::string runOpjCompress(const fs::path& folder, const std::string& inputName, const std::string& input,
                                  const std::string& outputName, const std::string& options) {
  const fs::path tool = opjCompress();
  if (tool.empty()) {
    ADD_FAILURE() << "opj_compress not found: install Debian's libopenjp2-tools (installer/deps.sh --tests)";
    return {};
  }
  writeFile(folder / inputName, input);
  const fs::path output = folder / outputName, log = folder / (outputName + ".log");
  std::error_code ec;
  fs::remove(output, ec);
  const std::string command = "'" + tool.string() + "' -i '" + (folder / inputName).string() + "' -o '" +
                              output.string() + "' " + options + " >'" + log.string() + "' 2>&1";
  const int status = std::system(command.c_str());
  if (status != 0 || !fs::exists(output)) {
    ADD_FAILURE() << "opj_compress failed (" << status << "): " << command << "\n" << readFile(log);
    return {};
  }
  return readFile(output);
}

}  // namespace cloudfilm::test
