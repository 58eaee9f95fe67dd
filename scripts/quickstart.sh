#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Installs what is needed, builds tdstls, installs it, and runs tshark with it
# over a bundled capture of the KB 4557473 failure, printing the findings,
# then how to use it on your own capture.
#
# As root the plugin goes to Wireshark's global plugin folder (root ignores
# the personal one); as a normal user to ~/.local/lib/wireshark/plugins.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)" >/dev/null
subdir=$(cd build/plugins && ls -d */epan | head -1)          # e.g. 4.0/epan
global_dir=$(pkg-config --variable=plugindir wireshark 2>/dev/null || true)
if [ "$(id -u)" -eq 0 ]; then
  cmake --install build | grep -v "^-- Up-to-date" || true
else
  cmake --build build --target install-user >/dev/null
  echo "-- Installed: $HOME/.local/lib/wireshark/plugins/$subdir/tdstls.so (for you only; Wireshark run as root ignores it)"
  if [ -n "$global_dir" ] && [ -e "$global_dir/epan/tdstls.so" ]; then
    echo "-- Note: $global_dir/epan/tdstls.so is installed too; Wireshark loads one of them and warns"
    echo "   \"The plugin 'tdstls.so' was found in multiple directories\". Keep one: sudo rm $global_dir/epan/tdstls.so"
  fi
fi
capture=test-captures/tsql-dhe-kb4557473-fin.pcapng
# tshark's warning about running as root is noise here; anything else shows
tshark() { command tshark "$@" 2> >(grep -v "Running as user" >&2); }
echo
echo "== tshark -r $capture -q -z tdstls,conn"
tshark -r "$capture" -q -z tdstls,conn
echo "== tshark -r $capture -q -z expert,note,tdstls"
tshark -r "$capture" -q -z expert,note,tdstls
echo "== the diagnosis on the server's FIN"
tshark -r "$capture" -Y tdstls.close.abnormal -T fields -e frame.number -e tdstls.close.initiator \
  -e tdstls.diagnosis
cat <<USE

== on your own capture
  tshark -r YOUR.pcapng -q -z tdstls,conn        # which connections failed and why (,wide: every column)
  tshark -r YOUR.pcapng -q -z expert,tdstls      # every finding
  tshark -r YOUR.pcapng -Y tdstls.diagnosis -T fields -e frame.number -e tdstls.diagnosis
                                                 # each diagnosis in full: what the capture shows, the remedy
  python3 scripts/tdstls_report.py DIR/ > connections.csv   # many captures at once
  wireshark YOUR.pcapng                          # in the GUI: Analyze > Expert Information, Statistics > TDS TLS connections
USE
