#include <unistd.h>

#include <fstream>
#include <map>

#include <gtest/gtest.h>

#include "host/paths.h"
#include "platform/platform.h"
#include "host/settings.h"

using namespace cloudfilm::host;
namespace fs = std::filesystem;

TEST(HostPaths, DownloadDirFromUserDirsWithHomeExpanded) {
  const std::string text =
      "# This file is written by xdg-user-dirs-update\n"
      "XDG_DESKTOP_DIR=\"$HOME/桌面\"\n"
      "XDG_DOWNLOAD_DIR=\"$HOME/下载\"\n";
  EXPECT_EQ(cloudfilm::platform::parseXdgDownloadDir(text, "/home/me"), fs::path("/home/me/下载"));
}

TEST(HostPaths, DownloadDirAbsoluteRelativeAndDisabled) {
  EXPECT_EQ(cloudfilm::platform::parseXdgDownloadDir("XDG_DOWNLOAD_DIR=\"/data/dl\"\n", "/home/me"), fs::path("/data/dl"));
  EXPECT_EQ(cloudfilm::platform::parseXdgDownloadDir("XDG_DOWNLOAD_DIR=\"Downloads 2\"\n", "/home/me"), fs::path("/home/me/Downloads 2"));
  EXPECT_EQ(cloudfilm::platform::parseXdgDownloadDir("XDG_DOWNLOAD_DIR=\"$HOME/\"\n", "/home/me"), std::nullopt);
  EXPECT_EQ(cloudfilm::platform::parseXdgDownloadDir("XDG_MUSIC_DIR=\"$HOME/Music\"\n", "/home/me"), std::nullopt);
  EXPECT_EQ(cloudfilm::platform::parseXdgDownloadDir("", "/home/me"), std::nullopt);
}

TEST(HostPaths, XdgVariablesAndOverrides) {
  std::map<std::string, std::string> vars = {{"HOME", "/home/me"},
                                             {"XDG_DATA_HOME", "/x/data"},
                                             {"XDG_STATE_HOME", "/x/state"},
                                             {"XDG_CONFIG_HOME", "/nonexistent-config"}};
  auto env = [&](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
  HostPaths paths = resolvePaths(env);
  EXPECT_EQ(paths.dataDir, fs::path("/x/data/cloudfilm"));
  EXPECT_EQ(paths.stagingDir, fs::path("/x/data/cloudfilm/staging"));
  EXPECT_EQ(paths.logFile, fs::path("/x/state/cloudfilm/host.log"));
  EXPECT_EQ(paths.settingsFile, fs::path("/nonexistent-config/cloudfilm/settings.json"));
  EXPECT_EQ(paths.defaultOutput, fs::path("/home/me/Downloads/CloudFilm"));
  EXPECT_FALSE(paths.outputOverride);

  vars["CLOUDFILM_DATA_DIR"] = "/t/data";
  vars["CLOUDFILM_OUTPUT_DIR"] = "/t/out";
  vars["XDG_STATE_HOME"] = "relative/ignored";
  paths = resolvePaths(env);
  EXPECT_EQ(paths.dataDir, fs::path("/t/data"));
  EXPECT_EQ(paths.logFile, fs::path("/home/me/.local/state/cloudfilm/host.log"));

  Settings settings;
  settings.outputFolder = "/from/settings";
  EXPECT_EQ(effectiveOutputFolder(paths, settings), fs::path("/t/out"));  // env wins over settings
  paths.outputOverride.reset();
  EXPECT_EQ(effectiveOutputFolder(paths, settings), fs::path("/from/settings"));  // settings win over nothing
  EXPECT_EQ(effectiveOutputFolder(paths, {}), paths.defaultOutput);
}

TEST(HostSettings, RoundTripAndBrokenFile) {
  const fs::path dir = fs::temp_directory_path() / ("cf-settings-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  const fs::path file = dir / "cloudfilm" / "settings.json";
  EXPECT_FALSE(loadSettings(file).outputFolder);
  saveSettings(file, Settings{fs::path("/home/me/Films")});
  EXPECT_EQ(loadSettings(file).outputFolder, fs::path("/home/me/Films"));
  { std::ofstream(file) << "{not json"; }
  std::string problem;
  EXPECT_FALSE(loadSettings(file, &problem).outputFolder);
  EXPECT_FALSE(problem.empty());
  EXPECT_TRUE(prepareOutputFolder("relative/path").has_value());
  EXPECT_FALSE(prepareOutputFolder(dir / "out" / "deep").has_value());
  fs::remove_all(dir);
}
