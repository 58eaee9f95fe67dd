#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tdstls against the Wireshark of another Debian release, as that release's
# users get it: a minimal chroot (debootstrap), its own tshark and
# libwireshark-dev from binary packages, tdstls built there unchanged, then
# the core unit tests and the tshark tests with that tshark.
#
#   sudo bash scripts/test_wireshark.sh RELEASE [CHROOT_DIR]
#
# RELEASE: trixie (Debian 13, Wireshark 4.4), sid (unstable, 4.6), or any
# release debootstrap knows. CHROOT_DIR defaults to
# /var/tmp/tdstls-chroots/RELEASE and is reused by later runs (the first one
# downloads about 300 MB). TESTS: a ctest -R pattern (default: the core
# unit tests and every tshark group but bulk, the moved-port copies and the
# baselines, which pin 4.0's own dissectors' output too).
# Needs root (debootstrap, chroot). Not part of the default suite.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: sudo bash $0 trixie|sid|RELEASE [CHROOT_DIR]" >&2
  exit 2
fi
release=$1
root=$(realpath -m "${2:-/var/tmp/tdstls-chroots/$release}")
tests=${TESTS:-'^(core_unit|suite_kinds_match_wireshark|dhe_suites_match_wireshark|tshark_(loads|corpus_fields|phases|close|expert|stock_parity|two_pass|decode_as|keylog|hostile|summary|decode_tls_pref|check_prefs|browser|routing|negatives|ladder|login_answer)|scripts_usage)$'}
[ "$(id -u)" -eq 0 ] || { echo "$0: needs root (debootstrap, chroot); run it with sudo" >&2; exit 1; }
command -v debootstrap >/dev/null || apt-get install -y -q debootstrap

if [ ! -x "$root/usr/bin/apt-get" ]; then
  mkdir -p "$root"
  debootstrap --variant=minbase "$release" "$root" http://deb.debian.org/debian
fi
mount -t proc proc "$root/proc"
trap 'umount "$root/proc"' EXIT
in_root() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root DEBIAN_FRONTEND=noninteractive "$@"; }

# A dated archive snapshot's Release file may have expired: accept it.
in_root apt-get -o Acquire::Check-Valid-Until=false update -q
in_root apt-get install -y -q --no-install-recommends tshark libwireshark-dev wireshark-dev cmake gcc make \
  pkg-config python3 util-linux >/dev/null
version=$(in_root tshark --version | head -1)
echo "== $release: $version"

# the working tree as it is (not only what is committed), without build folders
rm -rf "$root/tdstls" && mkdir -p "$root/tdstls"
tar -C "$repo" --exclude='./build*' --exclude=./.git -cf - . | tar -C "$root/tdstls" -xf -
in_root cmake -S /tdstls -B /tdstls/build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
in_root cmake --build /tdstls/build -j "$(nproc)" >/dev/null
echo "== built against $(in_root pkg-config --modversion wireshark)"
in_root ctest --test-dir /tdstls/build --output-on-failure -R "$tests"
