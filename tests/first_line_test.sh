#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The README's first line, `bash scripts/quickstart.sh`, as users type it on
# a machine without sudo, and scripts/uninstall.sh after it:
# - as a normal user (nobody), in a copy of the repository it owns: the
#   plugin lands in its personal folder, the KB 4557473 capture is
#   diagnosed; uninstall.sh removes it and says so, a second run says there
#   is nothing to remove;
# - as that user with a Debian package missing and no sudo: one message
#   naming the package and what to do, a failing exit, no build;
# - as root (skipped otherwise): the plugin lands in the global folder, is
#   diagnosed with, and uninstall.sh removes it. An install already there is
#   put back as it was; ctest runs this alone (RUN_SERIAL).
# usage: first_line_test.sh REPO
set -uo pipefail
repo=$(cd "${1:?usage: first_line_test.sh REPO}" && pwd)
work=$(mktemp -d /tmp/tdstls-first-line.XXXXXX)
chmod 755 "$work"
failed=0 passed=0 skipped=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*"; }
cleanup() { rm -rf "$work"; }
trap cleanup EXIT

# PATH without sudo: every command of the usual folders but sudo, as links
mkdir "$work/bin"
for d in /usr/local/sbin /usr/local/bin /usr/sbin /usr/bin /sbin /bin; do
  [ -d "$d" ] && [ ! -L "$d" ] || continue
  for f in "$d"/*; do
    name=${f##*/}
    [ "$name" = sudo ] || [ -e "$work/bin/$name" ] || ln -s "$f" "$work/bin/$name"
  done
done
chmod -R a+rX "$work/bin"
nosudo_path=$work/bin
if PATH=$nosudo_path command -v sudo >/dev/null; then bad "sudo is still on the test's PATH"; fi

# a copy of the sources (no build folders), owned by whoever runs the quickstart
copy_repo() {   # copy_repo DEST
  mkdir -p "$1"
  tar -C "$repo" --exclude='./build*' --exclude=./.git -cf - . | tar -C "$1" -xf -
}

as_nobody=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
if [ "$(id -u)" -ne 0 ]; then as_nobody=(); fi
user_home=$work/home
mkdir "$user_home"
copy_repo "$work/user-repo"
if [ "$(id -u)" -eq 0 ]; then chown -R nobody:nogroup "$work/user-repo" "$user_home"; fi
run_user() {   # run_user CMD...: as the normal user, in its copy, without sudo
  (cd "$work/user-repo" && "${as_nobody[@]}" env -i HOME="$user_home" PATH="$nosudo_path" LANG=C.UTF-8 "$@")
}

# 1. a normal user, every package there
out=$(run_user bash scripts/quickstart.sh 2>&1); rc=$?
personal=$(ls "$user_home"/.local/lib/wireshark/plugins/*/epan/tdstls.so 2>/dev/null | head -1)
if [ "$rc" -eq 0 ] && [ -n "$personal" ] && grep -q "Installed: $personal" <<<"$out" &&
   grep -q "KB 4557473" <<<"$out" && grep -q "tdstls.diagnosis" <<<"$out"; then ok
else bad "quickstart as a normal user without sudo: exit $rc, plugin '${personal}', output: ${out: -600}"; fi
loaded() { run_user tshark -G plugins 2>/dev/null | grep -c 'tdstls\.so'; }
[ "$(loaded)" = 1 ] && ok || bad "tshark as that user does not load the plugin it installed"
out=$(run_user bash scripts/uninstall.sh 2>&1); rc=$?
if [ "$rc" -eq 0 ] && [ -n "$personal" ] && [ ! -e "$personal" ] && grep -q "Removed: $personal" <<<"$out" &&
   [ "$(loaded)" = 0 ]; then ok
else bad "uninstall.sh as that user: exit $rc, output: $out"; fi
out=$(run_user bash scripts/uninstall.sh 2>&1); rc=$?
[ "$rc" -eq 0 ] && grep -q "nothing removed" <<<"$out" && ok || bad "uninstall.sh again: exit $rc, output: $out"

# 2. a normal user, a package missing (dpkg-query says so), no sudo
mkdir "$work/missing"
printf '#!/bin/sh\necho "unknown ok not-installed"\n' > "$work/missing/dpkg-query"
chmod 755 "$work/missing" "$work/missing/dpkg-query"
rm -rf "$work/user-repo/build"
out=$(cd "$work/user-repo" && "${as_nobody[@]}" env -i HOME="$user_home" PATH="$work/missing:$nosudo_path" \
      bash scripts/quickstart.sh 2>&1); rc=$?
if [ "$rc" -ne 0 ] && grep -q "tdstls needs these Debian packages: .*cmake" <<<"$out" &&
   grep -q "sudo is not installed" <<<"$out" && ! grep -q "Traceback\|command not found" <<<"$out" &&
   [ ! -e "$work/user-repo/build" ]; then ok
else bad "quickstart with a package missing and no sudo: exit $rc, output: $out"; fi

# 3. root without sudo: the global folder, put back as it was afterwards
if [ "$(id -u)" -ne 0 ]; then
  echo "quickstart as root: not root, skipped"; skipped=$((skipped + 1))
else
  target=$(pkg-config --variable=plugindir wireshark)/epan/tdstls.so
  saved=$work/saved-tdstls.so
  had=0; if [ -e "$target" ]; then had=1; cp -p "$target" "$saved"; rm -f "$target"; fi
  copy_repo "$work/root-repo"
  out=$(cd "$work/root-repo" && env -i HOME="$work/root-home" PATH="$nosudo_path" LANG=C.UTF-8 \
        bash scripts/quickstart.sh 2>&1); rc=$?
  if [ "$rc" -eq 0 ] && [ -e "$target" ] && grep -q "KB 4557473" <<<"$out"; then ok
  else bad "quickstart as root without sudo: exit $rc, $target there: $([ -e "$target" ] && echo yes || echo no), output: ${out: -600}"; fi
  out=$(cd "$work/root-repo" && env -i HOME="$work/root-home" PATH="$nosudo_path" bash scripts/uninstall.sh 2>&1); rc=$?
  [ "$rc" -eq 0 ] && [ ! -e "$target" ] && grep -q "Removed: $target" <<<"$out" && ok ||
    bad "uninstall.sh as root: exit $rc, output: $out"
  rm -f "$target"
  if [ "$had" = 1 ]; then cp -p "$saved" "$target"; fi
fi
echo "first_line: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
