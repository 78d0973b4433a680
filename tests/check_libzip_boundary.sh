#!/usr/bin/env bash
# Fails if a file other than native-host/src/body/zip_archive.* or zip_writer.* includes libzip's or libarchive's headers: the
# archive reader and its bounds (entry count, inflated bytes, ratio) stay in one small wrapper, and the writer (the export's
# ZIP, streamed from files) in one beside it, as DCMTK stays behind dicom/.
set -eu
root=$1
offenders=$(grep -rlE '#\s*include\s*[<"](zip|archive|archive_entry)\.h[>"]' "$root" --include='*.cpp' --include='*.h' | grep -vE '/src/body/zip_(archive|writer)\.' || true)
if [ -n "$offenders" ]; then
  echo "libzip included outside native-host/src/body/zip_archive and zip_writer:"; echo "$offenders"; exit 1
fi
echo "libzip boundary ok"
