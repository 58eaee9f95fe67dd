#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Builds the .deb (cpack -G DEB), installs it, checks that tshark loads tdstls
# as root and as a normal user and diagnoses a bundled capture, removes it.
# Run as root on a machine where installing a package is fine. An install
# already there (quickstart's, or an earlier .deb) is put back as it was.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build >/dev/null && cmake --build build >/dev/null
(cd build && cpack -G DEB >/dev/null)
deb=$(ls build/wireshark-plugin-tdstls_*.deb | tail -1)
target=$(dpkg-deb -c "$deb" | awk '/tdstls\.so$/ {print substr($6, 2)}')
saved=$(mktemp -d)
had_package=$(dpkg-query -W -f='${Status}' wireshark-plugin-tdstls 2>/dev/null | grep -c "ok installed" || true)
[ -e "$target" ] && cp -p "$target" "$saved/tdstls.so" && echo "an installed $target is kept aside and put back at the end"
restore() {
  [ "$had_package" = 1 ] || dpkg -r wireshark-plugin-tdstls >/dev/null
  if [ -e "$saved/tdstls.so" ]; then cp -p "$saved/tdstls.so" "$target"; fi
  rm -rf "$saved"
}
trap restore EXIT
dpkg -i "$deb" >/dev/null
capture=$(mktemp -d)/kb.pcapng; cp test-captures/tsql-dhe-kb4557473-fin.pcapng "$capture"; chmod -R a+rX "$(dirname "$capture")"
check() {  # check WHO CMD...
  local who=$1; shift
  "$@" tshark -G plugins 2>/dev/null | grep -q tdstls || { echo "$who: plugin not loaded"; exit 1; }
  [ "$("$@" tshark -r "$capture" -Y tdstls.expert.kb4557473 2>/dev/null | wc -l)" = 1 ] ||
    { echo "$who: no KB 4557473 diagnosis"; exit 1; }
  echo "$who: tdstls loaded from $(dpkg -L wireshark-plugin-tdstls | grep 'tdstls.so$'), KB 4557473 diagnosed"
}
check root env
check nobody setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME=/tmp
echo "$(basename "$deb"): $(dpkg-deb -f "$deb" Depends)"
