#!/usr/bin/env bash
# Cross-builds, for Windows x64 with Debian's mingw-w64, the libraries the host needs that Debian does not package for
# Windows: DCMTK, libzip and libarchive, each from Debian's own source package (so the Windows host parses DICOM and
# ZIP with the code the Linux host uses, patches included). zlib comes from Debian's libz-mingw-w64-dev.
#
#   cmake/windows/third-party.sh PREFIX
#
# Installs static libraries and headers into PREFIX and writes PREFIX/.complete last. Run by the top-level
# CMakeLists.txt when configuring for Windows (cmake --preset windows), so a fresh checkout needs nothing else. PREFIX
# is named from a hash of this script and the toolchain file: a second configure, or a fresh build folder, reuses it
# in no time, and a change to either builds a new one beside it.
#
# Why DCMTK 3.6.9 (Debian 13's source) rather than 3.6.7 (Debian 12's, which the Linux host uses): 3.6.9 brings
# oficonv, its own character-set converter, so SpecificCharacterSet (GB18030, GBK, ISO 2022...) converts to UTF-8 on
# Windows exactly as through iconv on Linux. 3.6.7 has no converter on Windows at all.
set -euo pipefail
prefix=${1:?usage: third-party.sh PREFIX}
[ -f "$prefix/.complete" ] && exit 0

jobs=$(nproc 2>/dev/null || echo 2)
work="$prefix.work"
rm -rf "$work" "$prefix"
mkdir -p "$work/apt/lists/partial" "$work/src"
here=$(cd "$(dirname "$0")" && pwd)
toolchain="$here/mingw-w64.cmake"
host=x86_64-w64-mingw32

for tool in $host-g++-posix dpkg-source wine cmake; do
  command -v "$tool" >/dev/null || { echo "third-party.sh: $tool is missing: run installer/deps.sh --tests" >&2; exit 1; }
done
[ -f /usr/$host/lib/libz.a ] || { echo "third-party.sh: libz-mingw-w64-dev is missing" >&2; exit 1; }

# Debian's source packages, through a private apt configuration: the system's sources stay untouched.
cat >"$work/apt/sources.list" <<'EOF'
deb-src http://deb.debian.org/debian trixie main
deb-src http://deb.debian.org/debian bookworm main
EOF
apt_options=(-o "Dir::Etc::SourceList=$work/apt/sources.list" -o Dir::Etc::SourceParts=- -o "Dir::State::Lists=$work/apt/lists"
             -o Debug::NoLocking=1)
echo "third-party.sh: fetching Debian's source packages" >&2
apt-get "${apt_options[@]}" update -qq >/dev/null
(cd "$work/src" &&
  apt-get "${apt_options[@]}" source -qq dcmtk/trixie libzip/bookworm libarchive/bookworm >"$work/apt-source.log" 2>&1) || {
  cat "$work/apt-source.log" >&2
  exit 1
}
source_dir() { find "$work/src" -maxdepth 1 -mindepth 1 -type d -name "$1-*" | head -1; }

for tool in ninja; do command -v $tool >/dev/null || { echo "third-party.sh: ninja is missing (ninja-build)" >&2; exit 1; }; done
# zlib named outright (the static one): a library that records it (DCMTK's CMake package) must not name zlib1.dll's.
common=(-G Ninja -DCMAKE_TOOLCHAIN_FILE="$toolchain" -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$prefix"
        -DBUILD_SHARED_LIBS=OFF -DZLIB_LIBRARY=/usr/$host/lib/libz.a -DZLIB_INCLUDE_DIR=/usr/$host/include)
build() {  # build NAME SOURCE OPTIONS...
  local name=$1 src=$2
  shift 2
  echo "third-party.sh: building $name for Windows ($(basename "$src"))" >&2
  cmake -S "$src" -B "$work/build-$name" "${common[@]}" "$@" >"$work/$name-configure.log" 2>&1 ||
    { tail -40 "$work/$name-configure.log" >&2; exit 1; }
  cmake --build "$work/build-$name" -j"$jobs" >"$work/$name-build.log" 2>&1 || { tail -40 "$work/$name-build.log" >&2; exit 1; }
  cmake --install "$work/build-$name" >"$work/$name-install.log" 2>&1 || { tail -20 "$work/$name-install.log" >&2; exit 1; }
}

# Wine runs the configure checks DCMTK must run (CPP_RUNTIME: the C++ runtime they need beside them); the Wine prefix
# is private to this build.
export WINEPREFIX="$work/wine" WINEDEBUG=-all
wineserver -p 60 </dev/null >/dev/null 2>&1 || true
wine cmd /c ver </dev/null >/dev/null 2>&1 || true
trap 'WINEPREFIX="$work/wine" wineserver -k >/dev/null 2>&1 || true' EXIT

# Only the modules the host uses: dcmdata, and dcmnet for sending (it needs dcmtls's headers). The DCMTK build is the
# longest step of a CI run; add modules here when the host starts using them.
build dcmtk "$(source_dir dcmtk)" \
  -DDCMTK_MODULES="ofstd;oflog;oficonv;dcmdata;dcmtls;dcmnet" \
  -DBUILD_APPS=OFF -DDCMTK_NO_TRY_RUN=ON -DDCMTK_ENABLE_BUILTIN_OFICONV_DATA=ON \
  -DDCMTK_WIDE_CHAR_FILE_IO_FUNCTIONS=ON \
  -DDCMTK_WITH_ZLIB=ON -DDCMTK_WITH_OPENSSL=OFF -DDCMTK_WITH_PNG=OFF -DDCMTK_WITH_TIFF=OFF -DDCMTK_WITH_XML=OFF \
  -DDCMTK_WITH_ICONV=OFF -DDCMTK_WITH_ICU=OFF -DDCMTK_WITH_SNDFILE=OFF -DDCMTK_WITH_WRAP=OFF -DDCMTK_WITH_DOXYGEN=OFF \
  -DDCMTK_WITH_OPENJPEG=OFF -DDCMTK_ENABLE_STL=ON -DCMAKE_INSTALL_DATADIC=share/dcmtk \
  -DCPP_RUNTIME=/usr/lib/gcc/$host/12-posix/libstdc++-6.dll

build libzip "$(source_dir libzip)" \
  -DENABLE_BZIP2=OFF -DENABLE_LZMA=OFF -DENABLE_ZSTD=OFF -DENABLE_COMMONCRYPTO=OFF -DENABLE_GNUTLS=OFF \
  -DENABLE_MBEDTLS=OFF -DENABLE_OPENSSL=OFF -DENABLE_WINDOWS_CRYPTO=OFF -DBUILD_TOOLS=OFF -DBUILD_REGRESS=OFF \
  -DBUILD_EXAMPLES=OFF -DBUILD_DOC=OFF

build libarchive "$(source_dir libarchive)" \
  -DENABLE_OPENSSL=OFF -DENABLE_MBEDTLS=OFF -DENABLE_NETTLE=OFF -DENABLE_LIBB2=OFF -DENABLE_LZ4=OFF -DENABLE_LZO=OFF \
  -DENABLE_LZMA=OFF -DENABLE_ZSTD=OFF -DENABLE_BZip2=OFF -DENABLE_LIBXML2=OFF -DENABLE_EXPAT=OFF -DENABLE_PCREPOSIX=OFF \
  -DENABLE_PCRE2POSIX=OFF -DENABLE_LibGCC=OFF -DENABLE_CNG=OFF -DENABLE_TAR=OFF -DENABLE_CPIO=OFF -DENABLE_CAT=OFF \
  -DENABLE_UNZIP=OFF -DENABLE_XATTR=OFF -DENABLE_ACL=OFF -DENABLE_ICONV=OFF -DENABLE_TEST=OFF -DENABLE_COVERAGE=OFF \
  -DENABLE_INSTALL=ON -DENABLE_WERROR=OFF

(cd "$work/src" && ls -d */) >"$prefix/sources.txt"
rm -rf "$work"
touch "$prefix/.complete"
echo "third-party.sh: done: $prefix" >&2
