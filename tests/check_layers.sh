#!/usr/bin/env bash
# Fails if a module of native-host/src includes a header of a module it does not declare in native-host/CMakeLists.txt
# (the table CMake writes: "module: used-module ..."). The linker catches code that calls upward; this catches a
# header-only reach (an inline function, a type) that the linker cannot see, and says which line does it.
#   check_layers.sh <native-host folder> <module-layers.txt>
set -eu
root=$1
table=$2
status=0
declare -A allowed
while IFS=: read -r module uses; do
  allowed[$module]=" $module $uses "
done <"$table"
for dir in "$root"/src/*/; do
  module=$(basename "$dir")
  if [ -z "${allowed[$module]+set}" ]; then
    echo "native-host/src/$module is not a module of native-host/CMakeLists.txt"; status=1; continue
  fi
  while IFS= read -r hit; do
    file=${hit%%:*}; rest=${hit#*:}; line=${rest%%:*}
    used=$(sed -E 's/.*#[[:space:]]*include[[:space:]]*"([a-z_]+)\/.*/\1/' <<<"$rest")
    case "${allowed[$module]}" in
      *" $used "*) ;;
      *) echo "${file#"$root"/}:$line: $module includes $used/, which it does not use (native-host/CMakeLists.txt)"; status=1 ;;
    esac
  done < <(grep -nE '#[[:space:]]*include[[:space:]]*"[a-z_]+/' "$dir"*.cpp "$dir"*.h 2>/dev/null | sed -E 's/^([^:]+):([0-9]+):/\1:\2:/')
done
[ "$status" = 0 ] && echo "layers hold: $(wc -l <"$table") modules"
exit $status
