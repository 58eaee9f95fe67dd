#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Golden baselines: the tdstls view of every capture, pinned.

usage: baselines.py --plugin BUILD/plugins/4.0/epan/tdstls.so --captures DIR [--update] [--only NAME]

For each capture in test-captures/ (and the keylogged ones once more with
their keys), tests/baselines/<capture>.txt holds what tdstls shows:
  - per frame, tshark -V -O tdstls: the protocols the frame went through and
    every tdstls tree (phase, fields, expert items with their texts), in one
    pass, and with -2 (written out only where it differs from one pass);
  - each tdstls.diagnosis in full (the tree cuts text at 240 characters);
  - tshark -q -z tdstls,conn -z tdstls,conn_table -z tdstls,dhe;
  - tshark -2 -q -z tdstls,ladder.
Without --update the suite compares and prints a diff for each capture whose
view changed; --update rewrites the files, and `git diff tests/baselines`
shows a reviewer what changed. Expectations that do not come from the
plugin itself live in tshark_tests.py (ground truth, stock tshark).

Pinned for the Wireshark release CI runs (4.0); other releases word their
own protocols' lines differently, so scripts/test_wireshark.sh skips this.
"""
import argparse
import concurrent.futures
import difflib
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tshark_tests import DECODE_AS, KEYLOGS, Sandbox, keylog_options  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
BASELINES = os.path.join(HERE, "baselines")
# protocols every frame goes through: left out of the frame line
CARRIERS = ("Frame ", "Ethernet II", "Internet Protocol", "Transmission Control Protocol", "Linux cooked",
            "Null/Loopback", "Raw packet data")


def tdstls_view(text):
    """tshark -V -O tdstls output, cut to what tdstls shows."""
    out, frame, others, keep = [], None, [], False

    def flush():
        if frame is not None:
            out.append(frame + (": " + ", ".join(others) if others else ""))
            out.extend(block)
    block = []
    for line in text.splitlines():
        if line.startswith("Frame ") and ":" in line:
            flush()
            frame, others, block, keep = line.split(":")[0], [], [], False
        elif not line.strip():
            keep = False
        elif not line.startswith(" "):
            keep = line.startswith("TDS TLS handshake analysis")
            if keep:
                block.append(line)
            elif not line.startswith(CARRIERS):
                others.append(line.split(",")[0])
        elif keep:
            block.append(line)
    flush()
    return out


def view_of(box, name, extra):
    path = os.path.join(box.captures, name)
    one = tdstls_view(box.tshark(["-r", path, "-V", "-O", "tdstls"] + extra))
    two = tdstls_view(box.tshark(["-r", path, "-2", "-V", "-O", "tdstls"] + extra))
    tables = box.tshark(["-r", path, "-q", "-z", "tdstls,conn", "-z", "tdstls,conn_table", "-z", "tdstls,dhe"] + extra)
    # the tree cuts text at 240 characters: the diagnosis in full
    diagnoses = box.tshark(["-r", path, "-Y", "tdstls.diagnosis", "-T", "fields", "-e", "frame.number",
                            "-e", "tdstls.diagnosis"] + extra)
    title = " ".join(["tshark -r " + name] + extra).replace(box.captures + "/", "")
    lines = ["# tdstls view of: %s" % title, "", "## one pass: -V -O tdstls"] + one + [""]
    if two == one:
        lines += ["## -2: the same as one pass", ""]
    else:
        lines += ["## -2: -V -O tdstls"] + two + [""]
    lines += ["## tdstls.diagnosis in full (-Y tdstls.diagnosis -T fields)"] + diagnoses.splitlines() + [""]
    lines += ["## -q -z tdstls,conn -z tdstls,conn_table -z tdstls,dhe"] + tables.rstrip().splitlines()
    ladder = box.tshark(["-r", path, "-2", "-q", "-z", "tdstls,ladder"] + extra)
    lines += ["", "## -2 -q -z tdstls,ladder"] + ladder.strip().splitlines()
    return "\n".join(lines) + "\n"


def cases(box):
    names = sorted(f for f in os.listdir(box.captures) if f.endswith((".pcap", ".pcapng")))
    for name in names:
        yield name + ".txt", name, DECODE_AS.get(name, [])
        if name in KEYLOGS:
            yield name + "+keylog.txt", name, keylog_options(box, name)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
                                 usage=argparse.SUPPRESS)
    ap.add_argument("--plugin", required=True)
    ap.add_argument("--captures", required=True)
    ap.add_argument("--update", action="store_true", help="rewrite the baselines instead of comparing")
    ap.add_argument("--only", help="one capture's baseline file name (e.g. tsql-dhe-tls12.pcapng.txt)")
    args = ap.parse_args()
    box = Sandbox(os.path.abspath(args.plugin), os.path.abspath(args.captures))
    try:
        todo = [c for c in cases(box) if not args.only or c[0] == args.only]
        with concurrent.futures.ThreadPoolExecutor(os.cpu_count() or 2) as pool:
            views = dict(zip([c[0] for c in todo], pool.map(lambda c: view_of(box, c[1], c[2]), todo)))
        known = {c[0] for c in cases(box)}
    finally:
        shutil.rmtree(box.dir, ignore_errors=True)
    changed, missing = [], []
    for file, view in sorted(views.items()):
        path = os.path.join(BASELINES, file)
        if args.update:
            os.makedirs(BASELINES, exist_ok=True)
            with open(path, "w") as f:
                f.write(view)
            continue
        if not os.path.exists(path):
            missing.append(file)
            continue
        with open(path) as f:
            pinned = f.read()
        if pinned != view:
            changed.append(file)
            sys.stdout.writelines(difflib.unified_diff(pinned.splitlines(True), view.splitlines(True),
                                                       "baselines/" + file, "now/" + file, n=2))
    stale = [] if args.only or args.update else sorted(set(os.listdir(BASELINES)) - known)
    if args.update:
        for file in sorted(set(os.listdir(BASELINES)) - known):
            os.remove(os.path.join(BASELINES, file))
        print("baselines: %d written to %s" % (len(views), BASELINES))
        return
    for file in missing:
        print("no baseline for %s: run tests/baselines.py --update and review the new file" % file)
    for file in stale:
        print("baseline %s has no capture any more" % file)
    print("baselines: %d compared, %d changed, %d missing, %d stale" % (len(views), len(changed), len(missing),
                                                                        len(stale)))
    if changed:
        print("if the change is meant: python3 tests/baselines.py --plugin %s --captures %s --update, "
              "then review git diff tests/baselines" % (args.plugin, args.captures))
    sys.exit(1 if changed or missing or stale else 0)


if __name__ == "__main__":
    main()
