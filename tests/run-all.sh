#!/usr/bin/env bash
# Runs every CloudFilm test: C++ unit and integration tests (ctest, Orthanc included), the extension's unit tests and
# lint, a short run of every fuzz target (tests/fuzz), the Windows build's tests under Wine (tests/windows), the
# installer tests, and the end-to-end tests in Chromium and Firefox ESR.
# First installs what the tests need that the set-up did not (browsers, Orthanc, sample data packages): a no-op
# when they are there. CI (.ci/run) is this script alone, so that happens once per run.
# Builds with the CMake preset "test" in build/test, or in CLOUDFILM_BUILD_DIR when set (e2e and installer tests
# reuse that tree).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
build="${CLOUDFILM_BUILD_DIR:-$root/build/test}"
jobs=$(nproc 2>/dev/null || echo 2)

echo "== test packages"
installer/deps.sh --tests

echo "== sample DICOM from packages"
tests/data/fetch.sh

echo "== build (preset test)"
cmake --preset test -B "$build" >/dev/null
# By folder, not --preset: a build preset only knows its configure preset's binaryDir, not CLOUDFILM_BUILD_DIR.
cmake --build "$build" -j"$jobs"

status=0
echo "== extension"
if [ -f extension/package.json ]; then
  (cd extension && npm install --no-audit --no-fund --loglevel=error >/dev/null && npm test && npm run --silent lint) || status=1
fi

echo "== benchmark generator tests"
py=/usr/bin/python3; [ -x "$py" ] || py=python3
"$py" -m unittest discover -s bench -p 'test_*.py' || status=1

echo "== C++ tests"
(cd "$build" && ctest --output-on-failure -j"$jobs") || status=1

echo "== fuzz smoke test: every libFuzzer target 15 s (clang, ASan + UBSan, build/fuzz)"
# A fixed seed: the smoke run mutates the same way each time, so CI is red when a change breaks a target, not when
# a random walk happens on an old finding (campaigns run run.sh without it: seed 0 is a random one).
CLOUDFILM_FUZZ_SEED=1 tests/fuzz/run.sh --seconds 15 || status=1

echo "== Windows: cross-build, unit tests, the programs and the installer under Wine (tests/windows)"
CLOUDFILM_BUILD_DIR="$build" tests/windows/run.sh || status=1

echo "== installer tests (temporary HOME and prefix)"
tests/installer/test_install.sh --build-dir "$build" || status=1

echo "== end-to-end: Chromium and Firefox ESR, Orthanc, dwv viewer, the real installer (never skipped)"
for b in /usr/bin/chromium /usr/bin/firefox-esr /usr/sbin/Orthanc; do
  [ -x "$b" ] || { echo "missing $b: run installer/deps.sh --tests" >&2; status=1; }
done
(cd tests/e2e && PUPPETEER_SKIP_DOWNLOAD=1 npm install --no-audit --no-fund --loglevel=error >/dev/null &&
  CLOUDFILM_BUILD_DIR="$build" npm test) || status=1
exit $status
