#pragma once
// The only extensions cloudfilm-host serves. Mirrors extension/ids.json (a unit test checks that it does).
namespace cloudfilm::host {

// Chromium family: the id derived from the public key in the extension's manifest ("key").
inline constexpr const char* kChromiumExtensionId = "bfhgfjfnelnbjfhhnfkboajklecfcpco";
// Firefox: browser_specific_settings.gecko.id.
inline constexpr const char* kGeckoExtensionId = "cloudfilm@cloudfilm.app";
// The native messaging host name in the manifests.
inline constexpr const char* kNativeHostName = "app.cloudfilm.host";

}  // namespace cloudfilm::host
