#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""README.md's table of Wireshark versions against what CI runs.

usage: readme_versions.py REPO

Fails when the table names a Debian release that .ci/run does not test (or
.ci/run tests one the table leaves out), when .ci/run does not run the
README's own test command, or when the Wireshark this test runs under (4.0
on Debian 12; 4.4 and 4.6 in scripts/test_wireshark.sh's chroots) is not in
the table.
"""
import os
import re
import subprocess
import sys


def main():
    repo = sys.argv[1]
    readme = open(os.path.join(repo, "README.md")).read()
    ci = open(os.path.join(repo, ".ci", "run")).read()
    failures = []

    def check(ok, what):
        if not ok:
            failures.append(what)
            print("FAIL:", what)

    rows = [[c.strip() for c in line.strip("|").split("|")] for line in readme.splitlines()
            if re.match(r"^\| *\d+\.\d+ *\|", line)]
    check(len(rows) >= 2, "README.md has a version table (rows like | 4.4 | ...): %d rows" % len(rows))
    in_table = {m for r in rows for m in re.findall(r"test_wireshark\.sh (\w+)", " ".join(r))}
    loop = re.search(r"^for release in ([\w ]+); do", ci, re.M)
    in_ci = set(loop.group(1).split()) if loop else set()
    check(in_table == in_ci, "the releases README.md's table names (%s) are those .ci/run tests (%s)"
          % (sorted(in_table), sorted(in_ci)))
    check(any("scripts/run-tests.sh" in " ".join(r) for r in rows) and
          re.search(r"^bash scripts/run-tests.sh\b", ci, re.M) is not None,
          "the table's row for Debian 12 names scripts/run-tests.sh, which .ci/run runs")
    first = readme.split("```")[1] if readme.count("```") >= 2 else ""
    check("bash scripts/run-tests.sh" in first, "README.md's opening commands give scripts/run-tests.sh")
    said = subprocess.run(["tshark", "--version"], capture_output=True, text=True, check=True).stdout
    found = re.search(r"\(Wireshark\) (\d+\.\d+)\.", said)
    check(found and any(r[0] == found.group(1) for r in rows),
          "the table has a row for this tshark's Wireshark %s" % (found.group(1) if found else "?"))
    print("readme_versions: %d passed, %d failed" % (5 - len(failures), len(failures)))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
