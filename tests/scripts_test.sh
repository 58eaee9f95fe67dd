#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The scripts a user runs: each answers bad arguments with a usage line and
# a failing exit status, without doing anything else; test_deb.sh (as root,
# with dpkg) leaves a tdstls.so already installed exactly as it found it.
#   bash tests/scripts_test.sh [--deb]
set -uo pipefail
cd "$(dirname "$0")/.."
failed=0 passed=0
check() {   # check WHAT COMMAND... : fails with a usage line, no traceback
  local what=$1; shift
  local out rc
  out=$("$@" 2>&1 </dev/null); rc=$?
  if [ "$rc" -ne 0 ] && grep -q "^usage: " <<<"$out" && ! grep -q "^Traceback" <<<"$out"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1)); echo "FAIL: $what: exit $rc, no usage line: ${out:0:200}"
  fi
}
empty=$(mktemp -d); trap 'rm -rf "$empty"' EXIT
check "annotate_phases.sh without arguments" bash scripts/annotate_phases.sh
check "annotate_phases.sh with a missing capture" bash scripts/annotate_phases.sh "$empty/none.pcapng" "$empty/out.pcapng"
check "tdstls_report.py without arguments" python3 scripts/tdstls_report.py
check "tdstls_report.py with an unknown option" python3 scripts/tdstls_report.py --no-such-option x.pcapng
check "tdstls_report.py --jobs 0" python3 scripts/tdstls_report.py --jobs 0 test-captures/tsql-dhe-tls12.pcapng
check "tdstls_report.py --output in a missing folder" \
  python3 scripts/tdstls_report.py --output "$empty/no/such/folder/out.csv" test-captures/tsql-dhe-tls12.pcapng
check "tdstls_report.py with a missing capture" python3 scripts/tdstls_report.py "$empty/none.pcapng"
check "test_wireshark.sh without a release" bash scripts/test_wireshark.sh
check "gui_screenshots.sh without a plugin folder" bash scripts/gui_screenshots.sh
check "valgrind_corpus.sh without folders" bash scripts/valgrind_corpus.sh
check "fuzz_core.sh with a budget that is no number" bash scripts/fuzz_core.sh lots
check "make_corpus.sh with an unknown group" bash scripts/make_corpus.sh "$empty" no_such_group
check "craft_captures.py without a folder" python3 scripts/craft_captures.py
check "move_port.py without arguments" python3 scripts/move_port.py
check "make_bulk.py without arguments" python3 scripts/make_bulk.py
check "lab_binary_server.py without a port" python3 scripts/lab_binary_server.py
check "benchmark.py without a plugin folder" python3 scripts/benchmark.py
check "fuzz_captures.py without a plugin folder" python3 scripts/fuzz_captures.py
# said_once WHAT WANT-EXIT PATTERN COMMAND...: exits so, says PATTERN on stderr, no traceback
said_once() {
  local what=$1 want=$2 pattern=$3; shift 3
  local err rc
  err=$("$@" 2>&1 >/dev/null </dev/null); rc=$?
  if [ "$rc" -eq "$want" ] && grep -q -- "$pattern" <<<"$err" && ! grep -q "^Traceback" <<<"$err"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1)); echo "FAIL: $what: exit $rc (want $want), stderr: ${err:0:300}"
  fi
}
# as root, file permissions do not stop a reader: the unreadable folder is tried as nobody, with a
# copy of the script nobody can read wherever this checkout lies
as_user=(); [ "$(id -u)" -ne 0 ] || as_user=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
chmod 755 "$empty"; mkdir "$empty/empty" "$empty/locked"; chmod 755 "$empty/empty"; chmod 000 "$empty/locked"
cp scripts/tdstls_report.py "$empty/report.py"; chmod 644 "$empty/report.py"
said_once "tdstls_report.py on an unreadable folder" 2 "locked: permission denied" \
  "${as_user[@]}" /usr/bin/python3 "$empty/report.py" "$empty/locked"
said_once "tdstls_report.py on an empty folder" 1 "no capture in this folder" \
  python3 scripts/tdstls_report.py "$empty/empty"
# a tshark without the plugin (WIRESHARK_PLUGIN_DIR replaces the global folder for a normal user)
said_once "tdstls_report.py with a tshark that lacks tdstls" 1 "does not load the tdstls plugin" \
  env TSHARK="${as_user[*]} env HOME=$empty WIRESHARK_PLUGIN_DIR=$empty/empty tshark" \
  python3 scripts/tdstls_report.py test-captures/tsql-dhe-tls12.pcapng
rmdir "$empty/empty" "$empty/locked"; rm "$empty/report.py"

# nothing was written where a usage error stopped a script
if [ -n "$(ls -A "$empty")" ]; then
  failed=$((failed + 1)); echo "FAIL: a script wrote files before its usage error: $(ls "$empty")"
fi

# test_deb.sh installs the .deb into Wireshark's global plugin folder and
# removes it: an install already there must come back byte for byte
if [ "${1:-}" = --deb ]; then
  if [ "$(id -u)" -ne 0 ] || ! command -v dpkg-deb >/dev/null; then
    echo "test_deb.sh restore: needs root and dpkg, skipped"
    exit 77
  fi
  target=$(pkg-config --variable=plugindir wireshark)/epan/tdstls.so
  saved=$(mktemp); had=0
  if [ -e "$target" ]; then had=1; cp -p "$target" "$saved"; fi
  printf 'an install already here\n' > "$target"
  sum=$(sha256sum < "$target")
  if bash scripts/test_deb.sh >"$empty/deb.log" 2>&1 && [ "$(sha256sum < "$target")" = "$sum" ]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1)); echo "FAIL: test_deb.sh did not put the existing $target back"; tail -5 "$empty/deb.log"
  fi
  if [ "$had" = 1 ]; then cp -p "$saved" "$target"; else rm -f "$target"; fi
  rm -f "$saved"
fi
echo "scripts: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
