#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Writes each frame's tdstls phase (and the diagnosis, on the frame that has
# one) into a pcapng copy as packet comments, so a class can open it in any
# Wireshark, even without the plugin.
# usage: scripts/annotate_phases.sh IN OUT.pcapng     (TSHARK: tshark with the plugin; default tshark)
set -euo pipefail
if [ $# -ne 2 ] || [ ! -r "$1" ]; then
  echo "usage: $0 IN.pcap[ng] OUT.pcapng   (TSHARK=... to use another tshark with the plugin)" >&2
  [ $# -eq 2 ] && echo "$0: cannot read $1" >&2
  exit 2
fi
in=$1; out=$2
tshark_cmd=${TSHARK:-tshark}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
# shellcheck disable=SC2086
$tshark_cmd -2 -r "$in" -T fields -E "separator=|" -e frame.number -e tdstls.phase -e tdstls.phase.name \
  -e tdstls.phase.inferred -e tdstls.diagnosis > "$work/phases.tsv"
# editcap -a FRAME:COMMENT, in chunks that keep the command line short
cp "$in" "$work/cur"
chunk=()
flush() {
  [ ${#chunk[@]} -eq 0 ] && return
  editcap -F pcapng "${chunk[@]}" "$work/cur" "$work/next" && mv "$work/next" "$work/cur"
  chunk=()
}
# "|" not a tab: read folds runs of tabs, and empty fields would shift
while IFS="|" read -r frame phase name inferred diagnosis; do
  [ -n "$phase" ] || continue
  comment="tdstls phase $phase: $name"
  [ "$inferred" = 1 ] || [ "$inferred" = True ] && comment+=" (inferred)"
  # one comment per frame: editcap keeps only the last -a given for a frame
  [ -n "$diagnosis" ] && comment+="; diagnosis: $diagnosis"
  chunk+=(-a "$frame:$comment")
  [ ${#chunk[@]} -ge 4000 ] && flush
done < "$work/phases.tsv"
flush
editcap -F pcapng "$work/cur" "$out"
total=$(grep -c . "$work/phases.tsv" || true)
labelled=$(cut -d"|" -f2 "$work/phases.tsv" | grep -c . || true)
if [ "$labelled" -eq 0 ]; then
  echo "$in: no frame of a SQL Server connection among its $total frames: no phase written ($out is a plain copy)" >&2
else
  echo "$out: phases written as packet comments on $labelled of $total frames"
fi
