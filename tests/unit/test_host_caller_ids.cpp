// The host serves only CloudFilm's extension: the ids hard-coded in host/caller_ids.h must be the extension's.
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "host/caller.h"
#include "host/caller_ids.h"

using namespace cloudfilm::host;

TEST(HostCallerIds, MatchTheExtensionsIdsJson) {
  std::ifstream in(CLOUDFILM_EXTENSION_IDS_JSON);
  ASSERT_TRUE(in) << CLOUDFILM_EXTENSION_IDS_JSON;
  const auto ids = nlohmann::json::parse(in);
  EXPECT_EQ(ids.at("chromiumId").get<std::string>(), kChromiumExtensionId);
  EXPECT_EQ(ids.at("geckoId").get<std::string>(), kGeckoExtensionId);
  EXPECT_EQ(ids.at("nativeHost").get<std::string>(), kNativeHostName);
}

TEST(HostCaller, ChromiumOriginOfOurExtensionIsAllowed) {
  const auto caller = identifyCaller({std::string("chrome-extension://") + kChromiumExtensionId + "/"});
  EXPECT_TRUE(caller.allowed);
  EXPECT_EQ(caller.browser, Browser::Chromium);
  // Windows adds --parent-window after the origin.
  EXPECT_TRUE(identifyCaller({std::string("chrome-extension://") + kChromiumExtensionId + "/", "--parent-window=0"})
                  .allowed);
}

TEST(HostCaller, FirefoxManifestAndAddonIdAreAllowed) {
  const auto caller = identifyCaller({"/home/me/.mozilla/native-messaging-hosts/app.cloudfilm.host.json",
                                      kGeckoExtensionId});
  EXPECT_TRUE(caller.allowed);
  EXPECT_EQ(caller.browser, Browser::Firefox);
}

TEST(HostCaller, EveryOtherCallerIsRefused) {
  EXPECT_FALSE(identifyCaller({}).allowed);
  EXPECT_FALSE(identifyCaller({"chrome-extension://aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/"}).allowed);
  EXPECT_FALSE(identifyCaller({std::string("chrome-extension://") + kChromiumExtensionId}).allowed);  // no slash
  EXPECT_FALSE(identifyCaller({std::string("chrome-extension://") + kChromiumExtensionId + "/x/"}).allowed);
  EXPECT_FALSE(identifyCaller({"/manifest.json", "evil@example.org"}).allowed);
  EXPECT_FALSE(identifyCaller({"/manifest.json"}).allowed);
  EXPECT_FALSE(identifyCaller({kGeckoExtensionId}).allowed);
}
