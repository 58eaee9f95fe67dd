#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""What tdstls costs: tshark with tdstls ("on"), with tdstls but without
decoding the TLS inside PRELOGIN ("lean", -o tdstls.decode_tls:FALSE), with
tdstls disabled ("off", --disable-protocol tdstls, same binary and plugin
loaded) and stock tshark without the plugin ("stock"), over captures of 1k, 10k and 100k TDS
connections built from the corpus (scripts/make_bulk.py: distinct client
addresses, ports and times).

usage: benchmark.py --plugin-dir BUILD/plugins [--sizes 1000,10000,100000] [--repeats 3]
                    [--work DIR] [--markdown OUT.md]

Runs are interleaved (on, off, stock, on, off, stock, ...); CPU time (user +
system) and peak RSS come from wait4(). Reported: the median of each, the
ratios, and CPU microseconds per connection after tshark's start-up (measured
on a one-connection capture), for one pass (-T fields) and two passes (-2 -T
fields).
"""
import argparse
import datetime
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "..", "test-captures")
# A day at a SQL Server: mostly good logins of every kind, some failures.
MIX = [("tsql-dhe-tls12.pcapng", 20), ("pytds-ecdhe-tls12.pcapng", 20), ("tedious-rsa-tls12.pcapng", 10),
       ("jtds-dhe-tls12.pcapng", 10), ("tsql-encrypt-off.pcapng", 10), ("tedious-tds8-strict.pcapng", 10),
       ("pytds-dhe-split.pcapng", 5), ("pytds-tls-in-type04.pcapng", 5), ("tsql-encrypt-notsup.pcapng", 4),
       ("tsql-dhe-kb4557473-fin.pcapng", 2), ("tsql-fail-fin-after-client-hello.pcapng", 2),
       ("pytds-fail-alert.pcapng", 2)]
FIELDS = ["-T", "fields", "-e", "frame.number", "-e", "tcp.stream", "-e", "tls.handshake.type"]


def build(path, connections):
    total = sum(w for _, w in MIX)
    parts = []
    for name, weight in MIX:
        parts.append("%s:%d" % (os.path.join(CORPUS, name), connections * weight // total))
    made = sum(int(p.rsplit(":", 1)[1]) for p in parts)
    parts[0] = "%s:%d" % (parts[0].rsplit(":", 1)[0], int(parts[0].rsplit(":", 1)[1]) + connections - made)
    subprocess.run([sys.executable, os.path.join(HERE, "make_bulk.py"), path] + parts, check=True,
                   capture_output=True)
    os.chmod(path, 0o644)


def run(cmd_env, capture, mode, variant):
    plugins, no_plugins, home = cmd_env
    env = {"PATH": os.environ["PATH"], "HOME": home,
           "WIRESHARK_PLUGIN_DIR": no_plugins if variant == "stock" else plugins}
    args = ["tshark", "-r", capture] + (["-2"] if mode == "two-pass" else []) + FIELDS
    if variant == "off":
        args += ["--disable-protocol", "tdstls"]
    elif variant == "lean":
        args += ["-o", "tdstls.decode_tls:FALSE"]
    cmd = ["env"] + ["%s=%s" % kv for kv in env.items()] + args
    if os.geteuid() == 0:     # root ignores plugin folders
        cmd = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"] + cmd
    with open(os.devnull, "w") as devnull:
        proc = subprocess.Popen(cmd, stdout=devnull, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        err = proc.stderr.read().decode(errors="replace")
    if status != 0:
        raise SystemExit("tshark failed (%s): %s" % (status, err[-500:]))
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024.0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--plugin-dir", required=True)
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--work", help="where the large captures go (default: a temporary folder)")
    ap.add_argument("--markdown", help="also write the table here, as Markdown")
    args = ap.parse_args()

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

    # tshark's start-up, measured on one connection, is taken off the
    # per-connection figures so that they compare across sizes
    base = {}
    one = os.path.join(work, "bulk-1.pcap")
    if not os.path.exists(one):
        build(one, 1)
    for mode in ("one-pass", "two-pass"):
        for variant in ("on", "lean", "off", "stock"):
            base[mode, variant] = statistics.median(run(cmd_env, one, mode, variant)[0] for _ in range(3))

    rows = []
    for size in [int(s) for s in args.sizes.split(",")]:
        capture = os.path.join(work, "bulk-%d.pcap" % size)
        if not os.path.exists(capture):
            build(capture, size)
        for mode in ("one-pass", "two-pass"):
            samples = {"on": [], "lean": [], "off": [], "stock": []}
            for _ in range(args.repeats):
                for variant in ("on", "lean", "off", "stock"):
                    samples[variant].append(run(cmd_env, capture, mode, variant))
            med = {v: (statistics.median(c for c, _ in s), statistics.median(m for _, m in s))
                   for v, s in samples.items()}
            net = {v: (med[v][0] - base[mode, v]) / max(size - 1, 1) * 1e6 for v in med}
            rows.append((size, mode, med, net))
            print("%7d %-8s cpu on %.2fs lean %.2fs off %.2fs stock %.2fs (on/off %.3f, lean/off %.3f); "
                  "peak MB on %.0f lean %.0f off %.0f stock %.0f; %.0f us/connection"
                  % (size, mode, med["on"][0], med["lean"][0], med["off"][0], med["stock"][0],
                     med["on"][0] / med["off"][0], med["lean"][0] / med["off"][0], med["on"][1], med["lean"][1],
                     med["off"][1], med["stock"][1], net["on"]), flush=True)

    table = ["| connections | passes | CPU on / off | CPU lean / off | CPU on / stock | peak RSS on / off "
             "| peak RSS lean / off | CPU per connection after start-up: on, lean, off, stock |",
             "|---|---|---|---|---|---|---|---|"]
    for size, mode, med, net in rows:
        table.append("| %d | %s | %.3f | %.3f | %.3f | %.3f | %.3f | %.0f, %.0f, %.0f, %.0f µs |"
                     % (size, mode, med["on"][0] / med["off"][0], med["lean"][0] / med["off"][0],
                        med["on"][0] / med["stock"][0], med["on"][1] / med["off"][1], med["lean"][1] / med["off"][1],
                        net["on"], net["lean"], net["off"], net["stock"]))
    header = ("Measured %s on %d cores (%s), median of %d interleaved runs, tshark %s."
              % (datetime.date.today().isoformat(), os.cpu_count(), os.uname().machine, args.repeats,
                 subprocess.run(["tshark", "--version"], capture_output=True, text=True).stdout.split()[2]))
    print()
    print(header)
    print("\n".join(table))
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(header + "\n\n" + "\n".join(table) + "\n")


if __name__ == "__main__":
    main()
