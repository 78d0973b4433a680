#!/usr/bin/env bash
# cloudfilm-host.exe under Wine, started the way the integration tests start the Linux host (CLOUDFILM_TEST_HOST):
# the sandbox's folders, given as Linux paths, become the Z: paths the Windows host reads. HOST_EXE names the .exe.
set -eu
for name in CLOUDFILM_DATA_DIR CLOUDFILM_OUTPUT_DIR LOCALAPPDATA; do
  value=${!name:-}
  case "$value" in /*) export "$name=Z:${value//\//\\}" ;; esac
done
# What the Linux sandbox sets for XDG, the Windows host takes from LOCALAPPDATA (settings, the log).
if [ -n "${XDG_CONFIG_HOME:-}" ]; then export LOCALAPPDATA="Z:${XDG_CONFIG_HOME//\//\\}"; fi
exec wine "$HOST_EXE" "$@"
