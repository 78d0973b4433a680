#!/usr/bin/env bash
# Builds cloudfilm-host (Release, in build/bench unless BUILD_DIR is given) and runs the DICOMweb rebuild benchmark.
# Usage: bench/dicomweb_rebuild_bench.sh [--instances 5000] [--series 10] [--host OTHER_HOST_BINARY ...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=${BUILD_DIR:-$root/build/bench}
if [ ! -x "$build/native-host/cloudfilm-host" ] || [ -z "${BUILD_DIR:-}" ]; then
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DCLOUDFILM_BUILD_TESTS=OFF >/dev/null
  cmake --build "$build" --target cloudfilm-host -j"$(nproc)" >/dev/null
fi
exec python3 "$here/dicomweb_rebuild_bench.py" --host "$build/native-host/cloudfilm-host" "$@"
