#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Installs what is needed, builds tdstls, installs it, and runs tshark with it
# over a bundled capture of the KB 4557473 failure, printing the findings.
#
# As root the plugin goes to Wireshark's global plugin folder (root ignores
# the personal one); as a normal user to ~/.local/lib/wireshark/plugins.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)" >/dev/null
if [ "$(id -u)" -eq 0 ]; then
  cmake --install build
else
  cmake --build build --target install-user >/dev/null
  echo "-- Installed: ~/.local/lib/wireshark/plugins (Wireshark as root would not load it from there)"
fi
capture=test-captures/tsql-dhe-kb4557473-fin.pcapng
echo
echo "== tshark -r $capture -q -z expert,note,tdstls"
tshark -r "$capture" -q -z expert,note,tdstls 2>/dev/null
echo "== the diagnosis on the server's FIN"
tshark -r "$capture" -Y tdstls.close.abnormal -T fields -e frame.number -e tdstls.close.initiator \
  -e tdstls.diagnosis 2>/dev/null
