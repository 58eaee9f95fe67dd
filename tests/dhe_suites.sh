#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The core's DHE suite table must be exactly the ephemeral finite-field DH
# suites Wireshark knows by name: TLS_DHE_{RSA,DSS,PSK}_*, TLS_DH_anon_*, TLS_PSK_DHE_*.
set -euo pipefail
ours=$("$1" | sort -n)
theirs=$(tshark -G values 2>/dev/null | awk -F'\t' '$1 == "V" && $2 == "tls.handshake.ciphersuite" {print $3, $4}' |
         grep -E ' TLS_(DHE_(RSA|DSS|PSK)|DH_anon|PSK_DHE)_' | cut -d' ' -f1 | sort -n)
[ -n "$theirs" ] || { echo "tshark -G values listed no DHE suites"; exit 1; }
if [ "$ours" != "$theirs" ]; then
  diff <(echo "$ours") <(echo "$theirs") || true
  echo "DHE suite table differs from Wireshark's suite names"; exit 1
fi
echo "$(echo "$ours" | wc -l) DHE suites match Wireshark's list"
