#!/usr/bin/env bash
# The Windows build and its tests, on Debian: cross-builds cloudfilm.exe, cloudfilm-host.exe and the installer
# (cmake --preset windows; the first run also cross-builds DCMTK, libzip and libarchive from Debian's sources, cached
# in ~/.cache/cloudfilm/windows-deps), then, under Wine: the unit tests (ctest), and the programs driven as a browser
# and a person would (test_windows_programs.py: HAR import with Chinese and hostile names, the host's framing over
# pipes, the installer and uninstaller in a fresh Wine prefix). Needs installer/deps.sh --tests (mingw-w64, Wine,
# NSIS) and the built extension (extension/dist) for the installer.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
build="$root/build/windows"
jobs=$(nproc 2>/dev/null || echo 2)

cmake --preset windows >/dev/null
cmake --build "$build" -j"$jobs" --target all cloudfilm_installer
for program in native-host/cloudfilm.exe native-host/cloudfilm-host.exe "CloudFilm-Setup-$(sed -nE 's/^project\(CloudFilm VERSION ([0-9.]+).*/\1/p' CMakeLists.txt).exe"; do
  printf '%-40s %s bytes\n' "$program" "$(stat -c %s "$build/$program")"
done

# A private Wine prefix, booted before ctest starts: Wine's services would otherwise start inside the first test and
# inherit its pipes (ctest then waits for them for ever).
export WINEPREFIX="$build/wine-prefix" WINEDEBUG=-all
wineserver -p 120 </dev/null >/dev/null 2>&1 || true
wine cmd /c ver </dev/null >/dev/null 2>&1 || true
trap 'wineserver -k >/dev/null 2>&1 || true' EXIT

status=0
(cd "$build" && ctest --output-on-failure) || status=1
py=/usr/bin/python3; [ -x "$py" ] || py=python3  # pydicom comes from Debian
"$py" tests/windows/test_windows_programs.py "$build" "$build/program-tests" || status=1
exit $status
