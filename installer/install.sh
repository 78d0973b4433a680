#!/usr/bin/env bash
# CloudFilm set-up: Debian packages, build, install cloudfilm and cloudfilm-host, register the native messaging
# host with every browser found, build the extension, and say how to load it. Running it again is harmless.
#
#   installer/install.sh [--prefix DIR] [--system] [--no-deps] [--chromium-profile DIR] [--build-dir DIR]
#     --prefix DIR            install binaries under DIR/bin (default ~/.local, or /usr/local with --system)
#     --system                for all users: system-wide manifest locations (needs root)
#     --no-deps               do not install Debian packages
#     --chromium-profile DIR  also register the host in a Chromium --user-data-dir (used by tests)
#     --build-dir DIR         install from this already configured CMake build tree (tests and CI reuse theirs)
#
# Everything written is listed in PREFIX/share/cloudfilm/installed-files.txt (files, then folders this script
# created, ending in /), which installer/uninstall.sh reads.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
prefix=""
system=0
deps=1
build=""
profiles=()
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix=$2; shift 2 ;;
    --prefix=*) prefix=${1#--prefix=}; shift ;;
    --system) system=1; shift ;;
    --no-deps) deps=0; shift ;;
    --chromium-profile) profiles+=("$2"); shift 2 ;;
    --chromium-profile=*) profiles+=("${1#--chromium-profile=}"); shift ;;
    --build-dir) build=$2; shift 2 ;;
    --build-dir=*) build=${1#--build-dir=}; shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option $1" >&2; exit 1 ;;
  esac
done
if [ -z "$prefix" ]; then
  if [ "$system" = 1 ]; then prefix=/usr/local; else prefix="$HOME/.local"; fi
fi
case "$prefix" in *[\"\\]*|*$'\n'*) echo "install.sh: the prefix may not contain quotes, backslashes or newlines" >&2; exit 1 ;; esac

# Folders are created through make_dir so that the uninstaller can remove the ones that did not exist before.
created_dirs=()
make_dir() {
  local dir=$1 missing=()
  while [ ! -d "$dir" ]; do missing+=("$dir"); dir=$(dirname "$dir"); done
  [ "${#missing[@]}" -gt 0 ] && mkdir -p "$1"
  local d
  for d in "${missing[@]}"; do created_dirs+=("$(cd "$d" && pwd)/"); done
  return 0
}
make_dir "$prefix"
prefix=$(cd "$prefix" && pwd)

[ "$deps" = 1 ] && "$root/installer/deps.sh"

# extension/ids.json is the one source of the host name and the extension ids (CMake generates the host's
# host/caller_ids.h from it too). Node reads it: it builds the extension anyway, and deps.sh installs it.
command -v node >/dev/null 2>&1 || { echo "install.sh: node is missing (installer/deps.sh installs it)" >&2; exit 1; }
ids_json="$root/extension/ids.json"
# shellcheck disable=SC2016  # JavaScript in single quotes: ${...} is a template literal
ids=$(node -e '
  const [file] = process.argv.slice(1);
  // What each browser accepts; it also keeps each value to one line and safe in a file name.
  const rules = {nativeHost: /^[a-z0-9_]+(\.[a-z0-9_]+)*$/, chromiumId: /^[a-p]{32}$/, geckoId: /^[A-Za-z0-9._@{}+-]+$/};
  try {
    const ids = JSON.parse(require("fs").readFileSync(file, "utf8"));
    for (const [key, rule] of Object.entries(rules)) {
      if (typeof ids[key] !== "string" || !rule.test(ids[key])) throw new Error(`${key} is missing or malformed`);
      console.log(ids[key]);
    }
  } catch (error) {
    console.error(`install.sh: ${file}: ${error.message}`);
    process.exit(1);
  }' "$ids_json") || exit 1
{ IFS= read -r host_name; IFS= read -r chromium_id; IFS= read -r gecko_id; } <<< "$ids"

echo "== building CloudFilm"
jobs=$(nproc 2>/dev/null || echo 2)
if [ -z "$build" ]; then
  build="$root/build/release"  # the release preset's folder, named here for the install step below
  (cd "$root" && cmake --preset release -B "$build" >/dev/null)
fi
cmake --build "$build" -j"$jobs" --target cloudfilm cloudfilm-host >/dev/null
make_dir "$prefix/bin"
cmake --install "$build" --prefix "$prefix" >/dev/null

share="$prefix/share/cloudfilm"
make_dir "$share"
record="$share/installed-files.txt"
new_record="$record.new"
: > "$new_record"
note() { printf '%s\n' "$1" >> "$new_record"; }
# What `cmake --install` wrote (both binaries today; whatever install() rules add later).
if [ -f "$build/install_manifest.txt" ]; then
  while IFS= read -r file || [ -n "$file" ]; do note "$file"; done < "$build/install_manifest.txt"  # no final newline
else
  note "$prefix/bin/cloudfilm"; note "$prefix/bin/cloudfilm-host"
fi

host_path="$prefix/bin/cloudfilm-host"

# A manifest is its template (manifests/) with each @PLACEHOLDER@ replaced by its value as JSON string content.
fill_manifest() {  # template target
  # shellcheck disable=SC2016  # JavaScript in single quotes: ${...} is a template literal
  node -e '
    const fs = require("fs");
    const [template, target, ...pairs] = process.argv.slice(1);
    const values = Object.fromEntries(pairs.map((pair) => [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)]));
    const text = fs.readFileSync(template, "utf8").replace(/@([A-Z_]+)@/g, (placeholder, name) => {
      if (!(name in values)) throw new Error(`${template}: unknown placeholder ${placeholder}`);
      return JSON.stringify(values[name]).slice(1, -1);
    });
    JSON.parse(text);  // a template that does not give JSON fails here, before a browser sees it
    fs.writeFileSync(target, text);' "$1" "$2" \
    "HOST_NAME=$host_name" "HOST_PATH=$host_path" "CHROMIUM_ID=$chromium_id" "GECKO_ID=$gecko_id"
}
registered=()
write_manifest() {  # template folder browser-name
  local template=$1 folder=$2 target
  make_dir "$folder"
  target="$folder/$host_name.json"
  fill_manifest "$root/manifests/$template.json.in" "$target.tmp"
  mv "$target.tmp" "$target"
  note "$target"
  registered+=("$3")
  echo "   registered for $3: $target"
}

echo "== registering the native messaging host"
# Each entry: browser name | a path that exists when the browser is there | manifest folder.
if [ "$(uname)" = Darwin ]; then
  if [ "$system" = 1 ]; then
    base="/Library/Application Support"
    chromium_family=("Google Chrome|/Applications/Google Chrome.app|/Library/Google/Chrome/NativeMessagingHosts"
                     "Chromium|/Applications/Chromium.app|$base/Chromium/NativeMessagingHosts"
                     "Microsoft Edge|/Applications/Microsoft Edge.app|/Library/Microsoft/Edge/NativeMessagingHosts"
                     "Brave|/Applications/Brave Browser.app|$base/BraveSoftware/Brave-Browser/NativeMessagingHosts"
                     "Vivaldi|/Applications/Vivaldi.app|$base/Vivaldi/NativeMessagingHosts")
    firefox_dir="$base/Mozilla/NativeMessagingHosts"
    firefox_found=$([ -d /Applications/Firefox.app ] && echo 1 || echo 0)
  else
    base="$HOME/Library/Application Support"
    chromium_family=("Google Chrome|$base/Google/Chrome|$base/Google/Chrome/NativeMessagingHosts"
                     "Chromium|$base/Chromium|$base/Chromium/NativeMessagingHosts"
                     "Microsoft Edge|$base/Microsoft Edge|$base/Microsoft Edge/NativeMessagingHosts"
                     "Brave|$base/BraveSoftware/Brave-Browser|$base/BraveSoftware/Brave-Browser/NativeMessagingHosts"
                     "Vivaldi|$base/Vivaldi|$base/Vivaldi/NativeMessagingHosts")
    firefox_dir="$base/Mozilla/NativeMessagingHosts"
    firefox_found=$([ -d "$base/Firefox" ] || [ -d /Applications/Firefox.app ] && echo 1 || echo 0)
  fi
elif [ "$system" = 1 ]; then
  chromium_family=("Google Chrome|/opt/google/chrome|/etc/opt/chrome/native-messaging-hosts"
                   "Chromium|/usr/bin/chromium|/etc/chromium/native-messaging-hosts"
                   "Microsoft Edge|/opt/microsoft/msedge|/etc/opt/edge/native-messaging-hosts"
                   "Brave|/opt/brave.com|/etc/opt/chrome/native-messaging-hosts"
                   "Vivaldi|/opt/vivaldi|/etc/opt/vivaldi/native-messaging-hosts")
  firefox_dir=/usr/lib/mozilla/native-messaging-hosts
  firefox_found=0
  if command -v firefox >/dev/null 2>&1 || command -v firefox-esr >/dev/null 2>&1; then firefox_found=1; fi
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
binaries=("Google Chrome|google-chrome" "Google Chrome|google-chrome-stable" "Chromium|chromium"
          "Chromium|chromium-browser" "Microsoft Edge|microsoft-edge" "Microsoft Edge|microsoft-edge-stable"
          "Brave|brave-browser" "Vivaldi|vivaldi" "Vivaldi|vivaldi-stable")
written_folders=" "
for entry in "${chromium_family[@]}"; do
  IFS='|' read -r name marker folder <<< "$entry"
  found=0
  [ -e "$marker" ] && found=1
  if [ "$(uname)" != Darwin ]; then
    for b in "${binaries[@]}"; do
      IFS='|' read -r bname bin <<< "$b"
      [ "$bname" = "$name" ] && command -v "$bin" >/dev/null 2>&1 && found=1
    done
  fi
  [ "$found" = 1 ] || continue
  case "$written_folders" in *" $folder "*) registered+=("$name"); continue ;; esac  # Brave shares Chrome's
  write_manifest chromium "$folder" "$name"
  written_folders+="$folder "
done
for profile in "${profiles[@]}"; do write_manifest chromium "$profile/NativeMessagingHosts" "Chromium profile $profile"; done
[ "$firefox_found" = 1 ] && write_manifest firefox "$firefox_dir" "Firefox"
[ "${#registered[@]}" -gt 0 ] || echo "   no browser found: install one and run this again"

echo "== building the extension"
if [ -f "$root/extension/build.mjs" ]; then
  (cd "$root/extension" && node build.mjs >/dev/null)
fi

# The record keeps what earlier runs wrote too (a browser removed since is still cleaned up by the uninstaller).
for dir in "${created_dirs[@]}"; do note "$dir"; done
{
  [ -f "$record" ] && grep -v '/$' "$record" | grep -vxF "$record"
  grep -v '/$' "$new_record"
  echo "$record"
  [ -f "$record" ] && grep '/$' "$record"
  grep '/$' "$new_record"
} | awk 'NF && !seen[$0]++' > "$record.tmp" || true
rm -f "$new_record"
mv "$record.tmp" "$record"

has() { local x; for x in "${registered[@]}"; do case "$x" in "$1"*) return 0 ;; esac; done; return 1; }
echo
echo "CloudFilm is installed: $prefix/bin/cloudfilm and $prefix/bin/cloudfilm-host."
echo "Load the extension in each browser (the extension folder stays where it is: do not move $root):"
chromium_steps() {  # name extensions-page
  echo "  $1: open $2, turn on \"Developer mode\", click \"Load unpacked\" and choose"
  echo "      $root/extension/dist/chromium"
}
has "Google Chrome" && chromium_steps "Google Chrome" "chrome://extensions"
has "Chromium" && chromium_steps "Chromium" "chrome://extensions"
has "Microsoft Edge" && chromium_steps "Microsoft Edge" "edge://extensions"
has "Brave" && chromium_steps "Brave" "brave://extensions"
has "Vivaldi" && chromium_steps "Vivaldi" "vivaldi:extensions"
if has "Firefox"; then
  echo "  Firefox: open about:debugging#/runtime/this-firefox, click \"Load Temporary Add-on...\" and choose"
  echo "      $root/extension/dist/firefox/manifest.json   (Firefox forgets it when it quits: load it again then)"
fi
echo "Then open your cloud film link, click the CloudFilm button and turn capture on."
echo "Without a browser: $prefix/bin/cloudfilm import-har FILE.har --out ~/Downloads/CloudFilm"
