#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Batch triage: the tdstls per-connection summary of many captures as CSV or JSON.

usage: tdstls_report.py [--format csv|json] [--frames] [--jobs N] [-o OUT] CAPTURE|DIR ...

Runs tshark (with the tdstls plugin installed) on each capture, in parallel,
with -q -z tdstls,json (the rows of the -z tdstls,conn table and the
-z tdstls,dhe count, as JSON), and writes one row per connection with the
capture's name first. --frames writes per-frame phase labels instead
(file, frame, time, stream, phase, phase name, inferred), e.g. for training.
A capture-level line per file and for all files together goes to stderr:
"3 of 600 DHE handshakes aborted after the client's Finished; ...".

TSHARK in the environment names the tshark to run (default: tshark).
"""
import argparse
import concurrent.futures
import csv
import json
import os
import shlex
import subprocess
import sys

# the keys of -z tdstls,json, in the order of the -z tdstls,conn table
CONN_COLUMNS = ["stream", "client", "server", "tds", "encryption", "tls", "cipher_suite", "dhe", "ys_zero",
                "yc_zero", "last_phase", "closed_by", "phase_durations_ms", "checks", "diagnosis", "certificate",
                "diagnosis_kind", "diagnosis_by", "diagnosis_frame"]
FRAME_FIELDS = ["frame.number", "frame.time_relative", "tcp.stream", "tdstls.phase", "tdstls.phase.name",
                "tdstls.phase.inferred"]


def tshark(args):
    cmd = shlex.split(os.environ.get("TSHARK", "tshark")) + args
    p = subprocess.run(cmd, capture_output=True, text=True, errors="replace")
    if p.returncode != 0:
        raise RuntimeError("%s: %s" % (" ".join(cmd), p.stderr.strip()[-500:]))
    return p.stdout


def summarize(path):
    out = json.loads(tshark(["-q", "-r", path, "-z", "tdstls,json"]))
    rows = [{k: r[k] for k in CONN_COLUMNS} for r in out["connections"]]
    rows.sort(key=lambda r: r["stream"])
    dhe = out["dhe"]
    return rows, [dhe["dhe_handshakes"], dhe["kb4557473_aborts"], dhe["reading"]]


def frames(path):
    args = ["-r", path, "-T", "fields", "-E", "separator=\t"]
    for f in FRAME_FIELDS:
        args += ["-e", f]
    out = []
    for line in tshark(args).splitlines():
        v = line.split("\t")
        out.append({"frame": int(v[0]), "time": float(v[1] or 0), "stream": v[2], "phase": v[3],
                    "phase_name": v[4], "inferred": v[5] in ("1", "True")})
    return out


def captures(paths):
    for p in paths:
        if os.path.isdir(p):
            for f in sorted(os.listdir(p)):
                if f.endswith((".pcap", ".pcapng", ".cap")):
                    yield os.path.join(p, f)
        else:
            yield p


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("paths", nargs="+")
    ap.add_argument("--format", choices=["csv", "json"], default="csv")
    ap.add_argument("--frames", action="store_true", help="per-frame phase labels instead of connections")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("-o", "--output", default="-")
    args = ap.parse_args()

    files = list(captures(args.paths))
    job = frames if args.frames else summarize
    results, failed = {}, 0
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        futures = {pool.submit(job, f): f for f in files}
        for fut in concurrent.futures.as_completed(futures):
            try:
                results[futures[fut]] = fut.result()
            except RuntimeError as e:
                failed += 1
                print("tdstls_report: %s" % e, file=sys.stderr)

    rows, total_dhe, total_kb = [], 0, 0
    for f in files:
        if f not in results:
            continue
        if args.frames:
            rows += [dict(file=os.path.basename(f), **r) for r in results[f]]
        else:
            conn_rows, (n_dhe, n_kb, reading) = results[f]
            rows += [dict(file=os.path.basename(f), **r) for r in conn_rows]
            total_dhe += n_dhe
            total_kb += n_kb
            if n_dhe:
                print("%s: %s" % (os.path.basename(f), reading), file=sys.stderr)
    if not args.frames and len(files) > 1 and total_dhe:
        print("all %d captures: %d of %d DHE handshakes aborted after the client's Finished%s"
              % (len(files), total_kb, total_dhe,
                 "; consistent with a leading-zero mismatch between patched and unpatched peers (KB 4557473)"
                 if total_kb else ""), file=sys.stderr)

    out = sys.stdout if args.output == "-" else open(args.output, "w", newline="")
    if args.format == "json":
        json.dump(rows, out, indent=1)
        out.write("\n")
    else:
        columns = ["file"] + (["frame", "time", "stream", "phase", "phase_name", "inferred"] if args.frames
                              else CONN_COLUMNS)
        w = csv.DictWriter(out, fieldnames=columns)
        w.writeheader()
        w.writerows(rows)
    if out is not sys.stdout:
        out.close()
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
