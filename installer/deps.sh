#!/usr/bin/env bash
# Installs the Debian packages CloudFilm needs. --tests adds what the test suite needs (sample DICOM, a DICOM
# server, browsers, a CJK font for the Chinese screenshots). Safe to run again: apt-get skips what is already there.
set -euo pipefail
with_tests=0
for arg in "$@"; do
  case "$arg" in
    --tests) with_tests=1 ;;
    *) echo "deps.sh: unknown option $arg" >&2; exit 1 ;;
  esac
done
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

packages=(build-essential cmake pkg-config dcmtk libdcmtk-dev zlib1g-dev libzip-dev libarchive-dev nlohmann-json3-dev libboost-dev
          libboost-filesystem-dev zip ca-certificates)
if [ "$with_tests" = 1 ]; then
  packages+=(libgtest-dev googletest python3 python3-pydicom time orthanc orthanc-dicomweb chromium firefox-esr
             xdg-utils curl fonts-wqy-zenhei
             libopenjp2-tools  # the test bed's Hinacom-style viewer makes JPEG 2000 pixel answers (opj_compress)
             clang-14 libclang-rt-14-dev  # the fuzz smoke test: libFuzzer, ASan and UBSan runtimes (tests/fuzz)
             # Windows, built and tested here (tests/windows): the cross compiler, zlib for it, Wine, NSIS, and what
             # cmake/windows/third-party.sh needs to fetch and build Debian's DCMTK, libzip and libarchive sources.
             g++-mingw-w64-x86-64-posix mingw-w64-x86-64-dev libz-mingw-w64-dev wine wine64 nsis ninja-build dpkg-dev)
fi
# Node.js builds the extension; keep a node that is already there (it may not come from Debian).
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then packages+=(nodejs npm); fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "Installing Debian packages: ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
