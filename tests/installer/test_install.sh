#!/usr/bin/env bash
# Runs installer/install.sh and installer/uninstall.sh into a temporary HOME and prefix, and checks every file they
# write: the binaries, one host manifest per browser found (right path, ids, name), the installed-files record,
# the printed instructions; that a second run changes nothing; that the uninstaller restores the folder tree to
# what it was before (decoy files next to ours survive). Also the macOS user locations (uname faked).
#
#   tests/installer/test_install.sh [--build-dir DIR]   (DIR: a configured CMake build tree to reuse, as CI does)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build_args=()
if [ "${1:-}" = --build-dir ]; then build_args=(--build-dir "$2"); fi
work=$(mktemp -d "${TMPDIR:-/tmp}/cloudfilm-installer-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
failures=0
pass() { echo "ok   $1"; }
fail() { echo "FAIL $1" >&2; failures=$((failures + 1)); }
check() { local what=$1; shift; if "$@"; then pass "$what"; else fail "$what"; fi; }

python=/usr/bin/python3; [ -x "$python" ] || python=python3
# The manifests must carry what extension/ids.json, the one source of the ids, says.
ids=$("$python" -c 'import json, sys; ids = json.load(open(sys.argv[1], encoding="utf-8")); print(ids["nativeHost"]); print(ids["chromiumId"]); print(ids["geckoId"])' "$root/extension/ids.json")
{ IFS= read -r host_name; IFS= read -r chromium_id; IFS= read -r gecko_id; } <<< "$ids"

# A listing of a tree with each file's checksum, to compare before / after.
snapshot() {  # folder
  (cd "$1" && find . -mindepth 1 \( -type d -printf 'd %p\n' \) -o \( -type f -printf 'f %p ' -exec sh -c 'md5sum < "$1" | cut -c1-32' _ {} \; \) -o -printf '%y %p\n' | sort)
}

check_manifest() {  # file kind(chromium|firefox) prefix
  "$python" - "$1" "$2" "$3/bin/cloudfilm-host" "$host_name" "$chromium_id" "$gecko_id" <<'PY'
import json, sys
path, kind, host, host_name, chromium_id, gecko_id = sys.argv[1:]
m = json.load(open(path, encoding='utf-8'))
expected = {'name': host_name, 'path': host, 'type': 'stdio'}
for key, value in expected.items():
    assert m.get(key) == value, f'{path}: {key} is {m.get(key)!r}, expected {value!r}'
assert m.get('description'), f'{path}: no description'
if kind == 'chromium':
    assert m.get('allowed_origins') == [f'chrome-extension://{chromium_id}/'], m.get('allowed_origins')
    assert 'allowed_extensions' not in m
else:
    assert m.get('allowed_extensions') == [gecko_id], m.get('allowed_extensions')
    assert 'allowed_origins' not in m
PY
}

check "the manifest templates hold placeholders, no copy of the ids" \
  sh -c "! grep -rqF -e '$host_name' -e '$chromium_id' -e '$gecko_id' '$root/manifests'"

# ---------------------------------------------------------------- Linux user install
tree="$work/tree"   # everything the installer may touch; logs stay outside it
home="$tree/home"
prefix="$tree/prefix"
profile="$tree/chromium-profile"
mkdir -p "$home/.mozilla" "$home/.config/chromium" "$home/.config/google-chrome" "$home/.config/microsoft-edge" \
         "$home/.config/BraveSoftware/Brave-Browser" "$home/.config/vivaldi" "$profile"
# Decoys: files that are not ours, next to what the installer writes.
mkdir -p "$home/.config/chromium/NativeMessagingHosts" "$prefix/bin" "$prefix/share"
echo other > "$home/.config/chromium/NativeMessagingHosts/org.example.other.json"
echo other > "$prefix/bin/some-other-tool"
echo other > "$prefix/share/other.txt"
before=$(snapshot "$tree")

run_install() {  # log-file args...
  local log=$1; shift
  HOME="$home" "$root/installer/install.sh" --no-deps "${build_args[@]}" "$@" > "$log" 2>&1 ||
    { cat "$log" >&2; echo "install.sh failed" >&2; exit 1; }
}
run_install "$work/install1.log" --prefix "$prefix" --chromium-profile "$profile"
after1=$(snapshot "$tree")

for bin in cloudfilm cloudfilm-host; do
  check "$bin installed and executable" test -x "$prefix/bin/$bin"
  check "$bin is the freshly built one" cmp -s "$prefix/bin/$bin" "${build_args[1]:-$root/build/release}/native-host/$bin"
done
check "cloudfilm --help runs" sh -c "'$prefix/bin/cloudfilm' --help >/dev/null"

declare -A manifests=(
  ["$home/.config/chromium/NativeMessagingHosts/$host_name.json"]=chromium
  ["$home/.config/google-chrome/NativeMessagingHosts/$host_name.json"]=chromium
  ["$home/.config/microsoft-edge/NativeMessagingHosts/$host_name.json"]=chromium
  ["$home/.config/BraveSoftware/Brave-Browser/NativeMessagingHosts/$host_name.json"]=chromium
  ["$home/.config/vivaldi/NativeMessagingHosts/$host_name.json"]=chromium
  ["$profile/NativeMessagingHosts/$host_name.json"]=chromium
  ["$home/.mozilla/native-messaging-hosts/$host_name.json"]=firefox
)
for file in "${!manifests[@]}"; do
  check "manifest ${file#"$tree"/} (${manifests[$file]})" check_manifest "$file" "${manifests[$file]}" "$prefix"
done

record="$prefix/share/cloudfilm/installed-files.txt"
check "installed-files record exists" test -f "$record"
# Every new file or folder under the temporary tree is in the record, and the record names nothing else.
new_entries=$(comm -13 <(sed 's/ [0-9a-f]\{32\}$//' <<< "$before") <(sed 's/ [0-9a-f]\{32\}$//' <<< "$after1") |
  awk -v w="$tree" '{ p = $2; sub(/^\./, w, p); print ($1 == "d" ? p "/" : p) }' | sort)
recorded=$(sort "$record")
if [ "$new_entries" = "$recorded" ]; then pass "the record lists exactly what was written (files and new folders)"
else fail "the record differs from what was written:"; diff <(echo "$new_entries") <(echo "$recorded") >&2 || true; fi
check "the record keeps pre-existing folders out" sh -c "! grep -qx '$home/.config/chromium/' '$record' && ! grep -qx '$prefix/bin/' '$record'"

log="$work/install1.log"
check "prints how to load it in Chromium" grep -q "chrome://extensions" "$log"
check "prints how to load it in Edge" grep -q "edge://extensions" "$log"
check "prints how to load it in Brave" grep -q "brave://extensions" "$log"
check "prints how to load it in Vivaldi" grep -q "vivaldi:extensions" "$log"
check "prints how to load it in Firefox" grep -q "about:debugging#/runtime/this-firefox" "$log"
check "the printed Chromium folder holds the built extension" test -f "$root/extension/dist/chromium/manifest.json"
check "the printed Firefox manifest exists" test -f "$root/extension/dist/firefox/manifest.json"
check "prints the dist folders" sh -c "grep -qF '$root/extension/dist/chromium' '$log' && grep -qF '$root/extension/dist/firefox/manifest.json' '$log'"

# ---------------------------------------------------------------- twice is harmless
run_install "$work/install2.log" --prefix "$prefix" --chromium-profile "$profile"
after2=$(snapshot "$tree")
if [ "$after2" = "$after1" ]; then pass "a second run changes nothing"
else fail "a second run changed files:"; diff <(echo "$after1") <(echo "$after2") >&2 || true; fi

# ---------------------------------------------------------------- uninstall
HOME="$home" "$root/installer/uninstall.sh" --prefix "$prefix" > "$work/uninstall.log" 2>&1 ||
  { cat "$work/uninstall.log" >&2; fail "uninstall.sh failed"; }
after_uninstall=$(snapshot "$tree")
if [ "$after_uninstall" = "$before" ]; then pass "uninstall restores the tree exactly (decoys and pre-existing folders kept)"
else fail "uninstall left or removed something:"; diff <(echo "$before") <(echo "$after_uninstall") >&2 || true; fi
check "uninstall again says it is not installed" sh -c "HOME='$home' '$root/installer/uninstall.sh' --prefix '$prefix' | grep -q 'not installed'"

# ---------------------------------------------------------------- a later run registers less
run_install "$work/a.log" --prefix "$prefix" --chromium-profile "$profile"
run_install "$work/b.log" --prefix "$prefix"
check "a manifest from an earlier run stays in the record" grep -qx "$profile/NativeMessagingHosts/$host_name.json" "$record"
HOME="$home" "$root/installer/uninstall.sh" --prefix "$prefix" >/dev/null
check "uninstall after two different runs restores the tree" test "$(snapshot "$tree")" = "$before"

# ---------------------------------------------------------------- macOS user locations (uname says Darwin)
mac="$work/mac"; mkdir -p "$mac"; maclog="$work/mac-install.log"
mkdir -p "$mac/home/Library/Application Support/Google/Chrome" "$mac/home/Library/Application Support/Firefox" \
         "$mac/home/Library/Application Support/BraveSoftware/Brave-Browser" "$mac/fakebin"
printf '#!/bin/sh\necho Darwin\n' > "$mac/fakebin/uname"
chmod +x "$mac/fakebin/uname"
mac_before=$(snapshot "$mac")
PATH="$mac/fakebin:$PATH" HOME="$mac/home" "$root/installer/install.sh" --no-deps "${build_args[@]}" \
  --prefix "$mac/prefix" > "$maclog" 2>&1 || { cat "$maclog" >&2; fail "install.sh (macOS) failed"; }
support="$mac/home/Library/Application Support"
check "macOS: Chrome manifest" check_manifest "$support/Google/Chrome/NativeMessagingHosts/$host_name.json" chromium "$mac/prefix"
check "macOS: Brave manifest" check_manifest "$support/BraveSoftware/Brave-Browser/NativeMessagingHosts/$host_name.json" chromium "$mac/prefix"
check "macOS: Firefox manifest" check_manifest "$support/Mozilla/NativeMessagingHosts/$host_name.json" firefox "$mac/prefix"
check "macOS: browsers not present get nothing" test ! -e "$support/Microsoft Edge" -a ! -e "$support/Chromium" -a ! -e "$support/Vivaldi"
PATH="$mac/fakebin:$PATH" HOME="$mac/home" "$root/installer/uninstall.sh" --prefix "$mac/prefix" >/dev/null
check "macOS: uninstall restores the tree" test "$(snapshot "$mac")" = "$mac_before"

if [ "$failures" -gt 0 ]; then echo "installer tests: $failures failure(s)" >&2; exit 1; fi
echo "installer tests: all passed"
