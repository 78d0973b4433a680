#!/usr/bin/env bash
# Fails if a file other than native-host/src/body/zip_archive.* includes libzip's or libarchive's headers: the archive reader and its
# bounds (entry count, inflated bytes, ratio) stay in one small wrapper, as DCMTK stays behind dicom/.
set -eu
root=$1
offenders=$(grep -rlE '#\s*include\s*[<"](zip|archive|archive_entry)\.h[>"]' "$root" --include='*.cpp' --include='*.h' | grep -v '/src/body/zip_archive\.' || true)
if [ -n "$offenders" ]; then
  echo "libzip included outside native-host/src/body/zip_archive:"; echo "$offenders"; exit 1
fi
echo "libzip boundary ok"
