#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Batch triage: the tdstls per-connection summary of many captures as CSV or JSON.

Runs tshark (with the tdstls plugin installed) on each capture, in parallel,
with -q -z tdstls,json (the rows of the connection table and the
-z tdstls,dhe count, as JSON), and writes one row per connection with the
capture's name first. SQL Server connections on every port are included:
tdstls finds them by their PRELOGIN wherever the server listens.
--frames writes per-frame phase labels instead (file, frame, time, stream,
phase, phase name, inferred), e.g. for training; it reads each capture
twice (tshark -2), so the SYN of a connection found on another port is
labelled too. --browser writes one row per SQL Server Browser request
(UDP 1434): who asked, for which instance, how many answers, the TCP port
given, and the verdict (answered, no answer, instance unknown).

-d, -o and --disable-heuristic go to tshark as they are (Decode As, a
preference, a heuristic switched off), as often as given.

A capture-level line per file and for all files together goes to stderr:
"3 of 600 DHE handshakes aborted after the client's Finished; ...", a line
for SQL Server Browser requests nobody answered, and one for each capture
that holds TCP traffic but no SQL Server connection.

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

# the keys of -z tdstls,json, in the CSV's order (kept as it is for the programs that read it)
CONN_COLUMNS = ["stream", "client", "server", "instance", "redirect", "tds", "encryption", "tls", "cipher_suite", "dhe",
                "ys_zero", "yc_zero", "last_phase", "login", "auth", "windows_user",
                "closed_by", "phase_durations_ms", "checks", "diagnosis",
                "certificate", "diagnosis_kind", "diagnosis_by", "diagnosis_frame", "instance_frame"]
# the "browser" rows of -z tdstls,json: each SQL Server Browser request and what became of it
BROWSER_COLUMNS = ["frame", "client", "server", "request", "instance", "answers", "first_answer", "tcp_port",
                   "verdict"]
FRAME_FIELDS = ["frame.number", "frame.time_relative", "tcp.stream", "tdstls.phase", "tdstls.phase.name",
                "tdstls.phase.inferred"]


# Wireshark options given on the command line, for every tshark run
WIRESHARK_OPTIONS = []


def tshark_command():
    return shlex.split(os.environ.get("TSHARK", "tshark"))


def tshark(args):
    cmd = tshark_command() + WIRESHARK_OPTIONS + args
    p = subprocess.run(cmd, capture_output=True, text=True, errors="replace")
    if p.returncode != 0:
        # tshark says what is wrong first; a list (of protocols, say) may follow
        said = [line for line in p.stderr.splitlines() if line.strip() and "Running as user" not in line]
        raise RuntimeError("tshark failed (exit %d): %s" % (p.returncode, " / ".join(said[:2]) or "no message"))
    return p.stdout


def tdstls_missing():
    """Why the tshark to run does not load tdstls, or None when it does."""
    try:
        p = subprocess.run(tshark_command() + ["-G", "plugins"], capture_output=True, text=True, errors="replace")
    except OSError as e:
        return "cannot run %s: %s" % (" ".join(tshark_command()), e.strerror)
    if "tdstls" in p.stdout:
        return None
    why = ("as root, Wireshark ignores personal plugin folders: install it for every user (as root: bash "
           "scripts/quickstart.sh) or run this as the user who installed it"
           if os.geteuid() == 0 else "install it (bash scripts/quickstart.sh), or set TSHARK to a tshark that loads it")
    return "%s does not load the tdstls plugin (tshark -G plugins lists no tdstls.so): %s" % (
        " ".join(tshark_command()), why)


def tcp_conversations(path):
    """How many TCP conversations a capture holds (tshark -z conv,tcp)."""
    out = tshark(["-q", "-r", path, "-z", "conv,tcp"])
    return sum(1 for line in out.splitlines() if "<->" in line)


def browser_note(requests):
    """The capture-level line for SQL Server Browser requests nobody answered."""
    silent = [r for r in requests if r["verdict"] == "no answer"]
    unknown = [r for r in requests if r["verdict"] == "instance unknown"]
    notes = []
    if silent:
        asked = sorted({r["instance"] or r["request"] for r in silent})
        notes.append("%d SQL Server Browser request%s (UDP 1434) without an answer (%s): Browser stopped or UDP 1434 "
                     "blocked; clients report error 26, Error Locating Server/Instance Specified"
                     % (len(silent), "" if len(silent) == 1 else "s", ", ".join(asked)))
    if unknown:
        asked = sorted({r["instance"] for r in unknown})
        notes.append("SQL Server Browser answered without the instance asked for (%s)" % ", ".join(asked))
    return notes


def summarize(path):
    out = json.loads(tshark(["-q", "-r", path, "-z", "tdstls,json"]))
    rows = [{k: r[k] for k in CONN_COLUMNS} for r in out["connections"]]
    rows.sort(key=lambda r: r["stream"])
    dhe = out["dhe"]
    notes = browser_note(out.get("browser", []))
    if not rows and not out.get("browser"):
        n = tcp_conversations(path)
        if n:
            notes.append("%d TCP conversation%s, no SQL Server connection: none begins with a TDS PRELOGIN or a TLS "
                         "ClientHello offering ALPN tds/8.0 (a capture that starts after the PRELOGIN needs "
                         "-d tcp.port==PORT,tdstls)" % (n, "" if n == 1 else "s"))
        else:
            notes.append("no TCP traffic and no SQL Server Browser message: nothing for tdstls to report")
    return rows, [dhe["dhe_handshakes"], dhe["kb4557473_aborts"], dhe["reading"]], notes


def browser(path):
    out = json.loads(tshark(["-q", "-r", path, "-z", "tdstls,json"]))
    return [{k: r[k] for k in BROWSER_COLUMNS} for r in out.get("browser", [])]


def frames(path):
    args = ["-2", "-r", path, "-T", "fields", "-E", "separator=\t"]
    for f in FRAME_FIELDS:
        args += ["-e", f]
    out = []
    for line in tshark(args).splitlines():
        v = line.split("\t")
        out.append({"frame": int(v[0]), "time": float(v[1] or 0), "stream": v[2], "phase": v[3],
                    "phase_name": v[4], "inferred": v[5] in ("1", "True")})
    return out


CAPTURE_ENDINGS = (".pcap", ".pcapng", ".cap")


def captures(paths):
    """The captures to read; an unreadable path is a usage error (one
    line), an empty folder a note on stderr."""
    found = []
    for p in paths:
        if not os.path.exists(p):
            raise ValueError("%s: no such file or folder" % p)
        if not os.access(p, os.R_OK | (os.X_OK if os.path.isdir(p) else 0)):
            raise ValueError("%s: permission denied" % p)
        if os.path.isdir(p):
            inside = sorted(f for f in os.listdir(p) if f.endswith(CAPTURE_ENDINGS))
            if not inside:
                print("%s: no capture in this folder (%s)" % (p, ", ".join(CAPTURE_ENDINGS)), file=sys.stderr)
            found += [os.path.join(p, f) for f in inside]
        else:
            found.append(p)
    return found


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("paths", nargs="+", metavar="CAPTURE|DIR")
    ap.add_argument("--format", choices=["csv", "json"], default="csv")
    ap.add_argument("--frames", action="store_true", help="per-frame phase labels instead of connections")
    ap.add_argument("--browser", action="store_true",
                    help="SQL Server Browser requests (UDP 1434) and their answers instead of connections")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--output", default="-", help="where the rows go (default: standard output)")
    ap.add_argument("-d", dest="decode_as", action="append", default=[], metavar="LAYER==VALUE,PROTO",
                    help="tshark's Decode As, e.g. -d tcp.port==14331,tdstls")
    ap.add_argument("-o", dest="prefs", action="append", default=[], metavar="PREF:VALUE",
                    help="a Wireshark preference, e.g. -o tdstls.tcp.port:1433,14331")
    ap.add_argument("--disable-heuristic", action="append", default=[], metavar="NAME",
                    help="a heuristic dissector switched off, e.g. tdstls_tcp")
    args = ap.parse_args()
    if args.jobs < 1:
        ap.error("--jobs must be 1 or more, not %d" % args.jobs)
    if args.output != "-" and not os.path.isdir(os.path.dirname(os.path.abspath(args.output))):
        ap.error("--output %s: its folder does not exist" % args.output)
    try:
        files = captures(args.paths)
    except ValueError as e:
        ap.error(str(e))
    if not files:
        print("tdstls_report: no capture to read", file=sys.stderr)
        sys.exit(1)
    missing = tdstls_missing()
    if missing:
        print("tdstls_report: %s" % missing, file=sys.stderr)
        sys.exit(1)
    for spec in args.decode_as:
        WIRESHARK_OPTIONS.extend(["-d", spec])
    for pref in args.prefs:
        WIRESHARK_OPTIONS.extend(["-o", pref])
    for name in args.disable_heuristic:
        WIRESHARK_OPTIONS.extend(["--disable-heuristic", name])

    job = frames if args.frames else browser if args.browser else summarize
    results, failed = {}, 0
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        futures = {pool.submit(job, f): f for f in files}
        for fut in concurrent.futures.as_completed(futures):
            try:
                results[futures[fut]] = fut.result()
            except RuntimeError as e:
                failed += 1
                print("%s: %s" % (futures[fut], e), file=sys.stderr)

    rows, total_dhe, total_kb = [], 0, 0
    for f in files:
        if f not in results:
            continue
        if args.frames or args.browser:
            rows += [dict(file=os.path.basename(f), **r) for r in results[f]]
        else:
            conn_rows, (n_dhe, n_kb, reading), notes = results[f]
            for note in notes:
                print("%s: %s" % (os.path.basename(f), note), file=sys.stderr)
            rows += [dict(file=os.path.basename(f), **r) for r in conn_rows]
            total_dhe += n_dhe
            total_kb += n_kb
            if n_kb and len(files) > 1:     # a capture's own line where a DHE handshake aborted
                print("%s: %s" % (os.path.basename(f), reading), file=sys.stderr)
    if not (args.frames or args.browser) and total_dhe:
        print("%s: %d of %d DHE handshakes aborted after the client's Finished%s"
              % ("all %d captures" % len(files) if len(files) > 1 else os.path.basename(files[0]), total_kb, total_dhe,
                 "; consistent with a leading-zero mismatch between patched and unpatched peers (KB 4557473)"
                 if total_kb else ""), file=sys.stderr)

    out = sys.stdout if args.output == "-" else open(args.output, "w", newline="")
    if args.format == "json":
        json.dump(rows, out, indent=1)
        out.write("\n")
    else:
        columns = ["file"] + (["frame", "time", "stream", "phase", "phase_name", "inferred"] if args.frames
                              else BROWSER_COLUMNS if args.browser else CONN_COLUMNS)
        w = csv.DictWriter(out, fieldnames=columns)
        w.writeheader()
        for r in rows:
            if "time" in r:     # seconds as tshark writes them, not 1.1487e-05
                r = dict(r, time="%.9f" % r["time"])
            w.writerow(r)
    if out is not sys.stdout:
        out.close()
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
