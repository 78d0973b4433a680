#!/usr/bin/env bash
# Removes what installer/install.sh installed (the files it listed), and nothing else: captured and saved images
# stay where they are.
#   installer/uninstall.sh [--prefix DIR] [--system]
set -euo pipefail
prefix=""
system=0
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix=$2; shift 2 ;;
    --prefix=*) prefix=${1#--prefix=}; shift ;;
    --system) system=1; shift ;;
    *) echo "uninstall.sh: unknown option $1" >&2; exit 1 ;;
  esac
done
if [ -z "$prefix" ]; then
  if [ "$system" = 1 ]; then prefix=/usr/local; else prefix="$HOME/.local"; fi
fi
record="$prefix/share/cloudfilm/installed-files.txt"
if [ ! -f "$record" ]; then echo "CloudFilm is not installed under $prefix (no $record)"; exit 0; fi
while IFS= read -r file; do
  [ -n "$file" ] && [ "$file" != "$record" ] && rm -f -- "$file" && echo "removed $file"
done < "$record"
rm -f -- "$record"
rmdir -- "$prefix/share/cloudfilm" 2>/dev/null || true
echo "CloudFilm removed. Your saved images were not touched."
