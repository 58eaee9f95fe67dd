#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Regenerates test-captures/ from real client stacks against the lab server,
# captured with dumpcap on loopback. Run as root on Debian 12 (it installs its
# own dependencies and binds TCP 1433):
#   bash scripts/make_corpus.sh [OUTDIR [GROUP ...]]
# GROUP: logins, failures, login_errors, windows_auth, kerberos, segments, truncated, leading_zeros, tls_failures,
# refused_versions, sqlserver_answers, instances, browser_unreachable, refused_port, negatives, old_tds,
# crafted (default: all,
# after emptying OUTDIR; a group given alone replaces only its own files).
# The crafted captures come from scripts/craft_captures.py.
set -euo pipefail
here=${TDS_LAB_SCRIPTS:-$(cd "$(dirname "$0")" && pwd)}
out=${1:-$here/../test-captures}
mkdir -p "$out"; out=$(cd "$out" && pwd)
work=$(mktemp -d)
trap 'pkill -f "tds_lab_server.py" 2>/dev/null || true; pkill -f "krb5kdc -n -r LAB.TEST" 2>/dev/null || true; rm -rf "$work"' EXIT

install_deps() {
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends tshark freetds-bin python3 python3-tds python3-openssl \
    python3-cryptography libjtds-java default-jdk-headless openssl procps curl \
    krb5-kdc krb5-admin-server krb5-user python3-gssapi gss-ntlmssp >/dev/null
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
  # certificates a validating client judges: trusted, self-signed, expired, another name
  /usr/bin/python3 "$here/make_lab_certs.py" "$work/certs"
  printf '[lab]\n\thost = 127.0.0.1\n\tport = 1433\n\ttds version = 7.4\n\tencryption = require\n\tca file = %s\n\tcheck certificate hostname = yes\n' \
    "$work/certs/ca.pem" > "$work/freetds-validate.conf"
}

# --- clients: each logs in, runs SELECT 1, disconnects; failures are expected in failure modes
# WHERE: the server's port (default 1433), or \INSTANCE to ask SQL Server Browser for it
where() { echo "${WHERE:-1433}"; }
client_tsql()    { local conf="$work/freetds-${1:-require}.conf"
                   if [[ $(where) == \\* ]]; then   # FreeTDS asks the Browser with CLNT_UCAST_INST
                     sed "s/port = 1433/instance = ${WHERE#\\}/" "$conf" > "$work/freetds-instance.conf"
                     conf="$work/freetds-instance.conf"
                   else
                     sed "s/port = 1433/port = $(where)/" "$conf" > "$work/freetds-port.conf"
                     conf="$work/freetds-port.conf"
                   fi
                   # no user: FreeTDS logs in with Kerberos (the ticket in KRB5CCNAME)
                   local user=(-U "${TDS_LAB_NTLM:-sa}" -P pw)
                   [ -z "${TDS_LAB_KERBEROS:-}" ] || user=()
                   printf 'SELECT 1\ngo\nexit\n' | FREETDSCONF="$conf" timeout "${TSQL_TIMEOUT:-15}" \
                     tsql -S lab "${user[@]}" >/dev/null 2>&1 || true; }
client_pytds()   { timeout 900 /usr/bin/python3 "$here/clients/pytds_client.py" "$(where)" "$work/cert.pem" "${1:-1}" \
                     >/dev/null 2>&1 || true; }
client_pytds_spnego() { timeout 60 /usr/bin/python3 "$here/clients/pytds_client.py" 1433 "$work/cert.pem" 1 "$1" \
                          >/dev/null 2>&1 || true; }
client_tedious() { TDS_LAB_CA="$work/cert.pem" timeout 15 node "$here/clients/tedious_client.js" "$(where)" "${1:-true}" \
                     >/dev/null 2>&1 || true; }
# validating clients: they trust the lab CA only (pytds checks the chain
# during the handshake; --validate-host checks the name after it)
client_pytds_ca() { timeout 30 /usr/bin/python3 "$here/clients/pytds_client.py" 1433 "$work/certs/ca.pem" 1 "$@" \
                      >/dev/null 2>&1 || true; }
client_tedious_ca() { TDS_LAB_CA="$work/certs/ca.pem" TDS_LAB_VALIDATE=1 timeout 15 \
                        node "$here/clients/tedious_client.js" 1433 true >/dev/null 2>&1 || true; }
# tedious with TLS settings from the environment (TLS_MIN, TLS_MAX, TLS_CIPHERS)
client_tedious_tls() { TDS_LAB_CA="$work/certs/ca.pem" timeout 15 node "$here/clients/tedious_client.js" 1433 true \
                         >/dev/null 2>&1 || true; }
client_jtds()    { timeout 30 java -cp /usr/share/java/jtds.jar "$here/clients/JtdsClient.java" "$(where)" "${1:-require}" \
                     >/dev/null 2>&1 || true; }

# capture NAME "SERVER OPTIONS" CLIENT [CLIENT ARG] [REPEAT]
# Starts dumpcap and the server, runs the client REPEAT times, stops both.
# Leaves the server's per-connection JSON log in $work/NAME.log.
capture() {
  local name=$1 server_opts=$2 client=$3 client_arg=${4:-} repeat=${5:-1}
  local pcap="$work/$name.pcapng"
  dumpcap -q -i lo -f "${CAPTURE_FILTER:-tcp port 1433}" -w "$pcap" 2>/dev/null &
  local dumpcap_pid=$!
  sleep 1
  # shellcheck disable=SC2086
  /usr/bin/python3 "$here/tds_lab_server.py" --cert "${CERT:-$work/cert.pem}" --key "${KEY:-$work/key.pem}" \
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
# EXPECT (JSON, may be {}) adds what the lab set up and the plugin must say:
# "expect" (tdstls.diagnosis.kind) and "by" (the side that gives up).
truth() {
  local name=$1 expect=$2; shift 2
  /usr/bin/python3 -c "
import json, sys
path, name, expect = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
try:
    kept = [l for l in open(path) if json.loads(l)['file'] != name]
except FileNotFoundError:
    kept = []
for line in sys.argv[4:]:
    c = json.loads(line)
    if 'client_port' in c:
        c['file'] = name
        c.update(expect)
        kept.append(json.dumps(c, sort_keys=True) + '\n')
open(path, 'w').writelines(kept)" "$out/ground-truth.jsonl" "$name" "$expect" "$@"
}

keep() {  # keep NAME [EXPECT]: copy the whole capture into the corpus
  cp "$work/$1.pcapng" "$out/$1.pcapng"
  local lines=(); mapfile -t lines < "$work/$1.log"
  truth "$1.pcapng" "${2:-{\}}" "${lines[@]}"
  browser_truth "$1.pcapng" "${lines[@]}"
}

# browser_truth NAME LOGLINE...: the lab Browser's account of the requests
# it got (lab_browser.py), one line per capture that has any
browser_truth() {
  /usr/bin/python3 -c "
import json, sys
path, name = sys.argv[1], sys.argv[2]
try:
    kept = [l for l in open(path) if json.loads(l)['file'] != name]
except FileNotFoundError:
    kept = []
asked = [json.loads(l) for l in sys.argv[3:] if 'browser_request' in json.loads(l)]
if asked:
    kept.append(json.dumps({'file': name, 'requests': len(asked), 'answered': sum(a['answered'] for a in asked),
                            'types': sorted({a['browser_request'] for a in asked}),
                            'instance': next((a['instance'] for a in asked if a['instance']), ''),
                            'mode': asked[0]['mode']}, sort_keys=True) + '\n')
open(path, 'w').writelines(sorted(kept))" "$out/browser-truth.jsonl" "$1" "${@:2}"
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
  truth "$name.pcapng" "{}" "$(/usr/bin/python3 -c "
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

group_logins() {
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
}

group_failures() {
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
}

# a failed login (error 18456, state 1, as SQL Server tells any client whose
# password is wrong) answered instead of LOGINACK; with encryption for the login only, the answer is clear
group_login_errors() {
  capture tsql-login-error-18456 "--tls 1.2 --encryption off --fail login-error" client_tsql request
  keep tsql-login-error-18456
  capture tedious-login-error-18456 "--tls 1.2 --encryption off --fail login-error" client_tedious false
  keep tedious-login-error-18456
}

# Windows authentication (NTLM through SSPI, as a client off the domain or
# without Kerberos does): each stack's own NTLM against the lab, which
# accepts any AUTHENTICATE. With encryption for the login only, the SSPI
# legs after LOGIN7 are clear; in full encryption a keylog makes them
# readable.
group_windows_auth() {
  export TDS_LAB_NTLM='LAB\labuser'
  capture tsql-ntlm-login-only "--tls 1.2 --encryption off" client_tsql request; keep tsql-ntlm-login-only
  # tedious with encrypt false offers no encryption at all: every leg is clear
  capture tedious-ntlm-no-tls "--tls 1.2 --encryption off" client_tedious false; keep tedious-ntlm-no-tls
  # jTDS in full encryption: with login-only encryption (ssl=request) it
  # often loses its socket after LOGIN7 ("I/O Error: Socket closed")
  capture jtds-ntlm-full "--tls 1.2 --keylog $out/jtds-ntlm-full.keys" client_jtds require; keep jtds-ntlm-full
  capture tsql-ntlm-login-error-18456 "--tls 1.2 --encryption off --fail login-error" client_tsql request
  keep tsql-ntlm-login-error-18456
  capture tsql-ntlm-full "--tls 1.2 --keylog $out/tsql-ntlm-full.keys" client_tsql require; keep tsql-ntlm-full
  capture tedious-ntlm-full "--keylog $out/tedious-ntlm-full.keys" client_tedious true; keep tedious-ntlm-full
  unset TDS_LAB_NTLM
  local name
  for name in tsql-ntlm-login-only tedious-ntlm-no-tls jtds-ntlm-full tsql-ntlm-login-error-18456 tsql-ntlm-full \
              tedious-ntlm-full; do      # each client must have got as far as its AUTHENTICATE
    grep -q "\"file\": \"$name.pcapng\".*\"ntlm_user\"" "$out/ground-truth.jsonl" ||
      { echo "$name: the lab saw no NTLM AUTHENTICATE" >&2; return 1; }
  done
}

# Kerberos: a throwaway realm LAB.TEST whose KDC listens on 127.0.0.1:8888
# (not captured); the lab server accepts the client's AP-REQ with the
# service key of MSSQLSvc/127.0.0.1:1433 (FreeTDS's name for the server).
start_kdc() {
  local k="$work/krb"
  mkdir -p "$k"
  printf '[libdefaults]\n\tdefault_realm = LAB.TEST\n\tdns_lookup_kdc = false\n\trdns = false\n[realms]\n\tLAB.TEST = {\n\t\tkdc = 127.0.0.1:8888\n\t}\n' \
    > "$k/krb5.conf"
  printf '[kdcdefaults]\n\tkdc_ports = 8888\n\tkdc_tcp_ports = 8888\n[realms]\n\tLAB.TEST = {\n\t\tdatabase_name = %s/principal\n\t\tkey_stash_file = %s/stash\n\t}\n' \
    "$k" "$k" > "$k/kdc.conf"
  export KRB5_CONFIG="$k/krb5.conf" KRB5_KDC_PROFILE="$k/kdc.conf" KRB5CCNAME="$k/cc" KRB5_KTNAME="$k/sql.keytab"
  kdb5_util create -s -r LAB.TEST -P "lab-master-$RANDOM" >/dev/null 2>&1
  kadmin.local -q "addprinc -pw labpass labuser" >/dev/null 2>&1
  kadmin.local -q "addprinc -randkey MSSQLSvc/127.0.0.1:1433" >/dev/null 2>&1
  kadmin.local -q "ktadd -k $KRB5_KTNAME MSSQLSvc/127.0.0.1:1433" >/dev/null 2>&1
  krb5kdc -n -r LAB.TEST >/dev/null 2>&1 &
  kdc_pid=$!
  sleep 1
  echo labpass | kinit labuser >/dev/null
}

group_kerberos() {
  start_kdc
  export TDS_LAB_KERBEROS=1
  # login-only encryption: the answer (SSPI token beside LOGINACK) is clear
  capture tsql-kerberos-login-only "--tls 1.2 --encryption off" client_tsql request; keep tsql-kerberos-login-only
  capture tsql-kerberos-full "--tls 1.2 --keylog $out/tsql-kerberos-full.keys" client_tsql require
  keep tsql-kerberos-full
  unset TDS_LAB_KERBEROS
  # Kerberos inside SPNEGO, as Windows clients send it: pytds with MIT's GSSAPI
  capture pytds-spnego-kerberos-full "--tls 1.2 --keylog $out/pytds-spnego-kerberos-full.keys" client_pytds_spnego \
    --spnego
  keep pytds-spnego-kerberos-full
  # no ticket: SPNEGO falls back to NTLM (gss-ntlmssp), the credentials in NTLM_USER_FILE, on both sides
  printf 'LAB:labuser:labpass\n' > "$work/krb/ntlm-users"
  NTLM_USER_FILE="$work/krb/ntlm-users" KRB5CCNAME="$work/krb/no-ticket" \
    capture pytds-spnego-ntlm-full "--tls 1.2 --keylog $out/pytds-spnego-ntlm-full.keys" client_pytds_spnego --spnego-ntlm
  keep pytds-spnego-ntlm-full
  kill "$kdc_pid"; wait "$kdc_pid" 2>/dev/null || true
  unset KRB5_CONFIG KRB5_KDC_PROFILE KRB5CCNAME KRB5_KTNAME
  local name who
  for name in tsql-kerberos-login-only tsql-kerberos-full pytds-spnego-kerberos-full pytds-spnego-ntlm-full; do
    who='labuser@LAB.TEST'; [[ $name == *ntlm* ]] && who='LAB\\\\labuser'   # JSON escapes the backslash
    grep -q "\"file\": \"$name.pcapng\".*\"gss_client\": \"$who\"" "$out/ground-truth.jsonl" ||
      { echo "$name: the lab accepted no GSSAPI login" >&2; return 1; }
  done
}

# captures cut by a snapshot length, as they often leave a customer site
# (tcpdump -s, netsh trace packettruncatebytes): copies of corpus captures
# cut with editcap -s. Needs the logins, failures and segments groups.
TRUNCATED="256:tsql-dhe-kb4557473-fin 256:pytds-dhe-kb4557473-rst 256:tsql-dhe-tls12 256:jtds-dhe-tls12
           256:tedious-tds8-strict 256:tsql-server-segments-100 160:pytds-dhe-kb4557473-rst 160:jtds-dhe-tls12
           160:tsql-server-segments-7 96:tsql-dhe-tls12 96:tsql-dhe-kb4557473-fin"
group_truncated() {
  local item len name
  for item in $TRUNCATED; do
    len=${item%%:*} name=${item#*:}
    editcap -s "$len" "$out/$name.pcapng" "$out/cut$len-$name.pcapng"
  done
}

# the server's answers cut into small TCP segments (7 and 100 bytes, each
# sent on its own): most frames carry a part of a PDU that completes later
group_segments() {
  capture tsql-server-segments-7 "--tls 1.2 --segment 7" client_tsql; keep tsql-server-segments-7
  capture tsql-server-segments-100 "--tls 1.2 --segment 100" client_tsql; keep tsql-server-segments-100
}

group_leading_zeros() {
  # leading zeros from real stacks: repeat DHE handshakes until the case occurs
  capture bulk-pytds-dhe "$DHE" client_pytds 1500
  keep_first_match pytds-dhe-ys-leading-zero bulk-pytds-dhe "c.get('ys_first') == 0"
  keep_first_match pytds-dhe-yc-leading-zero bulk-pytds-dhe "c.get('yc_first') == 0"
  capture bulk-tsql-dhe "$DHE" client_tsql require 1500
  keep_first_match tsql-dhe-yc-short bulk-tsql-dhe "c.get('yc_len', 999) < c.get('p_len', 0)"
}

# with_cert STEM: the server presents certs/STEM.pem
with_cert() { CERT="$work/certs/$1.pem" KEY="$work/certs/$1.key"; export CERT KEY; }

group_tls_failures() {
  # the client refuses the certificate: self-signed (what SQL Server makes
  # when none is configured), expired, another name; checked during the
  # handshake (pytds, FreeTDS, jTDS) or after it (tedious, pytds' name check)
  with_cert selfsigned
  capture pytds-cert-untrusted "--tls 1.2" client_pytds_ca
  keep pytds-cert-untrusted '{"expect": "cert_rejected", "by": "client"}'
  capture tsql-cert-untrusted "--tls 1.2" client_tsql validate
  keep tsql-cert-untrusted '{"expect": "cert_rejected", "by": "client"}'
  capture jtds-cert-untrusted "--tls 1.2" client_jtds authenticate
  keep jtds-cert-untrusted '{"expect": "cert_rejected", "by": "client"}'
  capture tedious-cert-untrusted "--tls 1.2" client_tedious_ca
  keep tedious-cert-untrusted '{"expect": "closed_after_handshake", "by": "client"}'
  with_cert expired
  capture pytds-cert-expired "--tls 1.2" client_pytds_ca
  keep pytds-cert-expired '{"expect": "cert_rejected", "by": "client"}'
  with_cert wrongname
  capture pytds-cert-wrong-name "--tls 1.2" client_pytds_ca --validate-host
  keep pytds-cert-wrong-name '{"expect": "closed_after_handshake", "by": "client"}'
  # TLS versions: a client offering TLS 1.0-1.1 to a TLS 1.2 server; a TLS
  # 1.0 server that FreeTDS still accepts
  with_cert server
  TLS_MIN=TLSv1 TLS_MAX=TLSv1.1 TLS_CIPHERS='DEFAULT@SECLEVEL=0' capture tedious-tls11-only "--tls 1.2" client_tedious_tls
  keep tedious-tls11-only '{"expect": "tls_version_mismatch", "by": "server"}'
  capture tsql-server-tls10-only "--tls 1.0" client_tsql; keep tsql-server-tls10-only
  # no cipher suite in common: a DHE-only server, an ECDHE-only client
  TLS_MAX=TLSv1.2 TLS_CIPHERS='ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256' \
    capture tedious-no-common-suite "$DHE" client_tedious_tls
  keep tedious-no-common-suite '{"expect": "no_common_suite", "by": "server"}'
  # the server quits after the client's Finished: with a fatal alert (DHE:
  # KB 4557473), with a RST (ECDHE: not KB 4557473)
  capture tsql-dhe-alert-after-client-finished "$DHE --fail alert-after-client-finished" client_tsql
  keep tsql-dhe-alert-after-client-finished '{"expect": "kb4557473", "by": "server"}'
  capture pytds-ecdhe-rst-after-client-finished "--tls 1.2 --fail rst-after-client-finished" client_pytds_ca
  keep pytds-ecdhe-rst-after-client-finished '{"expect": "key_exchange_rejected", "by": "server"}'
  capture pytds-ecdhe-alert-after-client-finished "--tls 1.2 --fail alert-after-client-finished" client_pytds_ca
  keep pytds-ecdhe-alert-after-client-finished '{"expect": "key_exchange_rejected", "by": "server"}'
  unset CERT KEY
}

# The server answers a TLS 1.2 ClientHello with TLS 1.0, as a SQL Server
# build without TLS 1.2 does (KB 3135244): pytds (OpenSSL 3, TLS 1.2 at
# least) refuses it and closes after the server's flight, without an alert,
# as a client that rejects the certificate does. (jTDS offers TLS 1.3 in
# supported_versions, and the server itself refuses with protocol_version:
# tedious-tls11-only shows that case.)
group_refused_versions() {
  with_cert server
  capture pytds-server-tls10-refused "--tls 1.0" client_pytds_ca
  keep pytds-server-tls10-refused '{"expect": "tls_version_refused", "by": "client"}'
  unset CERT KEY
}

# What real SQL Server sends that the lab's defaults do not: LOGINACK's
# program name padded with NUL characters (seen from SQL Server 2000, 2019
# and 2022). Login-only encryption: the answer is in clear.
group_sqlserver_answers() {
  capture tsql-loginack-program-padded "--tls 1.2 --encryption off --program sqlserver" client_tsql request
  keep tsql-loginack-program-padded
}

# named instances: the client asks the lab's SQL Server Browser (UDP 1434)
# for the port, on ports like those SQL Server's dynamic range, Azure's
# redirects (11000-11999) and custom listeners use
group_instances() {
  local CAPTURE_FILTER="udp port 1434 or tcp port 49172 or tcp port 50123 or tcp port 11003 or tcp port 14331"
  export CAPTURE_FILTER
  WHERE='\SQLEXPRESS'; export WHERE
  capture tsql-instance-dhe-kb4557473 "--port 49172 --browser SQLEXPRESS $DHE --fail fin-after-client-finished" \
    client_tsql
  keep tsql-instance-dhe-kb4557473
  capture pytds-instance-login "--port 50123 --browser SQLEXPRESS --tls 1.2" client_pytds; keep pytds-instance-login
  capture tedious-instance-login "--port 11003 --browser SQLEXPRESS --tls 1.2" client_tedious
  keep tedious-instance-login
  capture jtds-instance-login "--port 14331 --browser SQLEXPRESS $DHE" client_jtds; keep jtds-instance-login
  capture tsql-instance-fin-after-client-hello "--port 11003 --browser SQLEXPRESS --tls 1.2 --fail fin-after-client-hello" \
    client_tsql
  keep tsql-instance-fin-after-client-hello
  # the Browser does not answer (stopped, or UDP 1434 dropped): FreeTDS asks
  # once a second until it gives up; no TCP connection follows
  TSQL_TIMEOUT=4 capture tsql-instance-browser-silent "--port 49172 --browser SQLEXPRESS --browser-answer none" client_tsql
  keep tsql-instance-browser-silent
  # the Browser answers, but with another instance only
  TSQL_TIMEOUT=4 capture tsql-instance-unknown "--port 49172 --browser SQLEXPRESS --browser-answer without-instance" \
    client_tsql
  keep tsql-instance-unknown
  # TDS 8 strict on a port of its own, no Browser: the heuristic finds it by ALPN tds/8.0
  WHERE=14331 capture tedious-tds8-port14331 "--port 14331 --strict" client_tedious strict; keep tedious-tds8-port14331
  # an Azure-style redirect: the gateway on 1433 answers LOGIN7 with a
  # routing ENVCHANGE to 127.0.0.1:11003, the client logs in there
  capture_routed tedious-routed-1433-to-11003
  # a capture that starts after the PRELOGIN: the Browser's answer, then the
  # connection from its first encrypted record on (cut from pytds-instance-login)
  local first_app
  first_app=$(tshark -r "$out/pytds-instance-login.pcapng" -Y "tls.record.content_type == 23" -T fields \
                -e frame.number 2>/dev/null | head -1)
  editcap -r "$out/pytds-instance-login.pcapng" "$out/pytds-instance-midstream.pcapng" 1-2 "$first_app-9999"
  unset WHERE CAPTURE_FILTER
}

# capture_routed NAME: two lab servers, the gateway on 1433 routing to the
# target on 11003; tedious follows the route; the keylogs of both in NAME.keys
capture_routed() {
  local name=$1 pcap="$work/$1.pcapng"
  dumpcap -q -i lo -f "tcp port 1433 or tcp port 11003" -w "$pcap" 2>/dev/null &
  local dumpcap_pid=$!
  sleep 1
  /usr/bin/python3 "$here/tds_lab_server.py" --cert "$work/cert.pem" --key "$work/key.pem" --dhparams "$work/dh.pem" \
    --tls 1.2 --keylog "$work/$name-gateway.keys" --route 127.0.0.1:11003 > "$work/$name.log" &
  local gateway=$!
  /usr/bin/python3 "$here/tds_lab_server.py" --cert "$work/cert.pem" --key "$work/key.pem" --dhparams "$work/dh.pem" \
    --tls 1.2 --keylog "$work/$name-target.keys" --port 11003 > "$work/$name-target.log" &
  local target=$!
  sleep 0.7
  WHERE=1433 client_tedious
  sleep 0.5
  kill "$gateway" "$target" 2>/dev/null || true; wait "$gateway" "$target" 2>/dev/null || true
  sleep 0.5
  kill "$dumpcap_pid"; wait "$dumpcap_pid" 2>/dev/null || true
  cp "$pcap" "$out/$name.pcapng"
  cat "$work/$name-gateway.keys" "$work/$name-target.keys" > "$out/$name.keys"
}

# other protocols on the same machine, on 443, 9000 and 1433: tdstls must
# leave them exactly as Wireshark shows them without it
group_negatives() {
  local CAPTURE_FILTER="tcp port 1433 or tcp port 443 or tcp port 9000"
  export CAPTURE_FILTER
  negative_capture not-sql-https-h2-1433 "openssl s_server -accept 1433 -cert $work/cert.pem -key $work/key.pem -alpn h2 -www -quiet" \
    "curl -sk --http2 https://127.0.0.1:1433/"
  negative_capture not-sql-https-http11-443 "openssl s_server -accept 443 -cert $work/cert.pem -key $work/key.pem -alpn http/1.1 -www -quiet" \
    "curl -sk --http1.1 https://127.0.0.1:443/"
  # a TLS server that selects no ALPN (the client offers h2 and http/1.1)
  negative_capture not-sql-tls-server-no-alpn-1433 \
    "openssl s_server -accept 1433 -cert $work/cert.pem -key $work/key.pem -www -quiet" "curl -sk https://127.0.0.1:1433/"
  negative_capture not-sql-http-1433 "/usr/bin/python3 -m http.server 1433 --bind 127.0.0.1" "curl -s http://127.0.0.1:1433/"
  negative_capture not-sql-binary-9000 "/usr/bin/python3 $here/lab_binary_server.py 9000" \
    "/usr/bin/python3 $here/lab_binary_server.py 9000 --client"
  # random TCP segments and random TDS packets from Wireshark's randpkt
  randpkt -b 500 -c 300 -t tcp "$work/randpkt-tcp.pcap" && editcap -F pcapng "$work/randpkt-tcp.pcap" "$out/not-sql-randpkt-tcp.pcapng"
  unset CAPTURE_FILTER
}

# negative_capture NAME SERVER-COMMAND CLIENT-COMMAND
negative_capture() {
  local name=$1 server=$2 client=$3
  dumpcap -q -i lo -f "$CAPTURE_FILTER" -w "$work/$name.pcapng" 2>/dev/null &
  local dumpcap_pid=$!
  sleep 1
  $server >/dev/null 2>&1 </dev/null &
  local server_pid=$!
  sleep 1
  for _ in 1 2; do timeout 10 $client >/dev/null 2>&1 || true; done
  sleep 0.5
  kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true
  sleep 0.5
  kill "$dumpcap_pid"; wait "$dumpcap_pid" 2>/dev/null || true
  cp "$work/$name.pcapng" "$out/$name.pcapng"
}

# TDS 4.2/5.0 (Sybase ASE's protocol), which tdstls leaves to Wireshark's TDS
# dissector: FreeTDS logs in with TDSVER=5.0 to a listener that reads the
# login and closes (tsql then reports the failed connection)
group_old_tds() {
  local CAPTURE_FILTER="tcp port 1433"
  export CAPTURE_FILTER
  negative_capture tsql-tds50-sybase-login "/usr/bin/python3 $here/lab_tds5_server.py 1433" \
    "env TDSVER=5.0 tsql -H 127.0.0.1 -p 1433 -U sa -P lab-password"
  unset CAPTURE_FILTER
}

# nothing listens on UDP 1434 (no SQL Server Browser): the host answers
# each request with ICMP port unreachable; FreeTDS asks again until it
# gives up, and no TCP connection follows
group_browser_unreachable() {
  local CAPTURE_FILTER="udp port 1434 or icmp"
  export CAPTURE_FILTER
  WHERE='\SQLEXPRESS'; export WHERE
  TSQL_TIMEOUT=4 capture tsql-instance-browser-unreachable "--port 49172" client_tsql
  keep tsql-instance-browser-unreachable
  unset WHERE CAPTURE_FILTER
}

# nothing listens on TCP 1433: the kernel answers each SYN with a RST;
# FreeTDS tries twice (the helper runs a client twice)
group_refused_port() {
  local CAPTURE_FILTER="tcp port 1433"
  export CAPTURE_FILTER
  negative_capture tsql-connection-refused "sleep 6" "tsql -H 127.0.0.1 -p 1433 -U sa -P lab-password"
  unset CAPTURE_FILTER
}

group_crafted() {
  # what no real stack here makes on demand
  /usr/bin/python3 "$here/craft_captures.py" "$out"
}

main() {
  for g in "$@"; do
    if ! declare -F "group_$g" >/dev/null; then
      echo "usage: bash scripts/make_corpus.sh [OUTDIR [GROUP ...]]" >&2
      echo "GROUP: $(declare -F | awk '/ group_/ {sub("group_", "", $3); printf "%s ", $3}')" >&2
      exit 2
    fi
  done
  [ "${SKIP_INSTALL:-}" = 1 ] || install_deps
  make_keys
  local groups=("$@")
  if [ ${#groups[@]} -eq 0 ]; then
    groups=(logins failures login_errors windows_auth kerberos segments truncated leading_zeros tls_failures
            refused_versions sqlserver_answers instances browser_unreachable refused_port negatives old_tds crafted)
    rm -f "$out"/*.pcap "$out"/*.pcapng "$out"/*.keys "$out/ground-truth.jsonl" "$out/browser-truth.jsonl"
  fi
  for g in "${groups[@]}"; do "group_$g"; done
  for f in "$out"/*.pcapng; do tshark -r "$f" >/dev/null || { echo "stock tshark fails on $f" >&2; exit 1; }; done
  chmod a+r "$out"/*
  echo "corpus written to $out"
}
main "${@:2}"
