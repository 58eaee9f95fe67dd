#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# libFuzzer over the parsing core (clang from Debian: clang, libclang-rt-14-dev).
# usage: scripts/fuzz_core.sh [RUNS]   (default 200000; the README's figure used 10000000)
# Seeds: the TLS bytes of the corpus captures are not needed; libFuzzer finds
# record headers quickly from the dictionary below.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-200000}
if [ $# -gt 1 ] || ! [[ $runs =~ ^[0-9]+$ ]]; then
  echo "usage: scripts/fuzz_core.sh [RUNS]   (a number; default 200000)" >&2
  exit 2
fi
out=${FUZZ_OUT:-$(mktemp -d)}
cc=$(command -v clang || command -v clang-14)
"$cc" -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -I"$here/plugin/core" \
  "$here/tests/fuzz_core.c" "$here"/plugin/core/*.c -o "$out/fuzz_core"
cat > "$out/tls.dict" <<'DICT'
rec_hs="\x16\x03\x03"
rec_ccs="\x14\x03\x03\x00\x01\x01"
rec_app="\x17\x03\x03"
rec_alert="\x15\x03\x03\x00\x02\x02\x28"
ch="\x01\x00\x00"
sh="\x02\x00\x00"
ske="\x0c\x00\x00"
cke="\x10\x00\x00"
cert="\x0b\x00"
der_seq="\x30\x82"
oid_cn="\x06\x03\x55\x04\x03"
utctime="\x17\x0d"
dhe_suite="\x00\x9f"
tls13="\x00\x2b\x00\x02\x03\x04"
alpn="tds/8.0"
ssrp_resp="\x05"
ssrp_inst="\x04"
ssrp_keys="ServerName;"
ssrp_tcp=";tcp;"
ssrp_end=";;"
prelogin="\x12\x01\x00"
ntlm_authenticate="NTLMSSP\x00\x03\x00\x00\x00"
sspi_token="\xed"
DICT
mkdir -p "$out/corpus"
cd "$out"
./fuzz_core -runs="$runs" -dict=tls.dict -max_len=4096 -print_final_stats=1 corpus 2>&1 | tail -15
