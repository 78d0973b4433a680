#!/usr/bin/env bash
# The Windows build and its tests, on Debian: cross-builds cloudfilm.exe, cloudfilm-host.exe and the installer
# (cmake --preset windows; the first run also cross-builds DCMTK, libzip and libarchive from Debian's sources, cached
# in ~/.cache/cloudfilm/windows-deps), then, under Wine: the unit tests (ctest), and the programs driven as a browser
# and a person would (test_windows_programs.py: HAR import with Chinese and hostile names, the host's framing over
# pipes, the installer and uninstaller in a fresh Wine prefix), and the host protocol integration tests of the Linux
# build (CLOUDFILM_BUILD_DIR, default build/test) against cloudfilm-host.exe. Needs installer/deps.sh --tests
# (mingw-w64, Wine, NSIS), that Linux build, and the built extension (extension/dist) for the installer.
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
# The Linux host's protocol integration tests a second time, against cloudfilm-host.exe (wine-host.sh turns the
# sandbox's folders into Z: paths). Left out, each for a reason that is not the protocol's: replies and the log name
# Windows paths and folders (Hello..., OtherCallersAreRefused reads the Linux log path, HappyPath... compares
# Linux paths and opens the folder through a shell script, HostSettings.Default... expects XDG's Downloads), and the
# Windows build has its data dictionary built in (MissingDicomDictionary...).
linux_build="${CLOUDFILM_BUILD_DIR:-$root/build/test}"
if [ -x "$linux_build/tests/cloudfilm_integration_tests" ]; then
  CLOUDFILM_TEST_HOST="$root/tests/windows/wine-host.sh" HOST_EXE="$build/native-host/cloudfilm-host.exe" \
    "$linux_build/tests/cloudfilm_integration_tests" --gtest_brief=1 \
    --gtest_filter='Host*:-HostProtocol.HelloAnswersWithLimitsAndOutputFolder:HostProtocol.OtherCallersAreRefused:HostProtocol.MissingDicomDictionaryStopsTheHostWithAMessage:HostProtocol.HappyPathBrainSeriesIsSavedByteIdentical:HostSettings.DefaultIsTheDesktopsDownloadsFolderAndSettingsPersist' ||
    status=1
else
  echo "tests/windows/run.sh: no Linux integration tests in $linux_build (build the test preset first)" >&2
  status=1
fi
py=/usr/bin/python3; [ -x "$py" ] || py=python3  # pydicom comes from Debian
"$py" tests/windows/test_windows_programs.py "$build" "$build/program-tests" || status=1
exit $status
