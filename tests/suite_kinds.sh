#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The core's key-exchange kinds must be exactly what Wireshark's suite names
# say: TLS_RSA_WITH_*/TLS_RSA_EXPORT_* (1), the DHE ones (2), TLS_ECDHE_* (3),
# and the TLS 1.3 suites 0x13xx Wireshark knows (4).
set -euo pipefail
ours=$("$1" | sort -n)
theirs=$(tshark -G values 2>/dev/null | awk -F'\t' '$1 == "V" && $2 == "tls.handshake.ciphersuite" {
    id = $3; name = $4; kind = 0
    if (id >= 4864 && id <= 5119) kind = 4
    else if (name ~ /^TLS_(DHE_(RSA|DSS|PSK)|DH_anon|PSK_DHE)_/) kind = 2
    else if (name ~ /^TLS_ECDHE_/) kind = 3
    else if (name ~ /^TLS_RSA_(WITH|EXPORT)/) kind = 1
    if (kind) print id, kind }' | sort -n)
[ -n "$theirs" ] || { echo "tshark -G values listed no suites"; exit 1; }
# TLS 1.3 is every 0x13xx for the core; compare only the ids Wireshark names
ours=$(join <(echo "$ours" | awk '$2 == 4 {print $1}' | sort) <(echo "$theirs" | awk '$2 == 4 {print $1}' | sort) |
       awk '{print $1, 4}' | cat - <(echo "$ours" | awk '$2 != 4') | sort -n)
if [ "$ours" != "$theirs" ]; then
  diff <(echo "$ours") <(echo "$theirs") || true
  echo "suite kinds differ from Wireshark's suite names"; exit 1
fi
echo "$(echo "$ours" | wc -l) suites classified as Wireshark names them"
