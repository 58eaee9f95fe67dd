#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Debian 12 packages needed to build tdstls and run its tests. Uses sudo when
# not root; does nothing when everything is already there.
set -euo pipefail
packages=(tshark wireshark-dev libwireshark-dev cmake gcc make pkg-config python3 util-linux
          clang libclang-rt-14-dev valgrind)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
as_root=()
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null; then
    echo "tdstls needs these Debian packages: ${missing[*]}" >&2
    echo "Install them as root (apt-get install ${missing[*]}), or run this script as root; sudo is not installed." >&2
    exit 1
  fi
  as_root=(sudo)
fi
echo "installing: ${missing[*]}"
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
