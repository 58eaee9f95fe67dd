#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Removes tdstls from where the quickstart, `cmake --install`, the
# install-user target or the .deb put it, for every Wireshark version:
# - your personal plugin folders (~/.local/lib/wireshark/plugins/*/epan);
# - as root, also Wireshark's global plugin folder (the .deb with dpkg -r).
# A normal user is told about a global copy, which only root can remove.
set -euo pipefail
removed=0
remove() {
  rm -f -- "$1"
  echo "-- Removed: $1"
  removed=$((removed + 1))
}

for f in "$HOME"/.local/lib/wireshark/plugins/*/epan/tdstls.so; do
  [ -e "$f" ] && remove "$f"
done

# the global folder: pkg-config's answer (wireshark-dev), or wherever Debian puts Wireshark's plugins
global_dir=$(pkg-config --variable=plugindir wireshark 2>/dev/null || true)
declare -A global=()
for f in ${global_dir:+"$global_dir/epan/tdstls.so"} /usr/lib/*/wireshark/plugins/*/epan/tdstls.so; do
  [ -e "$f" ] && global["$(readlink -f "$f")"]=1
done
if [ "$(id -u)" -eq 0 ]; then
  if dpkg-query -W -f='${Status}' wireshark-plugin-tdstls 2>/dev/null | grep -q "ok installed"; then
    dpkg -r wireshark-plugin-tdstls >/dev/null
    echo "-- Removed the Debian package wireshark-plugin-tdstls"
    removed=$((removed + 1))
  fi
  for f in "${!global[@]}"; do
    [ -e "$f" ] && remove "$f"
  done
elif [ ${#global[@]} -gt 0 ]; then
  for f in "${!global[@]}"; do
    echo "-- Left: $f, installed for every user: as root, run this script again (bash scripts/uninstall.sh)"
  done
fi
if [ "$removed" -eq 0 ]; then
  echo "tdstls is not installed for $(id -un): nothing removed"
fi
