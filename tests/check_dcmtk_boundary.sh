#!/usr/bin/env bash
# Fails if a file outside native-host/src/dicom/ includes a DCMTK header.
set -eu
root=$1
offenders=$(grep -rlE '#\s*include\s*[<"]dcmtk/' "$root" --include='*.cpp' --include='*.h' | grep -v '/src/dicom/' || true)
if [ -n "$offenders" ]; then
  echo "DCMTK included outside native-host/src/dicom/:"; echo "$offenders"; exit 1
fi
echo "DCMTK boundary ok"
