#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""What tdstls costs: tshark with tdstls ("on"), with tdstls but without
decoding the TLS inside PRELOGIN ("lean", -o tdstls.decode_tls:FALSE), with
tdstls disabled ("off", --disable-protocol tdstls, same binary and plugin
loaded), stock tshark without the plugin ("stock"), and "off" with stock TDS
reassembly switched off ("base", -o tds.defragment:FALSE), over captures of
1k, 10k and 100k TDS connections built from the corpus (scripts/make_bulk.py:
distinct client ports and times, one client address per 50,000 connections,
as from an application server's connection pool).

Why "base": stock Wireshark's TDS reassembly is quadratic in the number of
connections on such captures. Its reassembly table (addresses_ports functions)
hashes only the fragment id, which TDS sets to the channel, 0 on every
connection; so every unfinished TDS message of every connection (stock leaves
one for each PRELOGIN packet carrying TLS it cannot reassemble) lands in one
hash chain that each later TDS packet walks. "off" and "stock" pay that; tdstls
does not (it carries the PRELOGIN TLS itself), so on / off understates what
tdstls costs. "base" is stock dissection without that pathology: on / base is
the honest ratio.

usage: benchmark.py --plugin-dir BUILD/plugins [--sizes 1000,10000,100000] [--repeats 3] [--mix day|dhe|other]
                    [--timeout SECONDS] [--no-tds-defragment] [--variants on,lean,off,stock,base]
                    [--passes one-pass,two-pass] [--sqlserver-packet-ids]
                    [--instructions [--jobs N]] [--work DIR] [--markdown OUT.md]

--no-tds-defragment adds -o tds.defragment:FALSE to every variant: tdstls
hands the plain TDS packets it does not carry itself to stock tds, so "on"
pays a little of stock's reassembly cost too; this shows tdstls's own.

Runs are interleaved (on, lean, off, stock, base, on, ...); CPU time (user +
system) and peak RSS come from wait4(). A run longer than --timeout seconds
(wall clock) is stopped and shown as "> N s"; that variant is then skipped for
the rest of that size and pass mode. Reported: the median of each, the ratios,
and CPU microseconds per connection after tshark's start-up (measured on a
one-connection capture), for one pass (-T fields) and two passes (-2 -T fields).

--instructions counts instructions instead (valgrind's cachegrind without
its cache simulation, about 60 times slower than tshark alone): one run per
case, the same count every time, so ratios of a few percent and growth per
connection show through timing noise that on a shared virtual machine can
reach 25% between runs. It says nothing of memory or cache misses, which
the timed runs do. --jobs N counts N cases at once (counts do not change
with load).
"""
import argparse
import concurrent.futures
import datetime
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "..", "test-captures")
# A day at a SQL Server: mostly good logins of every kind, some failures.
MIX = [("tsql-dhe-tls12.pcapng", 20), ("pytds-ecdhe-tls12.pcapng", 20), ("tedious-rsa-tls12.pcapng", 10),
       ("jtds-dhe-tls12.pcapng", 10), ("tsql-encrypt-off.pcapng", 10), ("tedious-tds8-strict.pcapng", 10),
       ("pytds-dhe-split.pcapng", 5), ("pytds-tls-in-type04.pcapng", 5), ("tsql-encrypt-notsup.pcapng", 4),
       ("tsql-dhe-kb4557473-fin.pcapng", 2), ("tsql-fail-fin-after-client-hello.pcapng", 2),
       ("pytds-fail-alert.pcapng", 2)]
FIELDS = ["-T", "fields", "-e", "frame.number", "-e", "tcp.stream", "-e", "tls.handshake.type"]
# --mix: which connections, and what tshark prints. dhe: FreeTDS DHE logins
# only, printed as the cost target was set (-n -T fields frame.number tcp.stream).
# other: no SQL Server at all (HTTPS on 443, a binary protocol on 9000),
# what tdstls's heuristic and watch cost on traffic that is not theirs.
MIXES = {"day": (MIX, FIELDS),
         "dhe": ([("tsql-dhe-tls12.pcapng", 1)], ["-n", "-T", "fields", "-e", "frame.number", "-e", "tcp.stream"]),
         "other": ([("not-sql-https-http11-443.pcapng", 1), ("not-sql-binary-9000.pcapng", 1)], FIELDS)}


def build(path, connections, sqlserver_packet_ids=False):
    total = sum(w for _, w in MIX)
    parts = []
    for name, weight in MIX:
        parts.append("%s:%d" % (os.path.join(CORPUS, name), connections * weight // total))
    made = sum(int(p.rsplit(":", 1)[1]) for p in parts)
    parts[0] = "%s:%d" % (parts[0].rsplit(":", 1)[0], int(parts[0].rsplit(":", 1)[1]) + connections - made)
    extra = ["--sqlserver-packet-ids"] if sqlserver_packet_ids else []
    subprocess.run([sys.executable, os.path.join(HERE, "make_bulk.py"), path] + extra + parts, check=True,
                   capture_output=True)
    os.chmod(path, 0o644)


VARIANTS = ("on", "lean", "off", "stock", "base")


TDS_DEFRAGMENT = True


# Instructions instead of time: cachegrind without its cache simulation
# counts every instruction tshark executes (about 60 times slower than
# running it). The count repeats from run to run, so one run per case is
# enough and cases can run side by side (--jobs).
COUNT_INSTRUCTIONS = ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null"]


def instructions_of(valgrind_stderr):
    for line in valgrind_stderr.splitlines():
        if "I   refs:" in line or "I refs:" in line:
            return int(line.rsplit(":", 1)[1].replace(",", "").strip())
    raise SystemExit("no instruction count in valgrind's output: " + valgrind_stderr[-500:])


def run(cmd_env, capture, mode, variant, timeout=None, count_instructions=False):
    """(CPU seconds, peak RSS MB) of one tshark run, or with count_instructions
    (instructions, None); past the timeout the run is stopped and the result
    is ("stopped", CPU seconds spent until then)."""
    plugins, no_plugins, home = cmd_env
    env = {"PATH": os.environ["PATH"], "HOME": home,
           "WIRESHARK_PLUGIN_DIR": no_plugins if variant == "stock" else plugins}
    args = ["tshark", "-r", capture] + (["-2"] if mode == "two-pass" else []) + FIELDS
    if variant in ("off", "base"):
        args += ["--disable-protocol", "tdstls"]
    if variant == "lean":
        args += ["-o", "tdstls.decode_tls:FALSE"]
    if variant == "base" or not TDS_DEFRAGMENT:
        args += ["-o", "tds.defragment:FALSE"]
    cmd = ["env"] + ["%s=%s" % kv for kv in env.items()] + (COUNT_INSTRUCTIONS if count_instructions else []) + args
    if os.geteuid() == 0:     # root ignores plugin folders
        cmd = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"] + cmd
    with open(os.devnull, "w") as devnull, tempfile.TemporaryFile() as errf:
        proc = subprocess.Popen(cmd, stdout=devnull, stderr=errf)
        started = time.monotonic()
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if timeout and time.monotonic() - started > timeout:
                proc.kill()
                _, _, usage = os.wait4(proc.pid, 0)
                proc.returncode = -9          # reaped here; keep Popen from waiting again
                return "stopped", usage.ru_utime + usage.ru_stime
            time.sleep(0.05)
        proc.returncode = status
        errf.seek(0)
        err = errf.read().decode(errors="replace")
    if status != 0:
        raise SystemExit("tshark failed (%s): %s" % (status, err[-500:]))
    if count_instructions:
        return instructions_of(err), None
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024.0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--plugin-dir", required=True)
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--mix", choices=sorted(MIXES), default="day",
                    help="day: the corpus's logins and failures (default); dhe: FreeTDS DHE logins only "
                         "(tsql-dhe-tls12); other: no SQL Server at all (HTTPS, a binary protocol)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--timeout", type=float, default=600, help="wall-clock seconds per run (default 600)")
    ap.add_argument("--variants", default=",".join(VARIANTS), help="which variants to run (default: all)")
    ap.add_argument("--no-tds-defragment", action="store_true",
                    help="run every variant with -o tds.defragment:FALSE")
    ap.add_argument("--sqlserver-packet-ids", action="store_true",
                    help="number the server's TDS packets per message, as SQL Server does (make_bulk.py)")
    ap.add_argument("--passes", default="one-pass,two-pass", help="one-pass, two-pass or both (default)")
    ap.add_argument("--instructions", action="store_true",
                    help="count instructions (valgrind) instead of timing: one run per case, immune to the "
                         "machine's timing noise; ratios and instructions per connection, no memory")
    ap.add_argument("--jobs", type=int, default=1,
                    help="with --instructions, cases counted side by side (default 1)")
    ap.add_argument("--work", help="where the large captures go (default: a temporary folder)")
    ap.add_argument("--markdown", help="also write the table here, as Markdown")
    args = ap.parse_args()
    global TDS_DEFRAGMENT, MIX, FIELDS
    MIX, FIELDS = MIXES[args.mix]
    TDS_DEFRAGMENT = not args.no_tds_defragment
    variants = [v for v in args.variants.split(",") if v]
    if not variants or any(v not in VARIANTS for v in variants):
        ap.error("--variants: a comma-separated subset of " + ",".join(VARIANTS))
    modes = [m for m in args.passes.split(",") if m]
    if not modes or any(m not in ("one-pass", "two-pass") for m in modes):
        ap.error("--passes: one-pass, two-pass or one-pass,two-pass")
    sizes = [int(s) for s in args.sizes.split(",")]

    work = args.work or tempfile.mkdtemp(prefix="tdstls-bench-")
    os.makedirs(work, exist_ok=True)
    os.chmod(work, 0o755)
    plugins = os.path.join(work, "plugins")
    shutil.rmtree(plugins, ignore_errors=True)
    shutil.copytree(args.plugin_dir, plugins)
    no_plugins = os.path.join(work, "no-plugins")
    os.makedirs(no_plugins, exist_ok=True)
    for root, dirs, files in os.walk(work):
        for n in dirs + files:
            os.chmod(os.path.join(root, n), 0o755)
    cmd_env = (plugins, no_plugins, work)

    kind = ("bulk-sqlpid" if args.sqlserver_packet_ids else "bulk") + ("" if args.mix == "day" else "-" + args.mix)
    captures = {}
    for size in [1] + sizes:
        captures[size] = os.path.join(work, "%s-%d.pcap" % (kind, size))
        if not os.path.exists(captures[size]):
            build(captures[size], size, args.sqlserver_packet_ids)
    conditions = ("" if TDS_DEFRAGMENT else ", every variant with -o tds.defragment:FALSE") + \
        (", server PacketIDs per message as SQL Server numbers them" if args.sqlserver_packet_ids else "")
    if args.instructions:
        header, table = count_instructions(cmd_env, captures, sizes, modes, variants, args.jobs, args.timeout,
                                           conditions)
        report(header, table, args.markdown)
        return

    # tshark's start-up, measured on one connection, is taken off the
    # per-connection figures so that they compare across sizes
    startup = {}
    for mode in modes:
        for variant in variants:
            startup[mode, variant] = statistics.median(
                run(cmd_env, captures[1], mode, variant)[0] for _ in range(3))

    rows = []
    for size in sizes:
        capture = captures[size]
        for mode in modes:
            samples = {v: [] for v in variants}
            timed_out = {}                    # variant -> CPU seconds spent before it was stopped
            for _ in range(args.repeats):
                for variant in variants:
                    if variant in timed_out:
                        continue
                    got = run(cmd_env, capture, mode, variant, args.timeout)
                    if got[0] == "stopped":
                        timed_out[variant] = got[1]
                    else:
                        samples[variant].append(got)
            # a variant that timed out counts as its timeout, a lower bound
            med = {}
            for v in variants:
                if v in timed_out:
                    med[v] = None
                else:
                    med[v] = (statistics.median(c for c, _ in samples[v]), statistics.median(m for _, m in samples[v]))
            rows.append((size, mode, med, timed_out))
            print("%7d %-8s %s" % (size, mode, "; ".join(
                "%s %s" % (v, "stopped after %.0f s CPU" % timed_out[v] if med[v] is None
                           else "%.2f s CPU, %.0f MB" % med[v])
                for v in variants)), flush=True)

    def ratio(med, stopped, a, b, i):
        if a not in med or b not in med:
            return "—"
        if med[a] is None or (med[b] is None and i == 1):   # no peak memory from a stopped run
            return "n/a"
        if med[b] is None:                                    # b needed more than the CPU it got
            return "< %.3f" % (med[a][i] / stopped[b])
        return "%.3f" % (med[a][i] / med[b][i])

    def per_conn(med, stopped, v, size, mode):
        if v not in med:
            return "—"
        if med[v] is None:
            return "> %.0f" % ((stopped[v] - startup[mode, v]) / max(size - 1, 1) * 1e6)
        return "%.0f" % ((med[v][0] - startup[mode, v]) / max(size - 1, 1) * 1e6)

    table = ["| connections | passes | CPU on / base | CPU lean / base | CPU on / off | peak RSS on / base "
             "| peak RSS on / off | CPU µs per connection after start-up: on, lean, base, off, stock |",
             "|---|---|---|---|---|---|---|---|"]
    for size, mode, med, stopped in rows:
        table.append("| %d | %s | %s | %s | %s | %s | %s | %s |"
                     % (size, mode, ratio(med, stopped, "on", "base", 0), ratio(med, stopped, "lean", "base", 0),
                        ratio(med, stopped, "on", "off", 0), ratio(med, stopped, "on", "base", 1),
                        ratio(med, stopped, "on", "off", 1),
                        ", ".join(per_conn(med, stopped, v, size, mode) for v in ("on", "lean", "base", "off", "stock"))))
    header = ("Measured %s on %d cores (%s), median of %d interleaved runs (timeout %.0f s)%s, tshark %s."
              % (datetime.date.today().isoformat(), os.cpu_count(), os.uname().machine, args.repeats, args.timeout,
                 conditions, tshark_version()))
    report(header, table, args.markdown)


def tshark_version():
    return subprocess.run(["tshark", "--version"], capture_output=True, text=True).stdout.split()[2]


def report(header, table, markdown):
    print()
    print(header)
    print("\n".join(table))
    if markdown:
        with open(markdown, "w") as f:
            f.write(header + "\n\n" + "\n".join(table) + "\n")


def count_instructions(cmd_env, captures, sizes, modes, variants, jobs, timeout, conditions):
    """Every (size, passes, variant) counted once, start-up (the one-connection
    capture) included; returns the header and table lines."""
    cases = [(size, mode, v) for size in [1] + sizes for mode in modes for v in variants]
    counts = {}

    def count(case):
        size, mode, v = case
        got = run(cmd_env, captures[size], mode, v, timeout, count_instructions=True)
        counts[case] = None if got[0] == "stopped" else got[0]
        print("%7d %-8s %-5s %s" % (size, mode, v, "stopped after %.0f s CPU" % got[1] if got[0] == "stopped"
                                     else "{:,} instructions".format(got[0])), flush=True)

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(jobs, 1)) as pool:
        list(pool.map(count, cases))

    def ratio(size, mode, a, b):
        if a not in variants or b not in variants:
            return "—"
        if counts[size, mode, a] is None or counts[size, mode, b] is None:
            return "n/a"
        return "%.3f" % (counts[size, mode, a] / counts[size, mode, b])

    def per_conn(size, mode, v):
        if v not in variants:
            return "—"
        if counts[size, mode, v] is None or counts[1, mode, v] is None:
            return "n/a"
        return "%.3f" % ((counts[size, mode, v] - counts[1, mode, v]) / max(size - 1, 1) / 1e6)

    table = ["| connections | passes | instructions on / off | on / stock | on / base | lean / base "
             "| M instructions per connection after start-up: on, lean, base, off, stock |",
             "|---|---|---|---|---|---|---|"]
    for size in sizes:
        for mode in modes:
            table.append("| %d | %s | %s | %s | %s | %s | %s |"
                         % (size, mode, ratio(size, mode, "on", "off"), ratio(size, mode, "on", "stock"),
                            ratio(size, mode, "on", "base"), ratio(size, mode, "lean", "base"),
                            ", ".join(per_conn(size, mode, v) for v in ("on", "lean", "base", "off", "stock"))))
    header = ("Counted %s (instructions, valgrind --tool=cachegrind --cache-sim=no; one run per case, "
              "timeout %.0f s)%s, tshark %s." % (datetime.date.today().isoformat(), timeout, conditions,
                                                  tshark_version()))
    return header, table


if __name__ == "__main__":
    main()
