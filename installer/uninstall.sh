#!/usr/bin/env bash
# Removes what installer/install.sh installed (the files it listed, then the folders it created if they are empty),
# and nothing else: captured and saved images stay where they are.
#   installer/uninstall.sh [--prefix DIR] [--system]
set -euo pipefail
prefix=""
system=0
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix=$2; shift 2 ;;
    --prefix=*) prefix=${1#--prefix=}; shift ;;
    --system) system=1; shift ;;
    -h|--help) sed -n '2,4p' "$0"; exit 0 ;;
    *) echo "uninstall.sh: unknown option $1" >&2; exit 1 ;;
  esac
done
if [ -z "$prefix" ]; then
  if [ "$system" = 1 ]; then prefix=/usr/local; else prefix="$HOME/.local"; fi
fi
[ -d "$prefix" ] && prefix=$(cd "$prefix" && pwd)
record="$prefix/share/cloudfilm/installed-files.txt"
if [ ! -f "$record" ]; then echo "CloudFilm is not installed under $prefix (no $record)"; exit 0; fi

# Only absolute paths; never a folder's content (folders end in / and are removed with rmdir when empty).
while IFS= read -r file || [ -n "$file" ]; do
  case "$file" in
    ''|*/|"$record") ;;
    /*) if [ -e "$file" ] || [ -L "$file" ]; then rm -f -- "$file" && echo "removed $file"; fi ;;
    *) echo "uninstall.sh: ignoring a relative path in the record: $file" >&2 ;;
  esac
done < "$record"
dirs=$(grep '^/.*/$' "$record" || true)
rm -f -- "$record"
# Deepest first, so that a folder emptied by removing its child folder goes too.
if [ -n "$dirs" ]; then
  while IFS= read -r dir; do
    if [ -d "$dir" ] && rmdir -- "$dir" 2>/dev/null; then echo "removed folder $dir"; fi
  done < <(awk '{ print length($0) "\t" $0 }' <<< "$dirs" | sort -rn | cut -f2-)
fi
rmdir -- "$prefix/share/cloudfilm" 2>/dev/null || true
echo "CloudFilm removed. Your saved images were not touched."
