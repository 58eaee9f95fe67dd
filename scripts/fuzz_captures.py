#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Mutation fuzzing of tdstls inside tshark, as Wireshark's tools/fuzz-test.sh does.

usage: fuzz_captures.py --plugin-dir BUILD-ASAN/plugins --captures DIR [--seconds N | --frames N]
                        [--keep DIR] [--jobs N]

Each round takes a corpus capture and makes a hostile variant: editcap -E
(byte mutation, several probabilities and seeds), editcap -s (snaplen cut), or
randpkt -t tds (random TDS). tshark runs it with the sanitized plugin (ASan +
UBSan, preloaded), WIRESHARK_DEBUG_WMEM_OVERRIDE=strict and
WIRESHARK_ABORT_ON_DISSECTOR_BUG=1, once with -nVxr and once with -2 -nVxr.
A crash, sanitizer report, dissector bug or hang (timeout) is run again
without the plugin: if stock tshark fails too it is counted as stock's, not
ours. Ours are kept under --keep with the command that shows them.
"""
import argparse
import concurrent.futures
import itertools
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

PROBABILITIES = [0.005, 0.01, 0.02, 0.05, 0.1]
SNAPLENS = [60, 80, 120, 200, 400]
TIMEOUT = 60


def libasan():
    return subprocess.run(["gcc", "-print-file-name=libasan.so"], capture_output=True, text=True).stdout.strip()


class Runner:
    def __init__(self, plugin_dir, work):
        self.work = work
        self.plugins = os.path.join(work, "plugins")
        shutil.copytree(plugin_dir, self.plugins)
        self.no_plugins = os.path.join(work, "no-plugins")
        os.makedirs(self.no_plugins)
        self.asan = libasan()
        for root, dirs, files in os.walk(work):
            for n in dirs + files:
                os.chmod(os.path.join(root, n), 0o755)

    def tshark(self, path, two_pass, plugin):
        keylog = os.path.join(self.work, "corpus.keys")
        env = {"HOME": self.work, "PATH": os.environ["PATH"],
               "WIRESHARK_PLUGIN_DIR": self.plugins if plugin else self.no_plugins,
               "WIRESHARK_DEBUG_WMEM_OVERRIDE": "strict", "WIRESHARK_ABORT_ON_DISSECTOR_BUG": "1"}
        if plugin:
            env.update(LD_PRELOAD=self.asan, ASAN_OPTIONS="detect_leaks=0:abort_on_error=1",
                       UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1")
        args = ["tshark", "-nVx", "-r", path] + (["-2"] if two_pass else [])
        if os.path.exists(keylog):      # decrypted TDS goes through tdstls too
            args += ["-o", "tls.keylog_file:" + keylog]
        cmd = ["env"] + ["%s=%s" % kv for kv in env.items()] + args
        if os.geteuid() == 0:       # root ignores plugin folders
            cmd = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"] + cmd
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, errors="replace", timeout=TIMEOUT, env=env)
        except subprocess.TimeoutExpired:
            return "hang", ""
        err = p.stderr
        if "AddressSanitizer" in err or "runtime error:" in err or "LeakSanitizer" in err:
            return "sanitizer", err
        if "Dissector bug" in err or "failed assertion" in err or "DISSECTOR_ASSERT" in err:
            return "dissector-bug", err
        if p.returncode < 0 or p.returncode >= 128:
            return "crash", err
        return None, ""


def make_variant(rng, capture, out):
    kind = rng.choice(["mutate", "mutate", "mutate", "mutate", "snaplen", "randpkt"])
    if kind == "mutate":
        p, seed = rng.choice(PROBABILITIES), rng.randrange(1 << 30)
        cmd = ["editcap", "-E", str(p), "--seed", str(seed), capture, out]
    elif kind == "snaplen":
        cmd = ["editcap", "-s", str(rng.choice(SNAPLENS)), capture, out]
    else:
        cmd = ["randpkt", "-b", "1500", "-c", "200", "-t", "tds", out]
    subprocess.run(cmd, check=True, capture_output=True)
    os.chmod(out, 0o644)
    return " ".join(cmd)


def frame_count(path):
    out = subprocess.run(["capinfos", "-c", "-M", "-T", "-r", path], capture_output=True, text=True).stdout
    try:
        return int(out.strip().split("\t")[-1])
    except ValueError:
        return 0


def one_round(runner, rng_seed, capture, keep):
    rng = random.Random(rng_seed)
    out = os.path.join(runner.work, "round-%d.pcap" % rng_seed)
    how = make_variant(rng, capture, out)
    result = {"frames": 0, "ours": [], "stock": 0}
    result["frames"] = frame_count(out) * 2
    for two_pass in (False, True):
        kind, err = runner.tshark(out, two_pass, plugin=True)
        if not kind:
            continue
        stock_kind, _ = runner.tshark(out, two_pass, plugin=False)
        if stock_kind:
            result["stock"] += 1
            continue
        name = "%s-%d.pcap" % (kind, rng_seed)
        os.makedirs(keep, exist_ok=True)
        shutil.copy(out, os.path.join(keep, name))
        with open(os.path.join(keep, name + ".txt"), "w") as f:
            f.write("made by: %s\ntshark -nVx %s -r %s\n\n%s" % (how, "-2" if two_pass else "", name, err[-20000:]))
        result["ours"].append(kind)
    os.remove(out)
    return result


def tally(totals, r):
    totals["frames"] += r["frames"]
    totals["rounds"] += 1
    totals["stock"] += r["stock"]
    for kind in r["ours"]:
        totals[kind] += 1


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--plugin-dir", required=True)
    ap.add_argument("--captures", required=True)
    ap.add_argument("--seconds", type=float, default=120)
    ap.add_argument("--frames", type=int, default=0, help="stop after this many frames instead")
    ap.add_argument("--keep", default="fuzz-failures")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--seed", type=int, default=int(time.time()))
    args = ap.parse_args()

    captures = sorted(os.path.join(args.captures, f) for f in os.listdir(args.captures)
                      if f.endswith((".pcap", ".pcapng")))
    work = tempfile.mkdtemp(prefix="tdstls-fuzz-")
    os.chmod(work, 0o755)
    runner = Runner(args.plugin_dir, work)
    # The corpus keylogs, so that decrypted data is fuzzed as well.
    with open(os.path.join(work, "corpus.keys"), "w") as keys:
        for f in sorted(os.listdir(args.captures)):
            if f.endswith(".keys"):
                keys.write(open(os.path.join(args.captures, f)).read())
    os.chmod(os.path.join(work, "corpus.keys"), 0o644)
    # The corpus, each capture 8 times as distinct connections (own client
    # address and port), in one file: tshark's start-up, not the frames, is
    # what a round of small files costs. Captures make_bulk cannot copy (not
    # Ethernet, longer than the gap) are fuzzed on their own only.
    merged = os.path.join(work, "corpus-x8.pcap")
    subprocess.run([sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), "make_bulk.py"),
                    merged, "--gap", "10", "--skip-unfit"] + ["%s:8" % c for c in captures], check=True,
                   capture_output=True)
    os.chmod(merged, 0o644)
    captures = [merged] * 6 + captures
    keep = os.path.abspath(args.keep)
    totals = {"frames": 0, "rounds": 0, "crash": 0, "sanitizer": 0, "dissector-bug": 0, "hang": 0, "stock": 0}
    deadline = time.time() + args.seconds
    seeds = itertools.count(args.seed)
    done = lambda: (args.frames and totals["frames"] >= args.frames) or \
        (not args.frames and time.time() >= deadline)   # noqa: E731
    try:
        with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
            pending = set()
            for capture in itertools.cycle(captures):
                if done():
                    break
                pending.add(pool.submit(one_round, runner, next(seeds), capture, keep))
                if len(pending) >= args.jobs * 2:
                    finished, pending = concurrent.futures.wait(pending, return_when="FIRST_COMPLETED")
                    for f in finished:
                        tally(totals, f.result())
            for f in concurrent.futures.as_completed(pending):
                tally(totals, f.result())
    finally:
        shutil.rmtree(work, ignore_errors=True)
    ours = totals["crash"] + totals["sanitizer"] + totals["dissector-bug"] + totals["hang"]
    print("seed %d: %d frames tried in %d rounds (-nVx and -2 each): %d crashes, %d sanitizer reports, "
          "%d dissector bugs, %d hangs from tdstls; %d failures of stock Wireshark too, not counted"
          % (args.seed, totals["frames"], totals["rounds"], totals["crash"], totals["sanitizer"],
             totals["dissector-bug"], totals["hang"], totals["stock"]))
    if ours:
        print("failing inputs kept in", keep)
    print("%d passed, %d failed" % (totals["rounds"] - ours, ours))
    sys.exit(1 if ours else 0)


if __name__ == "__main__":
    main()
