#!/usr/bin/env bash
# CloudFilm set-up: Debian packages, build, install cloudfilm and cloudfilm-host, register the native messaging
# host with every browser found, build the extension, and say how to load it. Running it again is harmless.
#
#   installer/install.sh [--prefix DIR] [--system] [--no-deps] [--chromium-profile DIR]
#     --prefix DIR            install binaries under DIR/bin (default ~/.local, or /usr/local with --system)
#     --system                for all users: system-wide manifest locations (needs root)
#     --no-deps               do not install Debian packages
#     --chromium-profile DIR  also register the host in a Chromium --user-data-dir (used by tests)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
prefix=""
system=0
deps=1
profiles=()
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix=$2; shift 2 ;;
    --prefix=*) prefix=${1#--prefix=}; shift ;;
    --system) system=1; shift ;;
    --no-deps) deps=0; shift ;;
    --chromium-profile) profiles+=("$2"); shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option $1" >&2; exit 1 ;;
  esac
done
if [ -z "$prefix" ]; then
  if [ "$system" = 1 ]; then prefix=/usr/local; else prefix="$HOME/.local"; fi
fi
prefix=$(mkdir -p "$prefix" && cd "$prefix" && pwd)

[ "$deps" = 1 ] && "$root/installer/deps.sh"

echo "== building CloudFilm"
build="$root/build/release"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DCLOUDFILM_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" -j"$(nproc 2>/dev/null || echo 2)" >/dev/null
cmake --install "$build" --prefix "$prefix" >/dev/null

share="$prefix/share/cloudfilm"
mkdir -p "$share"
record="$share/installed-files.txt"
: > "$record.new"
note() { echo "$1" >> "$record.new"; }
note "$prefix/bin/cloudfilm"
note "$prefix/bin/cloudfilm-host"

host_path="$prefix/bin/cloudfilm-host"
ids="$root/extension/ids.json"
chromium_id=$(sed -n 's/.*"chromiumId"[^"]*"\([a-p]\{32\}\)".*/\1/p' "$ids" 2>/dev/null | head -n1)
gecko_id=$(sed -n 's/.*"geckoId"[^"]*"\([^"]*\)".*/\1/p' "$ids" 2>/dev/null | head -n1)
gecko_id=${gecko_id:-cloudfilm@cloudfilm.app}

write_manifest() {  # template folder
  local template=$1 folder=$2
  mkdir -p "$folder"
  sed -e "s|@HOST_PATH@|$host_path|" -e "s|@CHROMIUM_ID@|$chromium_id|" -e "s|@GECKO_ID@|$gecko_id|" \
    "$root/manifests/$template.json.in" > "$folder/app.cloudfilm.host.json.tmp"
  mv "$folder/app.cloudfilm.host.json.tmp" "$folder/app.cloudfilm.host.json"
  note "$folder/app.cloudfilm.host.json"
  echo "   registered for $3: $folder/app.cloudfilm.host.json"
}

echo "== registering the native messaging host"
if [ "$(uname)" = Darwin ]; then
  base="$HOME/Library/Application Support"
  chromium_family=("Google Chrome|$base/Google/Chrome|$base/Google/Chrome/NativeMessagingHosts"
                   "Chromium|$base/Chromium|$base/Chromium/NativeMessagingHosts"
                   "Microsoft Edge|$base/Microsoft Edge|$base/Microsoft Edge/NativeMessagingHosts"
                   "Brave|$base/BraveSoftware/Brave-Browser|$base/BraveSoftware/Brave-Browser/NativeMessagingHosts"
                   "Vivaldi|$base/Vivaldi|$base/Vivaldi/NativeMessagingHosts")
  firefox_dir="$base/Mozilla/NativeMessagingHosts"
  firefox_found=$([ -d "$base/Firefox" ] && echo 1 || echo 0)
elif [ "$system" = 1 ]; then
  chromium_family=("Google Chrome|/opt/google/chrome|/etc/opt/chrome/native-messaging-hosts"
                   "Chromium|/usr/bin/chromium|/etc/chromium/native-messaging-hosts"
                   "Microsoft Edge|/opt/microsoft/msedge|/etc/opt/edge/native-messaging-hosts"
                   "Brave|/opt/brave.com|/etc/opt/chrome/native-messaging-hosts"
                   "Vivaldi|/opt/vivaldi|/etc/opt/vivaldi/native-messaging-hosts")
  firefox_dir=/usr/lib/mozilla/native-messaging-hosts
  firefox_found=$(command -v firefox >/dev/null 2>&1 || command -v firefox-esr >/dev/null 2>&1 && echo 1 || echo 0)
else
  c="$HOME/.config"
  chromium_family=("Google Chrome|$c/google-chrome|$c/google-chrome/NativeMessagingHosts"
                   "Chromium|$c/chromium|$c/chromium/NativeMessagingHosts"
                   "Microsoft Edge|$c/microsoft-edge|$c/microsoft-edge/NativeMessagingHosts"
                   "Brave|$c/BraveSoftware/Brave-Browser|$c/BraveSoftware/Brave-Browser/NativeMessagingHosts"
                   "Vivaldi|$c/vivaldi|$c/vivaldi/NativeMessagingHosts")
  firefox_dir="$HOME/.mozilla/native-messaging-hosts"
  firefox_found=0
  if [ -d "$HOME/.mozilla" ] || command -v firefox >/dev/null 2>&1 || command -v firefox-esr >/dev/null 2>&1; then
    firefox_found=1
  fi
fi
binaries=("Google Chrome|google-chrome" "Chromium|chromium" "Microsoft Edge|microsoft-edge" "Brave|brave-browser"
          "Vivaldi|vivaldi")
if [ -z "$chromium_id" ]; then
  echo "   (the extension's id is unknown: extension/ids.json is missing; skipping Chromium-family browsers)"
else
  for entry in "${chromium_family[@]}"; do
    IFS='|' read -r name marker folder <<< "$entry"
    found=0
    [ -e "$marker" ] && found=1
    for b in "${binaries[@]}"; do
      IFS='|' read -r bname bin <<< "$b"
      [ "$bname" = "$name" ] && command -v "$bin" >/dev/null 2>&1 && found=1
    done
    [ "$found" = 1 ] && write_manifest chromium "$folder" "$name"
  done
  for profile in "${profiles[@]}"; do write_manifest chromium "$profile/NativeMessagingHosts" "Chromium profile"; done
fi
[ "$firefox_found" = 1 ] && write_manifest firefox "$firefox_dir" "Firefox"

echo "== building the extension"
if [ -f "$root/extension/build.mjs" ]; then
  (cd "$root/extension" && node build.mjs >/dev/null)
fi

sort -u "$record.new" > "$record" && rm -f "$record.new"
echo "$record" >> "$record"

cat <<TXT

CloudFilm is installed: $prefix/bin/cloudfilm and $prefix/bin/cloudfilm-host.
Load the extension:
  Chrome / Chromium / Edge / Brave / Vivaldi: open chrome://extensions, turn on "Developer mode",
      click "Load unpacked" and choose $root/extension/dist/chromium
  Firefox: open about:debugging#/runtime/this-firefox, click "Load Temporary Add-on..."
      and choose $root/extension/dist/firefox/manifest.json
Then open your cloud film link, click the CloudFilm button and turn capture on.
Without a browser: cloudfilm import-har FILE.har --out ~/Downloads/CloudFilm
TXT
