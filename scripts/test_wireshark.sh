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
# downloads about 300 MB). APT_CACHE (optional): a folder of downloaded
# packages shared between runs and releases (.ci/run gives both chroots the
# same one). TESTS: a ctest -R pattern; by default every test runs but those
# EXCLUDED names, each for the reason given there.
# Needs root (debootstrap, chroot). Not part of the default suite; .ci/run
# runs it for sid and trixie.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: sudo bash $0 trixie|sid|RELEASE [CHROOT_DIR]" >&2
  exit 2
fi
release=$1
root=$(realpath -m "${2:-/var/tmp/tdstls-chroots/$release}")
# Left out on other Wireshark releases, and why:
#  tshark_baselines: pins 4.0's own dissectors' text (tcp, tls, tds) beside tdstls's
#  tshark_bulk: checks the benchmark's tooling (callgrind), not how Wireshark dissects
#  build_sanitized_plugin, fuzz_captures_bounded, fuzz_core_bounded, valgrind_bounded:
#    hostile-input runs, long and release-independent in what they test (the core is
#    the same code); they run on 4.0 in every CI run
#  test_deb_restores_install: installs a .deb into the chroot's global plugin folder
#  readme_first_line: runs the quickstart, whose package list (install-deps.sh) is Debian 12's,
#    the README's first line being for Debian 12
excluded='^(tshark_baselines|tshark_bulk|build_sanitized_plugin|fuzz_captures_bounded|fuzz_core_bounded|valgrind_bounded|test_deb_restores_install|readme_first_line)$'
[ "$(id -u)" -eq 0 ] || { echo "$0: needs root (debootstrap, chroot); run it with sudo" >&2; exit 1; }
command -v debootstrap >/dev/null || apt-get install -y -q debootstrap

cache=()
if [ -n "${APT_CACHE:-}" ]; then
  mkdir -p "$APT_CACHE/debootstrap" "$APT_CACHE/apt"
  cache=(--cache-dir="$(realpath "$APT_CACHE/debootstrap")")
fi
if [ ! -x "$root/usr/bin/apt-get" ]; then
  mkdir -p "$root"
  debootstrap "${cache[@]}" --variant=minbase "$release" "$root" http://deb.debian.org/debian
fi
mount -t proc proc "$root/proc"
unmount() { umount "$root/proc"; ! mountpoint -q "$root/var/cache/apt/archives" || umount "$root/var/cache/apt/archives"; }
trap unmount EXIT
if [ -n "${APT_CACHE:-}" ]; then
  mkdir -p "$root/var/cache/apt/archives"
  mount --bind "$APT_CACHE/apt" "$root/var/cache/apt/archives"
fi
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
if [ -n "${TESTS:-}" ]; then
  in_root ctest --test-dir /tdstls/build --output-on-failure -j "$(nproc)" -R "$TESTS"
else
  in_root ctest --test-dir /tdstls/build --output-on-failure -j "$(nproc)" -E "$excluded"
fi
