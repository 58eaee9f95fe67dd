#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Screenshots of tdstls in a real Wireshark window (Debian wireshark-qt under
# Xvfb) for the README: the packet list with a phase column, the expert
# information dialog, and the two tdstls statistics. Look at them after.
# usage: scripts/gui_screenshots.sh PLUGIN_DIR [OUT_DIR=docs]      (as root: installs what it needs)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
if [ $# -lt 1 ] || [ ! -d "$1" ]; then
  echo "usage: scripts/gui_screenshots.sh PLUGIN_DIR [OUT_DIR=docs]      (as root: installs what it needs)" >&2
  exit 2
fi
plugin_dir=$(cd "$1" && pwd); out=$(mkdir -p "${2:-$here/docs}" && cd "${2:-$here/docs}" && pwd)
if [ "$(id -u)" -eq 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends wireshark-qt xvfb xdotool \
    x11-apps imagemagick >/dev/null
fi
work=$(mktemp -d); chmod 755 "$work"
display=:77
Xvfb $display -screen 0 1500x1000x24 >/dev/null 2>&1 &
xvfb=$!
trap 'pkill -f "wireshark -r $work" 2>/dev/null || true; kill $xvfb 2>/dev/null || true; rm -rf "$work"' EXIT
cp -r "$plugin_dir" "$work/plugins"
cp "$here/test-captures/tsql-dhe-kb4557473-fin.pcapng" "$work/kb.pcapng"
python3 "$here/scripts/make_bulk.py" "$work/mix.pcap" >/dev/null \
  "$here/test-captures/tsql-dhe-tls12.pcapng:1" "$here/test-captures/tedious-tds8-strict.pcapng:1" \
  "$here/test-captures/tsql-encrypt-off.pcapng:1" "$here/test-captures/pytds-dhe-ys-leading-zero.pcapng:1" \
  "$here/test-captures/tsql-dhe-yc-short.pcapng:1" "$here/test-captures/tsql-fail-fin-after-client-hello.pcapng:1" \
  "$here/test-captures/pytds-fail-alert.pcapng:1" "$here/test-captures/pytds-dhe-kb4557473-rst.pcapng:1"
python3 "$here/scripts/make_bulk.py" "$work/bulk.pcap" >/dev/null \
  "$here/test-captures/tsql-dhe-tls12.pcapng:597" "$here/test-captures/tsql-dhe-kb4557473-fin.pcapng:3"
chmod -R a+rX "$work"
run=(env HOME="$work" DISPLAY=$display WIRESHARK_PLUGIN_DIR="$work/plugins")
[ "$(id -u)" -eq 0 ] && run=(setpriv --reuid=nobody --regid=nogroup --clear-groups "${run[@]}")
export DISPLAY=$display

# shot NAME FILE WINDOW-TITLE-PART WIDTH HEIGHT WIRESHARK-ARGS...
shot() {
  local name=$1 file=$2 title=$3 width=$4 height=$5; shift 5
  "${run[@]}" wireshark -r "$work/$file" "$@" >/dev/null 2>&1 &
  local id=""
  # Without a window manager a popup holds the file back until Escape; once the
  # main window is titled with the file, stop (Escape would close the dialog).
  for _ in $(seq 1 30); do
    sleep 1
    xdotool search --name "^$file\$" >/dev/null 2>&1 && break
    xdotool key Escape 2>/dev/null || true
  done
  for _ in $(seq 1 30); do
    sleep 1
    id=$(xdotool search --name "$title" 2>/dev/null | tail -1) && [ -n "$id" ] && break
  done
  [ -n "$id" ] || { echo "no window '$title' for $name" >&2; exit 1; }
  sleep 3
  xdotool windowsize "$id" "$width" "$height"; xdotool windowmove "$id" 0 0; xdotool windowraise "$id"
  [ "$name" = packet-list ] && xdotool key --window "$id" ctrl+shift+r   # View > Resize Columns
  sleep 2
  xwd -id "$id" -silent | convert xwd:- "$out/$name.png"
  pkill -f "wireshark -r $work" || true
  sleep 1
  echo "$out/$name.png"
}

columns='gui.column.format:"No.","%m","Time","%t","Src port","%uS","Dst port","%uD","Protocol","%p","Phase","%Cus:tdstls.phase.name:0:R","Info","%i"'
shot packet-list kb.pcapng "^kb.pcapng\$" 1400 700 -g 11 -o "$columns"
shot expert-info kb.pcapng "Expert Information" 1300 380 -z expert
shot connections mix.pcap "TDS TLS connections" 1500 330 -z tdstls,conn_table
shot dhe-handshakes bulk.pcap "DHE handshakes" 1300 200 -z tdstls,dhe
