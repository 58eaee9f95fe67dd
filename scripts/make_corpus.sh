#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Regenerates test-captures/ from real client stacks against the lab server,
# captured with dumpcap on loopback. Run as root on Debian 12 (it installs its
# own dependencies and binds TCP 1433):   bash scripts/make_corpus.sh [OUTDIR]
# The crafted captures come from scripts/craft_captures.py (run at the end).
set -euo pipefail
here=${TDS_LAB_SCRIPTS:-$(cd "$(dirname "$0")" && pwd)}
out=${1:-$here/../test-captures}
mkdir -p "$out"; out=$(cd "$out" && pwd)
work=$(mktemp -d)
trap 'pkill -f "tds_lab_server.py" 2>/dev/null || true; rm -rf "$work"' EXIT

install_deps() {
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends tshark freetds-bin python3 python3-tds python3-openssl \
    libjtds-java default-jdk-headless openssl procps >/dev/null
  # Node.js from Debian unless one is there already (a NodeSource nodejs
  # bundles npm and conflicts with Debian's npm package)
  command -v node >/dev/null && command -v npm >/dev/null ||
    apt-get install -y -q --no-install-recommends nodejs npm >/dev/null
  (cd "$here/clients" && npm ci --no-audit --no-fund >/dev/null)
}

make_keys() {
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/key.pem" -out "$work/cert.pem" -days 3650 \
    -subj /CN=localhost -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" 2>/dev/null
  # RFC 7919 ffdhe2048: what Windows and OpenSSL use for TLS_DHE_* suites.
  openssl genpkey -genparam -algorithm DH -pkeyopt group:ffdhe2048 -out "$work/dh.pem"
  for enc in off request require; do
    printf '[lab]\n\thost = 127.0.0.1\n\tport = 1433\n\ttds version = 7.4\n\tencryption = %s\n' "$enc" \
      > "$work/freetds-$enc.conf"
  done
}

# --- clients: each logs in, runs SELECT 1, disconnects; failures are expected in failure modes
client_tsql()    { printf 'SELECT 1\ngo\nexit\n' | FREETDSCONF="$work/freetds-${1:-require}.conf" \
                     timeout 15 tsql -S lab -U sa -P pw >/dev/null 2>&1 || true; }
client_pytds()   { timeout 900 /usr/bin/python3 "$here/clients/pytds_client.py" 1433 "$work/cert.pem" "${1:-1}" \
                     >/dev/null 2>&1 || true; }
client_tedious() { TDS_LAB_CA="$work/cert.pem" timeout 15 node "$here/clients/tedious_client.js" 1433 "${1:-true}" \
                     >/dev/null 2>&1 || true; }
client_jtds()    { timeout 30 java -cp /usr/share/java/jtds.jar "$here/clients/JtdsClient.java" 1433 "${1:-require}" \
                     >/dev/null 2>&1 || true; }

# capture NAME "SERVER OPTIONS" CLIENT [CLIENT ARG] [REPEAT]
# Starts dumpcap and the server, runs the client REPEAT times, stops both.
# Leaves the server's per-connection JSON log in $work/NAME.log.
capture() {
  local name=$1 server_opts=$2 client=$3 client_arg=${4:-} repeat=${5:-1}
  local pcap="$work/$name.pcapng"
  dumpcap -q -i lo -f "tcp port 1433" -w "$pcap" 2>/dev/null &
  local dumpcap_pid=$!
  sleep 1
  # shellcheck disable=SC2086
  /usr/bin/python3 "$here/tds_lab_server.py" --cert "$work/cert.pem" --key "$work/key.pem" \
    --dhparams "$work/dh.pem" $server_opts > "$work/$name.log" &
  local server_pid=$!
  sleep 0.7
  for ((i = 0; i < repeat; i++)); do "$client" $client_arg; done
  sleep 0.5
  kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true
  sleep 0.5
  kill "$dumpcap_pid"; wait "$dumpcap_pid" 2>/dev/null || true
}

# truth NAME LOGLINE...: the lab server's own account of each connection
# (suite, DH lengths and first bytes, failure mode), what the tests assert.
truth() {
  local name=$1; shift
  /usr/bin/python3 -c "
import json, sys
for line in sys.argv[2:]:
    c = json.loads(line)
    if 'client_port' in c:
        c['file'] = sys.argv[1]
        print(json.dumps(c, sort_keys=True))" "$name" "$@" >> "$out/ground-truth.jsonl"
}

keep() {  # keep NAME: copy the whole capture into the corpus
  cp "$work/$1.pcapng" "$out/$1.pcapng"
  local lines=(); mapfile -t lines < "$work/$1.log"
  truth "$1.pcapng" "${lines[@]}"
}

# keep_first_match NAME BULK PYTHON-CONDITION: keep the first connection of
# BULK whose server log line satisfies the condition (on dict `c`). A long
# run reuses client ports, so the log gives the port and which use of it.
keep_first_match() {
  local name=$1 bulk=$2 cond=$3 port nth stream
  read -r port nth < <(/usr/bin/python3 -c "
import json
uses = {}
for line in open('$work/$bulk.log'):
    c = json.loads(line)
    if 'client_port' not in c:
        continue
    uses[c['client_port']] = uses.get(c['client_port'], 0) + 1
    if $cond:
        print(c['client_port'], uses[c['client_port']]); break") || true
  if [ -z "${port:-}" ]; then echo "no connection in $bulk matched: $cond" >&2; return 1; fi
  stream=$(tshark -r "$work/$bulk.pcapng" -Y "tcp.port == $port && tcp.flags.syn == 1 && tcp.flags.ack == 0" \
             -T fields -e tcp.stream 2>/dev/null | sed -n "${nth}p")
  tshark -r "$work/$bulk.pcapng" -Y "tcp.stream == $stream" -w "$out/$name.pcapng" 2>/dev/null
  truth "$name.pcapng" "$(/usr/bin/python3 -c "
import json
seen = 0
for line in open('$work/$bulk.log'):
    c = json.loads(line)
    if c.get('client_port') == $port:
        seen += 1
        if seen == $nth:
            print(json.dumps(c)); break")"
  echo "$name: client port $port, use $nth, stream $stream"
}

DHE="--tls 1.2 --ciphers DHE-RSA-AES256-GCM-SHA384"
main() {
  [ "${SKIP_INSTALL:-}" = 1 ] || install_deps
  make_keys
  rm -f "$out"/*.pcap "$out"/*.pcapng "$out"/*.keys "$out/ground-truth.jsonl"
  # normal logins, one per stack and key exchange
  capture tsql-dhe-tls12 "$DHE --keylog $out/tsql-dhe-tls12.keys" client_tsql; keep tsql-dhe-tls12
  capture pytds-ecdhe-tls12 "--tls 1.2" client_pytds; keep pytds-ecdhe-tls12
  capture tedious-rsa-tls12 "--tls 1.2 --ciphers AES256-GCM-SHA384" client_tedious; keep tedious-rsa-tls12
  capture jtds-dhe-tls12 "$DHE" client_jtds; keep jtds-dhe-tls12
  # encryption off: only LOGIN7 is encrypted, the rest is clear
  capture tsql-encrypt-off "--tls 1.2 --encryption off" client_tsql request; keep tsql-encrypt-off
  # no TLS at all
  capture tsql-encrypt-notsup "--encryption notsup" client_tsql off; keep tsql-encrypt-notsup
  # flights cut into 200-byte TDS packets and 150-byte TCP segments; records across TDS messages
  capture pytds-dhe-split "$DHE --packet-size 200 --segment 150" client_pytds; keep pytds-dhe-split
  capture tsql-ecdhe-split-messages "--tls 1.2 --packet-size 300 --split-messages" client_tsql
  keep tsql-ecdhe-split-messages
  # server TLS in TDS type 0x04 packets
  capture pytds-tls-in-type04 "--tls 1.2 --tls-in-type04" client_pytds; keep pytds-tls-in-type04
  # TDS 8 strict: TLS 1.3 first, ALPN tds/8.0
  capture tedious-tds8-strict "--strict --keylog $out/tedious-tds8-strict.keys" client_tedious strict
  keep tedious-tds8-strict
  # failure modes
  capture tsql-fail-fin-before-prelogin-response "--fail fin-before-prelogin-response" client_tsql
  keep tsql-fail-fin-before-prelogin-response
  capture tsql-fail-fin-after-client-hello "--tls 1.2 --fail fin-after-client-hello" client_tsql
  keep tsql-fail-fin-after-client-hello
  capture pytds-fail-alert "--fail alert-after-client-hello" client_pytds; keep pytds-fail-alert
  capture tsql-dhe-kb4557473-fin "$DHE --fail fin-after-client-finished" client_tsql; keep tsql-dhe-kb4557473-fin
  capture pytds-dhe-kb4557473-rst "$DHE --fail rst-after-client-finished" client_pytds
  keep pytds-dhe-kb4557473-rst
  capture tedious-ecdhe-fin-after-client-finished "--tls 1.2 --fail fin-after-client-finished" client_tedious
  keep tedious-ecdhe-fin-after-client-finished
  # leading zeros from real stacks: repeat DHE handshakes until the case occurs
  capture bulk-pytds-dhe "$DHE" client_pytds 1500
  keep_first_match pytds-dhe-ys-leading-zero bulk-pytds-dhe "c.get('ys_first') == 0"
  keep_first_match pytds-dhe-yc-leading-zero bulk-pytds-dhe "c.get('yc_first') == 0"
  capture bulk-tsql-dhe "$DHE" client_tsql require 1500
  keep_first_match tsql-dhe-yc-short bulk-tsql-dhe "c.get('yc_len', 999) < c.get('p_len', 0)"
  # what no real stack here makes on demand
  /usr/bin/python3 "$here/craft_captures.py" "$out"
  for f in "$out"/*.pcapng; do tshark -r "$f" >/dev/null || { echo "stock tshark fails on $f" >&2; exit 1; }; done
  echo "corpus written to $out"
}
main "$@"
