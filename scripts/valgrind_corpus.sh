#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# valgrind memcheck over corpus captures with the tdstls plugin; counts the
# errors whose stack passes through tdstls.so (Wireshark's own are reported
# apart, not counted).
# usage: scripts/valgrind_corpus.sh PLUGIN_DIR CAPTURES_DIR [MAX_FILES]
set -euo pipefail
if [ $# -lt 2 ] || [ ! -d "$1" ]; then
  echo "usage: scripts/valgrind_corpus.sh PLUGIN_DIR CAPTURES_DIR [MAX_FILES]" >&2
  exit 2
fi
plugin_dir=$(cd "$1" && pwd); captures=$(cd "$2" && pwd); max=${3:-0}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cp -r "$plugin_dir" "$work/plugins"; chmod -R a+rX "$work"
run=(env HOME="$work" WIRESHARK_PLUGIN_DIR="$work/plugins" WIRESHARK_DEBUG_WMEM_OVERRIDE=simple
     G_SLICE=always-malloc G_DEBUG=gc-friendly)
[ "$(id -u)" -eq 0 ] && run=(setpriv --reuid=nobody --regid=nogroup --clear-groups "${run[@]}")
files=0; ours=0; theirs=0
for f in "$captures"/*.pcap "$captures"/*.pcapng; do
  case $f in *port51433*) continue ;; esac   # not on a tdstls port without Decode As
  [ "$max" -gt 0 ] && [ "$files" -ge "$max" ] && break
  cp "$f" "$work/in"; chmod a+r "$work/in"; log="$work/vg.log"; rm -f "$log"; touch "$log"; chmod a+w "$log"
  "${run[@]}" valgrind --tool=memcheck --num-callers=40 --log-file="$log" \
    tshark -2 -nVx -r "$work/in" >/dev/null 2>&1 || true
  # an error block: from a line naming the error to the next blank "==pid== " line
  read -r o t < <(awk '
    /^==[0-9]+== (Invalid|Conditional jump|Use of uninitialised|Syscall param|Mismatched|Source and destination overlap|Argument)/ {inb=1; mine=0; next}
    inb && /tdstls/ {mine=1}
    inb && /^==[0-9]+== $/ {inb=0; if (mine) o++; else t++}
    END {print o+0, t+0}' "$log")
  grep -q "ERROR SUMMARY" "$log" || { echo "valgrind did not finish on $(basename "$f")"; exit 1; }
  echo "$(basename "$f"): $o errors from tdstls, $t elsewhere ($(grep -o 'ERROR SUMMARY: [0-9]* errors' "$log"))"
  ours=$((ours + o)); theirs=$((theirs + t)); files=$((files + 1))
done
echo "valgrind memcheck over $files captures (tshark -2 -nVx): $ours errors from tdstls, $theirs in Wireshark itself"
echo "$files passed, $([ "$ours" -eq 0 ] && echo 0 || echo "$ours") failed"
[ "$ours" -eq 0 ]
