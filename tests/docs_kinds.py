#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Every diagnosis kind tdstls can give is explained to users.

usage: docs_kinds.py REPO LIST_CHECKS

LIST_CHECKS is tests/list_checks of this build; `list_checks diagnoses`
prints the core's kinds. Each must be a row of README.md's table "What the
findings mean, and what to do" and of docs/fields.md's table of
`tdstls.diagnosis.kind`; a kind either table names that the code does not
give fails too (a renamed or removed kind).
"""
import os
import re
import subprocess
import sys


def kinds_in_table(text, heading):
    """The backticked names in the first cell of the first table at or after
    heading (a section's title, or the table's own heading row)."""
    start = text.index(heading)
    rows = []
    for line in text[start:].splitlines():
        if line.startswith("|"):
            rows.append(line)
        elif rows:
            break
    first_cells = [r.strip("|").split("|")[0] for r in rows[2:]]    # heading and rule left out
    return {k for cell in first_cells for k in re.findall(r"`([a-z0-9_]+)`", cell)}


def main():
    repo, list_checks = sys.argv[1], sys.argv[2]
    code = set(subprocess.run([list_checks, "diagnoses"], capture_output=True, text=True, check=True).stdout.split())
    docs = {
        "README.md": kinds_in_table(open(os.path.join(repo, "README.md")).read(),
                                    "## What the findings mean, and what to do"),
        "docs/fields.md": kinds_in_table(open(os.path.join(repo, "docs", "fields.md")).read(),
                                         "| `tdstls.diagnosis.kind` / expert"),
    }
    failures = 0
    if len(code) < 10:
        print("FAIL: list_checks diagnoses printed %d kinds: %s" % (len(code), sorted(code)))
        failures += 1
    for where, listed in docs.items():
        for kind in sorted(code - listed):
            print("FAIL: %s does not explain the diagnosis kind %s" % (where, kind))
            failures += 1
        for kind in sorted(listed - code):
            print("FAIL: %s explains %s, a kind the code does not give" % (where, kind))
            failures += 1
    print("docs_kinds: %d kinds, %d failed" % (len(code), failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
