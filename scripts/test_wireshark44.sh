#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tdstls against Wireshark 4.4: builds libwireshark + tshark from Debian 13's
# (trixie) source package, without the GUI, into a cache folder; then builds
# tdstls against it and runs the core and tshark tests with that tshark.
#
#   bash scripts/test_wireshark44.sh [CACHE_DIR]
#
# CACHE_DIR defaults to ~/.cache/tdstls/wireshark-4.4. The first run takes
# 10-15 minutes on 2 cores (later runs reuse the build and take a minute).
# Not part of the default suite for that reason. Needs root or sudo for the
# build dependencies (Debian 12 packages).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
cache=$(realpath -m "${1:-$HOME/.cache/tdstls/wireshark-4.4}")
prefix=$cache/prefix
mkdir -p "$cache"

as_root=()
[ "$(id -u)" -eq 0 ] || as_root=(sudo)
build_deps=(cmake ninja-build gcc g++ flex bison python3 perl curl ca-certificates
            libglib2.0-dev libgcrypt20-dev libc-ares-dev libpcre2-dev libpcap-dev
            zlib1g-dev libgnutls28-dev libspeexdsp-dev libxml2-dev)
missing=()
for p in "${build_deps[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
bash scripts/install-deps.sh   # tshark 4.0's file tools (editcap, randpkt) and the test tools

# 1. Debian 13's source package. apt fetches trixie's source index into a
#    private folder and checks its signature with Debian's keyring; the
#    tarballs are then checked against that index's SHA-256 sums.
if [ ! -f "$cache/src.ok" ]; then
  apt_dir=$cache/apt
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
  echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main" \
    > "$apt_dir/trixie.list"
  apt_opts=(-o "Dir::Etc::SourceList=$apt_dir/trixie.list" -o Dir::Etc::SourceParts=/dev/null
            -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
            -o APT::Sandbox::User=root)
  apt-get "${apt_opts[@]}" update -q
  index=$(ls "$apt_dir"/lists/*trixie_main_source_Sources*)
  # "Package: wireshark" stanza -> its Checksums-Sha256 lines: sum size name
  /usr/lib/apt/apt-helper cat-file "$index" | awk '
    /^Package: /        { pkg = $2 }
    /^Checksums-Sha256:/ { in_sums = (pkg == "wireshark"); next }
    /^[^ ]/             { in_sums = 0 }
    in_sums && /^ /     { print $1, $3 }' > "$cache/sums"
  grep -q 'orig.tar' "$cache/sums" || { echo "no wireshark source in trixie's index" >&2; exit 1; }
  rm -rf "$cache/src" && mkdir -p "$cache/src"
  while read -r sum name; do
    case $name in *.dsc) continue ;; esac   # not needed: tarballs are checked against the signed index
    curl -fsS -o "$cache/$name" "http://deb.debian.org/debian/pool/main/w/wireshark/$name"
    echo "$sum  $cache/$name" | sha256sum -c --quiet
  done < "$cache/sums"
  tar -xf "$cache"/wireshark_*.orig.tar.* -C "$cache/src" --strip-components=1
  tar -xf "$cache"/wireshark_*.debian.tar.* -C "$cache/src"
  grep -v '^#' "$cache/src/debian/patches/series" | while read -r patch; do
    [ -n "$patch" ] && patch -d "$cache/src" -p1 -s < "$cache/src/debian/patches/$patch"
  done
  touch "$cache/src.ok"
fi

# 2. libwireshark + tshark only (no Qt, no other tools), installed in $prefix.
if [ ! -x "$prefix/bin/tshark" ]; then
  off=()
  for tool in wireshark logray editcap capinfos captype mergecap reordercap text2pcap dftest randpkt dumpcap \
              rawshark sharkd tfshark mmdbresolve androiddump sshdump ciscodump wifidump dpauxmon randpktdump \
              udpdump sdjournal falcodump etwdump dcerpcidl2wrs corbaidl2wrs; do
    off+=("-DBUILD_$tool=OFF")
  done
  cmake -S "$cache/src" -B "$cache/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_INSTALL_PREFIX="$prefix" -DCMAKE_INSTALL_RPATH="$prefix/lib" -DENABLE_PLUGINS=ON \
    -DENABLE_LUA=OFF "${off[@]}" > "$cache/configure.log"
  cmake --build "$cache/build" -j "$(nproc)" > "$cache/build.log"
  cmake --install "$cache/build" > "$cache/install.log"
  # headers and WiresharkConfig.cmake are a separate component since 4.2
  cmake --install "$cache/build" --component Development >> "$cache/install.log"
fi
"$prefix/bin/tshark" --version | head -1

# 3. tdstls against it; core and tshark tests with that tshark first on PATH.
#    Run as nobody when root (see tests/tshark_tests.py), so the cache must be readable.
chmod -R a+rX "$cache"
cmake -S "$repo" -B "$cache/tdstls-build" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
cmake --build "$cache/tdstls-build" -j "$(nproc)"
chmod -R a+rX "$cache/tdstls-build"
PATH=$prefix/bin:$PATH ctest --test-dir "$cache/tdstls-build" --output-on-failure -R '^(core_unit|dhe_suites|tshark_)'
