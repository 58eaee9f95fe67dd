#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""tshark over test-captures/ with the tdstls plugin of this build.

usage: tshark_tests.py --plugin BUILD/plugins/4.0/epan/tdstls.so --captures DIR
                       [--list-checks BUILD/tests/list_checks] GROUP

Expectations come from test-captures/ground-truth.jsonl (what the lab server
itself saw and did on each connection), from stock tshark run on the same
file without the plugin, and, for phases, from the sequences in
hand_checked_phases.py, each checked by hand against the capture.

Wireshark ignores plugin folders when run as root, so as root tshark runs
as the unprivileged user nobody over a world-readable copy of plugin and
captures.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

from hand_checked_phases import KERBEROS_PHASES, WINDOWS_AUTH_PHASES, phases_for

DHE_NAME = re.compile(r"^TLS_(DHE_(RSA|DSS|PSK)|DH_anon|PSK_DHE)_")
FIELDS = ["frame.number", "tcp.stream", "tcp.len", "tcp.flags.str", "tdstls.phase", "tdstls.phase.inferred", "tdstls.cipher_suite",
          "tdstls.dhe", "tdstls.dhe_offered", "tdstls.dh.p_len", "tdstls.dh.ys_len", "tdstls.dh.yc_len",
          "tdstls.dh.ys_leading_zero", "tdstls.dh.yc_leading_zero", "tdstls.close.initiator",
          "tdstls.close.kind", "tdstls.close.abnormal", "tdstls.close.phase", "tdstls.diagnosis", "tdstls.alert",
          "tdstls.evidence_frame", "tls.handshake.type", "_ws.malformed", "_ws.expert.message"]

# Captures whose SQL Server is not on 1433 (make_corpus.sh, group instances),
# and the Decode As that makes tdstls take them from their first frame.
SERVER_PORTS = {"crafted-dhe-ys-short-port51433.pcap": 51433, "tsql-instance-dhe-kb4557473.pcapng": 49172,
                "pytds-instance-login.pcapng": 50123, "pytds-instance-midstream.pcapng": 50123,
                "tedious-instance-login.pcapng": 11003, "tsql-instance-fin-after-client-hello.pcapng": 11003,
                "jtds-instance-login.pcapng": 14331, "tedious-tds8-port14331.pcapng": 14331}
# Captures whose connection a SQL Server Browser answer announced: tdstls
# takes it from its first frame, in one pass too.
FOUND_BY_BROWSER = {"tsql-instance-dhe-kb4557473.pcapng", "pytds-instance-login.pcapng",
                    "pytds-instance-midstream.pcapng", "tedious-instance-login.pcapng",
                    "tsql-instance-fin-after-client-hello.pcapng", "jtds-instance-login.pcapng"}
# Connections of a capture on a port other than its server port (streams):
# the routed client's second connection goes to the target on 11003
OTHER_PORT_STREAMS = {"tedious-routed-1433-to-11003.pcapng": {"1"}}
DECODE_AS = {"crafted-dhe-ys-short-port51433.pcap": ["-d", "tcp.port==51433,tdstls"]}
# SQL Server traffic tdstls leaves to Wireshark's own dissectors: TDS 4.2/5.0
# (Sybase ASE's protocol), with one note on each login
LEFT_TO_STOCK = {"tsql-tds50-sybase-login.pcapng"}
# Connections that show no byte of TDS (SYNs refused with a RST): tdstls
# knows them only on a TDS port (1433, the preference, Decode As)
ONLY_ON_TDS_PORT = {"tsql-connection-refused.pcapng"}


def expected(t, dhe):
    """What a corpus connection must show, from the lab server's account:
    close (initiator, kind 0 FIN / 1 RST, phase), and the diagnosis (its
    tdstls.diagnosis.kind, the side that gave up, and whether the alert,
    the first FIN/RST or the login answer shows it), or None for a normal
    close."""
    suite = int(t["suite"], 16) if "suite" in t else None
    rst = t["fail"].startswith("rst-")
    if "expect" in t:
        by = t["by"]
        close = (by, "1" if rst else "0", "3")
        on = "alert" if t.get("alert", {}).get("level") == 2 else "close"
        return {"close": close, "kind": t["expect"], "by": by, "on": on}
    after_finished = "kb4557473" if suite in dhe else "key_exchange_rejected"
    table = {   # lab server failure mode -> close, diagnosis kind, shown on
        "none": (("client", "0", "6"), None, None),
        "fin-before-prelogin-response": (("server", "0", "2"), "closed_before_prelogin_response", "close"),
        "fin-after-client-hello": (("server", "0", "3"), "no_common_tls", "close"),
        "alert-after-client-hello": (("server", "0", "3"), "tls_version_mismatch", "alert"),
        "fin-after-client-finished": (("server", "0", "3"), after_finished, "close"),
        "rst-after-client-finished": (("server", "1", "3"), after_finished, "close"),
        # the client closes after reading the error; the answer is the diagnosis
        "login-error": (("client", "0", "5"), "login_failed", "answer"),
    }
    close, kind, on = table[t["fail"]]
    return {"close": close, "kind": kind, "by": "server" if kind else None, "on": on}


# the corpus captures that come with a keylog
KEYLOGS = {"tsql-dhe-tls12.pcapng": "tsql-dhe-tls12.keys", "tedious-tds8-strict.pcapng": "tedious-tds8-strict.keys",
           "tsql-ntlm-full.pcapng": "tsql-ntlm-full.keys", "tedious-ntlm-full.pcapng": "tedious-ntlm-full.keys",
           "jtds-ntlm-full.pcapng": "jtds-ntlm-full.keys", "tsql-kerberos-full.pcapng": "tsql-kerberos-full.keys",
           "pytds-spnego-kerberos-full.pcapng": "pytds-spnego-kerberos-full.keys",
           "pytds-spnego-ntlm-full.pcapng": "pytds-spnego-ntlm-full.keys"}

def keylog_options(box, name):
    """The tshark options that give a corpus capture its keylog, if it has one."""
    keys = KEYLOGS.get(name)
    return ["-o", "tls.keylog_file:" + os.path.join(box.captures, keys)] if keys else []


# Copies of corpus captures cut by a snapshot length (make_corpus.sh group
# truncated: editcap -s LEN): cutLEN-ORIGINAL.pcapng. Their phases are the
# original's, hand-checked in PHASES.
CUT_NAME = re.compile(r"^cut(\d+)-(.+)$")
# what each cut capture's connection must be diagnosed as: the KB 4557473
# shape stays recognisable while the ServerHello (its suite) is captured;
# at 96 bytes it is not, and the server's close is all that shows
CUT_DIAGNOSES = {"cut256-tsql-dhe-kb4557473-fin.pcapng": "kb4557473",
                 "cut256-pytds-dhe-kb4557473-rst.pcapng": "kb4557473",
                 "cut160-pytds-dhe-kb4557473-rst.pcapng": "kb4557473",
                 "cut96-tsql-dhe-kb4557473-fin.pcapng": "server_closed_first"}


# diagnoses that have no expert item of their own (tdstls.expert.server_closed_first says them)
DIAGNOSES_WITHOUT_EXPERT = ("closed_before_prelogin_response", "server_closed_first", "fatal_alert", "client_reset")


# --move-ports: each capture's server port 1433 moves to one of these, as
# named instances (dynamic ports), Azure redirects (11000-11999) and
# listeners have it; 1533 is a port Wireshark gives to Sametime.
MOVED_PORTS = [49172, 11003, 50123, 14331, 1533, 60999]


def decode_as_moved(box, name):
    """Moved to another port, the fuzzed captures are dissected with Decode
    As (Sandbox.tshark adds it): their PRELOGIN is mutated past what tdstls
    takes for SQL Server's on an unknown port, and what they test (no crash
    in tdstls) needs tdstls to dissect them."""
    if box.moved and name.startswith("fuzzed-"):
        return ["-d", "tcp.port==%d,tdstls" % box.port(name)]
    return []


class Sandbox:
    def __init__(self, plugin, captures, move_ports=False, two_pass=False):
        self.dir = tempfile.mkdtemp(prefix="tdstls-test-")
        os.chmod(self.dir, 0o755)
        version_dir = os.path.basename(os.path.dirname(os.path.dirname(plugin)))   # e.g. 4.0
        self.plugins = os.path.join(self.dir, "plugins")
        os.makedirs(os.path.join(self.plugins, version_dir, "epan"))
        shutil.copy(plugin, os.path.join(self.plugins, version_dir, "epan"))
        self.empty_plugins = os.path.join(self.dir, "no-plugins")
        os.makedirs(self.empty_plugins)
        self.captures = os.path.join(self.dir, "captures")
        shutil.copytree(captures, self.captures)
        # each capture's server port, and whether every tshark run reads the file twice (-2)
        self.ports = {}
        self.two_pass = two_pass
        self.moved = move_ports
        # the Wireshark this tshark is (major, minor), and the phases it must show
        said = subprocess.run(["tshark", "--version"], capture_output=True, text=True, check=True).stdout
        found = re.search(r"\(Wireshark\) (\d+)\.(\d+)\.", said)
        if not found:
            raise SystemExit("tshark --version names no Wireshark version: %r" % said[:200])
        self.version = (int(found.group(1)), int(found.group(2)))
        self.phases = phases_for(self.version, own_port=not move_ports)
        if move_ports:
            # copies cut by a snapshot length stay out: on another port
            # tdstls finds a connection by its PRELOGIN's option table or its
            # ClientHello's ALPN, which a cut can hide (README, Limits); group
            # truncated checks them on their own port
            for name in captures_of(self):
                if CUT_NAME.match(name):
                    os.remove(os.path.join(self.captures, name))
            mover = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts", "move_port.py")
            for i, name in enumerate(captures_of(self)):
                port = MOVED_PORTS[i % len(MOVED_PORTS)]
                path = os.path.join(self.captures, name)
                said = subprocess.run([sys.executable, mover, path, path, "1433:%d" % port], check=True,
                                      capture_output=True, text=True).stdout
                if not said.endswith(": 0 TCP segments moved\n"):
                    self.ports[name] = port
        for root, dirs, files in os.walk(self.dir):
            for name in dirs + files:
                os.chmod(os.path.join(root, name), 0o755)

    def port(self, capture):
        """The port of the capture's SQL Server (or of the other server, for not-sql-*)."""
        if capture in self.ports:
            return self.ports[capture]
        if capture.startswith("not-sql-"):                 # the port ends the name, if it has one
            found = re.search(r"-(\d+)\.pcapng$", capture)
            return int(found.group(1)) if found else 0
        return SERVER_PORTS.get(capture, 1433)

    def unlabelled_until_claimed(self):
        """One pass over moved captures: tdstls finds a connection on another
        port at its PRELOGIN, so its SYN, SYN/ACK and ACK have no phase."""
        return self.moved and not self.two_pass

    def wrapper(self):
        """A tshark command with this build's plugin, for scripts that take TSHARK."""
        path = os.path.join(self.dir, "tshark-with-plugin")
        with open(path, "w") as f:
            f.write("#!/bin/sh\n")
            prefix = "setpriv --reuid=nobody --regid=nogroup --clear-groups " if os.geteuid() == 0 else ""
            f.write('exec %senv HOME=%s WIRESHARK_PLUGIN_DIR=%s tshark "$@"\n' % (prefix, self.dir, self.plugins))
        os.chmod(path, 0o755)
        return path

    def tshark(self, args, plugin=True):
        env = dict(os.environ, HOME=self.dir, WIRESHARK_PLUGIN_DIR=self.plugins if plugin else self.empty_plugins)
        if "-r" in args:
            if plugin:
                args = list(args) + decode_as_moved(self, os.path.basename(args[args.index("-r") + 1]))
            if self.two_pass and "-2" not in args:
                args = ["-2"] + args
        cmd = ["tshark"] + args
        if os.geteuid() == 0:
            cmd = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "env",
                   "HOME=" + self.dir, "WIRESHARK_PLUGIN_DIR=" + env["WIRESHARK_PLUGIN_DIR"]] + cmd
        p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300, cwd=self.dir)
        if p.returncode != 0:
            raise AssertionError("tshark %s failed (%d): %s" % (" ".join(args), p.returncode, p.stderr[-2000:]))
        if "Dissector bug" in p.stderr:
            raise AssertionError("dissector bug in tshark %s: %s" % (" ".join(args), p.stderr[-2000:]))
        return p.stdout

    def export(self, capture, extra=()):
        """-z tdstls,json over a corpus capture (given tshark options extra)."""
        return json.loads(self.tshark(["-q", "-r", os.path.join(self.captures, capture), "-z", "tdstls,json"]
                                      + list(extra)))

    def frames(self, capture, extra=(), plugin=True, fields=FIELDS):
        args = ["-r", os.path.join(self.captures, capture), "-T", "fields", "-E", "occurrence=a",
                "-E", "aggregator=|"] + list(extra)
        for f in fields:
            args += ["-e", f]
        rows = []
        for line in self.tshark(args, plugin).splitlines():
            values = line.split("\t")
            if self.version > (4, 0):
                values = [unescape_field(v) for v in values]
            rows.append(dict(zip(fields, values)))
        return rows


# Newer tshark -T fields writes a backslash, tab, newline or carriage
# return in a value as \\, \t, \n, \r (seen on 4.6.9: LAB\\labuser); 4.0 writes
# them as they are, so only output of a later release is unescaped.
FIELD_ESCAPES = {"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}


def unescape_field(value):
    return re.sub(r"\\([\\tnr])", lambda m: FIELD_ESCAPES[m.group(1)], value)


class Checker:
    def __init__(self):
        self.passed = self.failed = self.skipped = 0

    def check(self, ok, what):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            print("FAIL:", what)

    def skip(self, what):
        """A check that does not apply to this Wireshark: counted, not passed."""
        self.skipped += 1
        print("skip:", what)


def require(ok, what):
    """A precondition on the corpus or on stock Wireshark, not a check of
    tdstls: not counted as a pass; when it does not hold, the group fails."""
    if not ok:
        raise AssertionError("precondition: " + what)


def load_truth(captures):
    truth = {}
    with open(os.path.join(captures, "ground-truth.jsonl")) as f:
        for line in f:
            c = json.loads(line)
            truth[c["file"]] = c
    return truth


def dhe_suites(box):
    """Suite ids Wireshark names TLS_DHE_*: the expectation, independent of the C table."""
    ids = set()
    for line in box.tshark(["-G", "values"], plugin=False).splitlines():
        cols = line.split("\t")
        if len(cols) >= 4 and cols[0] == "V" and cols[1] == "tls.handshake.ciphersuite" and DHE_NAME.match(cols[3]):
            ids.add(int(cols[2]))
    return ids


def captures_of(box):
    return sorted(f for f in os.listdir(box.captures) if f.endswith((".pcap", ".pcapng")))


def truthy(v):
    return v in ("1", "True", "true")


LOGIN_TO_COMMANDS = ("4", "5", "6")


def leading_zero(t, side):
    """The lab server's account of a DH value (side "ys" or "yc"): a zero
    first byte (padded) or fewer bytes than p (stripped). None: no value."""
    if "%s_len" % side not in t:
        return None
    return t["%s_first" % side] == 0 or t["%s_len" % side] < t["p_len"]


# Connections whose first payload is neither TDS nor TLS: not SQL Server's,
# even on 1433, so tdstls leaves them alone (no phase).
NOT_SQL = {("fuzzed-server-flight-before-clienthello.pcap", "3")}   # a SYN carrying 40 bytes of 0xaa


def not_sql(name, row):
    return (name, row["tcp.stream"]) in NOT_SQL


def claimed(box, rows, name, extra=()):
    """Which rows of capture name tdstls labels (given tshark options
    extra): every frame of its SQL Server connections, but on a port not
    its own, in one pass and without Decode As or a Browser answer, only
    those from each connection's first payload on: its SYN, SYN/ACK and ACK
    come before tdstls knows it is SQL Server's. Other traffic: nothing,
    but on 1433 in one pass a connection's frames before its first payload
    (tdstls cannot know yet that it is not TDS)."""
    one_pass = not (box.two_pass or "-2" in extra)
    from_syn = (not one_pass or "-d" in extra or box.port(name) == 1433 or name in FOUND_BY_BROWSER
                or decode_as_moved(box, name))
    seen, out = set(), []
    for r in rows:
        stream = r["tcp.stream"]
        if int(r.get("tcp.len") or 0) > 0:
            seen.add(stream)
        if not stream:                                   # not TCP (SQL Server Browser on UDP)
            out.append(False)
        elif name in ONLY_ON_TDS_PORT:
            out.append(box.port(name) == 1433)
        elif name.startswith("not-sql-") or name in LEFT_TO_STOCK:
            out.append(one_pass and box.port(name) == 1433 and stream not in seen)
        else:
            syn_known = from_syn and not (one_pass and stream in OTHER_PORT_STREAMS.get(name, ()))
            out.append((syn_known or stream in seen) and not not_sql(name, r))
    return out


def expected_phases(box, name, rows, want, extra=()):
    """The phase string a capture must show (given tshark options extra):
    want (checked by hand on 1433), with "-" where claimed() says no label
    can be."""
    want = want.replace(" ", "")
    return "".join(w if ok else "-" for w, ok in zip(want, claimed(box, rows, name, extra))) + want[len(rows):]


# --- groups ---------------------------------------------------------------

def group_loads(box, truth, ck):
    ck.check("tdstls.so" in box.tshark(["-G", "plugins"]), "tshark -G plugins lists tdstls.so")
    fields = box.tshark(["-G", "fields"])
    for name in ["tdstls.phase", "tdstls.cipher_suite", "tdstls.dhe", "tdstls.dh.p_len", "tdstls.dh.ys_len",
                 "tdstls.dh.yc_len", "tdstls.dh.ys_leading_zero", "tdstls.dh.yc_leading_zero",
                 "tdstls.close.initiator", "tdstls.close.abnormal", "tdstls.diagnosis"]:
        ck.check(re.search(r"\t%s\t" % re.escape(name), fields) is not None, "tshark -G fields has " + name)
    # one expert field per row of the checks table (core/checks.c), with its summary, and no other
    registered = {cols[2]: cols[1] for cols in (line.split("\t") for line in fields.splitlines())
                  if len(cols) > 2 and cols[2].startswith("tdstls.expert.")}
    if CHECKS_LIST:
        table = dict(line.split("\t", 1) for line in
                     subprocess.run([CHECKS_LIST], capture_output=True, text=True, check=True).stdout.splitlines())
        want = {"tdstls.expert." + name: summary for name, summary in table.items()}
        ck.check(len(want) >= 12 and registered == want, "expert fields are the checks table's rows: %s"
                 % sorted(set(registered.items()) ^ set(want.items())))
    ck.check("TDS TLS handshake analysis\tTDSTLS\ttdstls" in box.tshark(["-G", "protocols"]),
             "protocol registered as 'TDS TLS handshake analysis' / tdstls")
    # decode-as range preferences are not listed by -G defaultprefs; tshark
    # refuses unknown ones, so setting it proves it exists
    capture = os.path.join(box.captures, "crafted-dhe-ys-short.pcap")
    try:
        box.tshark(["-o", "tdstls.no_such_preference:1", "-r", capture])
        refused = False
    except AssertionError:
        refused = True
    ck.check(refused, "tshark refuses a preference tdstls does not have")
    # ... and takes its own: with 51433 among its ports, that capture's SYN is SQL Server's in one pass
    def syn_phase(extra):
        return box.frames("crafted-dhe-ys-short-port51433.pcap", extra, fields=["tdstls.phase"])[0]["tdstls.phase"]
    ck.check(syn_phase(["-o", "tdstls.tcp.port:1433,51433"]) == "1" and syn_phase([]) == "",
             "the preference tdstls.tcp.port takes effect: port 51433's SYN is phase 1 with it, unlabelled without")
    ck.check("tdstls.so" not in box.tshark(["-G", "plugins"], plugin=False), "stock run has no plugin")
    # the coloring rules users import: every filter compiles (tshark warns "Could not compile" otherwise)
    profile = os.path.join(box.dir, ".config", "wireshark")
    os.makedirs(profile, exist_ok=True)
    shutil.copy(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "docs", "tdstls.colorfilters"),
                os.path.join(profile, "colorfilters"))
    for root, dirs, files in os.walk(os.path.join(box.dir, ".config")):
        for n in dirs + files:
            os.chmod(os.path.join(root, n), 0o777)
    cmd = ["tshark", "--color", "-r", os.path.join(box.captures, "tsql-dhe-kb4557473-fin.pcapng")]
    if os.geteuid() == 0:
        cmd = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "env", "HOME=" + box.dir,
               "WIRESHARK_PLUGIN_DIR=" + box.plugins] + cmd
    p = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ, HOME=box.dir,
                                                                       WIRESHARK_PLUGIN_DIR=box.plugins))
    ck.check(p.returncode == 0 and "Could not compile" not in p.stderr and "colorfilters" not in p.stderr,
             "docs/tdstls.colorfilters: every rule compiles (%s)" % p.stderr.strip()[-200:])


def group_corpus_fields(box, truth, ck):
    dhe = dhe_suites(box)
    require(0x009F in dhe and 0xC030 not in dhe, "DHE suite list from tshark -G values is sane")
    totals = {"ys": [0, 0], "yc": [0, 0], "dhe": [0, 0]}    # [expected, flagged]
    for name, t in sorted(truth.items()):
        rows = box.frames(name)
        where = lambda field: [r for r in rows if r.get(field)]   # noqa: E731
        suite = int(t["suite"], 16) if "suite" in t else None
        tls13 = suite is not None and suite >> 8 == 0x13
        hellos = where("tdstls.cipher_suite")
        if suite is None:
            ck.check(not hellos, "%s: no ServerHello, no cipher suite field" % name)
        else:
            ck.check(len(hellos) == 1 and int(hellos[0]["tdstls.cipher_suite"], 16) == suite,
                     "%s: tdstls.cipher_suite is %s on one frame" % (name, t["suite"]))
            expect_dhe = suite in dhe and not tls13
            ck.check(len(hellos) == 1 and truthy(hellos[0]["tdstls.dhe"]) == expect_dhe,
                     "%s: tdstls.dhe == %s" % (name, expect_dhe))
            totals["dhe"][0] += expect_dhe
        totals["dhe"][1] += sum(truthy(r["tdstls.dhe"]) for r in rows)
        for side, other in (("ys", "ys"), ("yc", "yc")):
            flagged = where("tdstls.dh.%s_leading_zero" % side)
            values = where("tdstls.dh.%s_len" % side)
            if "%s_len" % side not in t:
                ck.check(not flagged and not values, "%s: no DH %s, no %s fields" % (name, side, side))
                continue
            expect = leading_zero(t, side)
            totals[side][0] += expect
            totals[side][1] += len(flagged)
            # the flag is present only when set
            ck.check(len(flagged) == int(expect) and all(truthy(r["tdstls.dh.%s_leading_zero" % side])
                                                           for r in flagged),
                     "%s: tdstls.dh.%s_leading_zero on %d frame(s), truth %s (first byte %s, len %s, p %s)"
                     % (name, side, len(flagged), expect, t["%s_first" % side], t["%s_len" % side], t["p_len"]))
            ck.check(len(values) == 1 and int(values[0]["tdstls.dh.%s_len" % side]) == t["%s_len" % side],
                     "%s: tdstls.dh.%s_len == %s" % (name, side, t["%s_len" % side]))
        # Wireshark's TLS dissector decodes the whole clear handshake tdstls
        # read, in one pass and two, even where one frame holds several
        # PRELOGIN packets of copied records (tsql-ecdhe-split-messages), and
        # nothing of a real handshake is kept from it
        if suite is not None and not tls13:
            server_flight = {"2", "11", "14"}              # ServerHello, Certificate, ServerHelloDone
            for extra in ([], ["-2"]):
                decoded = {ty for r in box.frames(name, extra, fields=["tls.handshake.type"])
                           for ty in r["tls.handshake.type"].replace("|", ",").split(",") if ty}
                ck.check(server_flight <= decoded, "%s %s: TLS decodes the server flight (%s of %s)"
                         % (name, " ".join(extra), ",".join(sorted(server_flight & decoded, key=int)),
                            ",".join(sorted(server_flight, key=int))))
        ck.check(not any("TLS not decoded here" in r["_ws.expert.message"] for r in rows),
                 "%s: no tdstls.expert.tls_not_decoded" % name)
        ske = where("tdstls.dh.p_len")
        if "p_len" in t:
            ck.check(len(ske) == 1 and int(ske[0]["tdstls.dh.p_len"]) == t["p_len"], "%s: p_len" % name)
        # -Y filters find the same frames
        for side in ("ys", "yc"):
            if leading_zero(t, side) is not None:
                expect = leading_zero(t, side)
                got = box.frames(name, ["-Y", "tdstls.dh.%s_leading_zero" % side], fields=["frame.number"])
                ck.check(len(got) == int(expect), "%s: -Y tdstls.dh.%s_leading_zero finds %d frame(s)"
                         % (name, side, int(expect)))
    for key, (expected, flagged) in totals.items():
        ck.check(expected == flagged, "corpus: %s flagged on %d frames, truth says %d" % (key, flagged, expected))
    for side in ("ys", "yc"):
        padded = [n for n, t in truth.items() if t.get("%s_first" % side) == 0]
        stripped = [n for n, t in truth.items() if "%s_len" % side in t and t["%s_len" % side] < t["p_len"]]
        require(padded and stripped, "corpus holds %s with a leading zero both padded (%s) and stripped (%s)"
                 % (side, ", ".join(padded), ", ".join(stripped)))


def group_phases(box, truth, ck):
    # every capture has its hand-checked sequence (cut copies: their original's)
    pinned = set(box.phases) | set(WINDOWS_AUTH_PHASES) | set(KERBEROS_PHASES)
    unpinned = [n for n in captures_of(box) if (CUT_NAME.match(n).group(2) if CUT_NAME.match(n) else n) not in pinned]
    ck.check(not unpinned, "every capture has a hand-checked phase sequence (missing: %s)" % unpinned)
    for name, expected in sorted(box.phases.items()):
        for passes in ([], ["-2"]):
            extra = DECODE_AS.get(name, []) + passes
            rows = box.frames(name, extra, fields=["tcp.stream", "tcp.len", "tdstls.phase"])
            want = expected_phases(box, name, rows, expected, extra)
            got = "".join(r["tdstls.phase"] or "-" for r in rows)
            ck.check(got == want, "%s%s: phases %s, expected %s" % (name, " -2" * bool(passes), got, want))
    # every frame of every capture has a phase (that claimed() allows), and
    # in each connection phase 7 exactly from its first FIN/RST on
    for name in captures_of(box):
        rows = box.frames(name, DECODE_AS.get(name, []))
        labelled = claimed(box, rows, name, DECODE_AS.get(name, []))
        ck.check(all(bool(r["tdstls.phase"]) == ok for r, ok in zip(rows, labelled)),
                 "%s: every frame has tdstls.phase" % name)
        labelled = dict(zip((r["frame.number"] for r in rows), labelled))
        for stream in sorted({r["tcp.stream"] for r in rows}):
            conn = [r for r in rows if r["tcp.stream"] == stream]
            first_close = next((i for i, r in enumerate(conn) if re.search(r"[FR]", r["tcp.flags.str"][-4:])), None)
            ok = all((r["tdstls.phase"] == "7") == (first_close is not None and i >= first_close)
                     for i, r in enumerate(conn) if labelled[r["frame.number"]])
            ck.check(ok, "%s stream %s: phase 7 exactly from the first FIN/RST" % (name, stream))
            if conn[0]["tcp.flags.str"].endswith("S·") and first_close != 0 and labelled[conn[0]["frame.number"]]:
                ck.check(conn[0]["tdstls.phase"] == "1", "%s stream %s: the SYN is phase 1" % (name, stream))
    # a capture that starts mid-connection (cut here): encrypted frames are
    # phase 0 until something tells, the close is still the close. On a
    # port of its own tdstls cannot tell such a connection from any other
    # TLS: it needs Decode As (or a SQL Server Browser answer, group browser).
    cut = os.path.join(box.dir, "midstream.pcapng")
    subprocess.run(["editcap", "-r", os.path.join(box.captures, "tsql-dhe-tls12.pcapng"), cut, "12-18"],
                   check=True, capture_output=True)
    os.chmod(cut, 0o644)
    port = box.port("tsql-dhe-tls12.pcapng")
    got = "".join(r["tdstls.phase"] for r in box.frames("../midstream.pcapng", fields=["tdstls.phase"]))
    ck.check(got == ("0000777" if port == 1433 else ""), "mid-connection capture on port %d: phases %s" % (port, got))
    decoded = box.frames("../midstream.pcapng", ["-d", "tcp.port==%d,tdstls" % port], fields=["tdstls.phase"])
    got = "".join(r["tdstls.phase"] for r in decoded)
    ck.check(got == "0000777", "mid-connection capture with Decode As: phases %s, expected 0000777" % got)
    inferred = box.frames("tsql-dhe-tls12.pcapng")
    ck.check(sum(truthy(r["tdstls.phase.inferred"]) for r in inferred if r["tdstls.phase"] in LOGIN_TO_COMMANDS) >= 3,
             "encrypted login/commands frames say the phase was inferred")
    clear = [r for r in box.frames("tsql-encrypt-notsup.pcapng") if r["tdstls.phase"] in LOGIN_TO_COMMANDS]
    ck.check(len(clear) >= 3 and not any(r["tdstls.phase.inferred"] for r in clear),
             "clear TDS phases are not marked inferred (%d login-to-commands frames)" % len(clear))


def group_close(box, truth, ck):
    dhe = dhe_suites(box)
    fields = FIELDS + ["tdstls.diagnosis.kind", "tdstls.diagnosis.by", "tls.alert_message.desc",
                       "tdstls.close.phase.name", "tdstls.login.error"]
    names = {"1": "TCP handshake", "2": "Pre-login", "3": "TLS handshake", "4": "Login", "5": "Login response",
             "6": "Commands", "7": "Close"}
    kb_total = 0
    for name, t in sorted(truth.items()):
        want = expected(t, dhe)
        rows = box.frames(name, fields=fields)
        closes = [r for r in rows if r["tdstls.close.initiator"]]
        ck.check(len(closes) == 1, "%s: one frame carries the close analysis" % name)
        if len(closes) != 1:
            continue
        c = closes[0]
        got = (c["tdstls.close.initiator"], c["tdstls.close.kind"], c["tdstls.close.phase"])
        ck.check(got == want["close"], "%s: close %s, expected %s" % (name, got, want["close"]))
        ck.check(c["tdstls.close.phase.name"] == names.get(c["tdstls.close.phase"]),
                 "%s: tdstls.close.phase.name %r names phase %s" % (name, c["tdstls.close.phase.name"],
                                                                   c["tdstls.close.phase"]))
        ck.check(truthy(c["tdstls.close.abnormal"]) == (want["close"][0] == "server"), "%s: close.abnormal" % name)
        # exactly one diagnosis, of the right kind, naming the right side, on
        # the frame that shows it: the fatal alert, or the first FIN/RST
        diagnosed = [r for r in rows if r["tdstls.diagnosis"]]
        if not want["kind"]:
            ck.check(not diagnosed, "%s: a normal close has no diagnosis (%s)" % (name, [r["frame.number"]
                                                                                        for r in diagnosed]))
            continue
        ck.check(len(diagnosed) == 1, "%s: exactly one diagnosis, got %d" % (name, len(diagnosed)))
        if len(diagnosed) != 1:
            continue
        d = diagnosed[0]
        ck.check((d["tdstls.diagnosis.kind"], d["tdstls.diagnosis.by"]) == (want["kind"], want["by"]),
                 "%s: diagnosis %s by %s, expected %s by %s" % (name, d["tdstls.diagnosis.kind"],
                                                                d["tdstls.diagnosis.by"], want["kind"], want["by"]))
        shows = {"close": "tdstls.close.initiator", "alert": "tls.alert_message.desc", "answer": "tdstls.login.error"}
        on_frame = next((r for r in rows if r[shows[want["on"]]]), None)
        ck.check(on_frame is not None and d["frame.number"] == on_frame["frame.number"],
                 "%s: the diagnosis is on the %s frame (%s)" % (name, want["on"], d["frame.number"]))
        if want["kind"] not in DIAGNOSES_WITHOUT_EXPERT:
            flagged = box.frames(name, ["-Y", "tdstls.expert." + want["kind"]], fields=["frame.number"])
            ck.check([r["frame.number"] for r in flagged] == [d["frame.number"]],
                     "%s: tdstls.expert.%s on the diagnosis frame only" % (name, want["kind"]))
        kb_total += want["kind"] == "kb4557473"
        if want["kind"] == "kb4557473":
            evidence = d["tdstls.evidence_frame"].split("|")
            hello = next(r["frame.number"] for r in rows
                         if "2" in r["tls.handshake.type"].replace("|", ",").split(","))
            ck.check(hello in evidence and len(evidence) >= 2,
                     "%s: KB diagnosis names the ServerHello and the client's Finished (%s)" % (name, evidence))
            ck.check("KB 4557473" in d["tdstls.diagnosis"] and "Extended Master Secret" in d["tdstls.diagnosis"],
                     "%s: the KB text says what the capture shows" % name)
        if t["fail"] == "alert-after-client-hello":
            ck.check(any(r["tdstls.alert"] == "70" for r in rows), "%s: tdstls.alert == 70" % name)
            ck.check("protocol_version (70)" in d["tdstls.diagnosis"], "%s: diagnosis names the alert" % name)
    kb = sum(len(box.frames(n, ["-Y", "tdstls.expert.kb4557473"], fields=["frame.number"]))
             for n in captures_of(box) if not CUT_NAME.match(n))     # cut copies: group truncated
    ck.check(kb == kb_total and kb >= 3, "corpus: -Y tdstls.expert.kb4557473 finds %d frames, truth %d"
             % (kb, kb_total))
    # nothing listens on 1433: each SYN refused with a RST is a connection of the tables, diagnosed
    name = "tsql-connection-refused.pcapng"
    on_tds_port = box.port(name) == 1433             # moved to a port of its own: nothing to know it by
    rows = box.frames(name, fields=["frame.number", "tcp.flags.reset", "tcp.srcport", "tdstls.diagnosis.kind",
                                    "tdstls.diagnosis.by", "tdstls.diagnosis"])
    resets = [r["frame.number"] for r in rows if truthy(r["tcp.flags.reset"]) and r["tcp.srcport"] == str(box.port(name))]
    resets = resets if on_tds_port else []
    said = [(r["frame.number"], r["tdstls.diagnosis.kind"], r["tdstls.diagnosis.by"]) for r in rows
            if r["tdstls.diagnosis.kind"]]
    ck.check(len(resets) == 2 * on_tds_port and said == [(f, "connection_refused", "server") for f in resets],
             "%s: connection_refused by the server on each RST %s, got %s" % (name, resets, said))
    ck.check(all("nothing listens" in r["tdstls.diagnosis"] for r in rows if r["tdstls.diagnosis"]),
             "%s: the diagnosis says what it means" % name)
    flagged = box.frames(name, ["-Y", "tdstls.expert.connection_refused"], fields=["frame.number"])
    ck.check([r["frame.number"] for r in flagged] == resets, "%s: tdstls.expert.connection_refused on the RSTs" % name)
    conns = box.export(name)["connections"]
    ck.check([(c["diagnosis_kind"], c["last_phase"]) for c in conns]
             == [("connection_refused", "1 TCP handshake")] * (2 * on_tds_port),
             "%s: two rows in the tables: %s" % (name, [(c["diagnosis_kind"], c["last_phase"]) for c in conns]))
    require(len({t["expect"] for t in truth.values() if "expect" in t}) >= 5,
             "corpus: the lab's TLS failures cover at least five diagnoses")


def expert_rows(box, capture, plugin=True, extra=()):
    """(severity, protocol, summary) rows of tshark -z expert."""
    out = box.tshark(["-q", "-r", os.path.join(box.captures, capture), "-z", "expert"] + list(extra), plugin)
    rows, severity = [], None
    for line in out.splitlines():
        m = re.match(r"^(Errors|Warns|Notes|Chats|Comments) \(\d+\)", line)
        if m:
            severity = m.group(1)
            continue
        m = re.match(r"^\s+(\d+)\s+(\S+)\s+(\S+)\s+(.*)$", line)
        if m and severity:
            rows.append((severity, m.group(3), m.group(4)))
    return rows


def group_expert(box, truth, ck):
    dhe = dhe_suites(box)
    for name, t in sorted(truth.items()):
        rows = [r for r in expert_rows(box, name) if r[1] == "TDSTLS"]
        suite = int(t["suite"], 16) if "suite" in t else None
        want_dhe = suite in dhe
        ck.check(any(s == "Warns" and "negotiated: between Windows builds with and without the KB 4557473 fix" in m
                     for s, _, m in rows) == want_dhe,
                 "%s: -z expert warns of a negotiated DHE suite == %s" % (name, want_dhe))
        want = expected(t, dhe)
        server_first = want["close"][0] == "server"
        ck.check(any(s == "Errors" and m.startswith("Server") and "first" in m for s, _, m in rows) == server_first,
                 "%s: -z expert error 'Server ... first' == %s" % (name, server_first))
        ck.check(any(s == "Errors" and "reset the connection" in m for s, _, m in rows)
                 == (server_first and want["close"][1] == "1"), "%s: server reset error" % name)
        lz = bool(leading_zero(t, "ys") or leading_zero(t, "yc"))
        ck.check(any(s == "Warns" and re.match(r"dh_Y[sc] has a leading zero", m) for s, _, m in rows) == lz,
                 "%s: leading-zero warning == %s" % (name, lz))
        fatal_alert = t.get("alert", {}).get("level") == 2
        ck.check(any(s == "Errors" and "Fatal TLS alert" in m for s, _, m in rows) == fatal_alert,
                 "%s: fatal alert error == %s" % (name, fatal_alert))


def group_stock_parity(box, truth, ck):
    for name in captures_of(box):
        stock = box.frames(name, plugin=False, fields=["frame.number", "_ws.malformed", "tls.handshake.type"])
        ours = box.frames(name, fields=["frame.number", "_ws.malformed", "tls.handshake.type"])
        stock_bad = sum(bool(r["_ws.malformed"]) for r in stock)
        our_bad = sum(bool(r["_ws.malformed"]) for r in ours)
        if not name.startswith(("crafted-hostile", "crafted-ssrp", "fuzzed-")):   # malformed by design
            ck.check(our_bad <= stock_bad and (stock_bad or not our_bad),
                     "%s: malformed frames with plugin %d, stock %d" % (name, our_bad, stock_bad))
        ck.check(len(stock) == len(ours), "%s: same frame count" % name)
        hs = lambda rows: sum(len(r["tls.handshake.type"].split("|")) for r in rows if r["tls.handshake.type"])  # noqa
        ck.check(hs(ours) >= hs(stock), "%s: TLS handshake messages decoded: plugin %d >= stock %d"
                 % (name, hs(ours), hs(stock)))
        t = truth.get(name)
        if t and "suite" in t:
            ck.check(any("2" in r["tls.handshake.type"].split("|") for r in ours),
                     "%s: the TLS dissector shows the ServerHello (tls.handshake.type == 2)" % name)
    # where stock loses the server flight, tdstls recovers it
    gained = [n for n in captures_of(box)
              if not any("2" in r["tls.handshake.type"].split("|")
                         for r in box.frames(n, plugin=False, fields=["tls.handshake.type"]))
              and any("2" in r["tls.handshake.type"].split("|")
                      for r in box.frames(n, fields=["tls.handshake.type"]))]
    ck.check(len(gained) >= 3, "ServerHello decoded by tdstls but not by stock in %d captures: %s"
             % (len(gained), ", ".join(gained)))


# Field names stock Wireshark shows on a frame that tdstls may take away:
# (names or prefix, when, why). Everything else stock shows must stay.
def _always(stock, ours):
    return True


STOCK_FIELDS_REPLACED = [
    (("data", "data.data", "data.len", "fake-field-wrapper"), _always,
     "bytes stock leaves undecoded (data), which tdstls decodes: TLS inside PRELOGIN, TDS on another port, "
     "SQL Server Browser"),
    (("tcp.segment_data",), _always,
     "TCP shows a segment's bytes while no dissector has taken them; tdstls takes them into a PDU"),
    (("tds",), lambda stock, ours: "tds.unknown_tds_packet" in stock,
     "stock reads TDS 8's ClientHello (TLS first) as a TDS packet of type 22; tdstls decodes it as TLS"),
    (("tls", "_ws.expert"), lambda stock, ours: "tls.ignored_unknown_record" in stock,
     "stock reads TDS bytes as a TLS record it ignores (jTDS's 8-byte TDS headers on another port)"),
    (("tls",), lambda stock, ours: "tls" in stock and "tls.record" not in stock,
     "stock guesses TDS bytes are TLS continuation data (jTDS's 8-byte TDS headers on another port)"),
    (("tls",), lambda stock, ours: "tdstls.expert.tls_not_decoded" in ours,
     "tdstls withholds those records from the TLS dissector on purpose and says why (tls_not_decoded)"),
    (("tds.prelogin.option",), lambda stock, ours: "tdstls.carrier" in ours,
     "stock reads a TLS record it cannot delimit as PRELOGIN options; tdstls knows it is TLS"),
    (("tls.segment",), lambda stock, ours: "tls.segment.data" in stock,
     "stock's TLS shows the pieces of a record it reassembles across TDS packets; tdstls hands it whole"),
    (("tls.handshake.ciphersuite.undecoded", "_ws.expert"),
     lambda stock, ours: "tls.handshake.ciphersuite.undecoded" in stock,
     "stock (4.6), having missed the ServerHello inside PRELOGIN, cannot read the key exchange "
     "(\"Ciphersuite not implemented\", an Undecoded note); given the ServerHello, TLS decodes it"),
]


def fields_of_frames(box, name, plugin):
    """Per frame, the protocol and field names of tshark -T pdml."""
    pdml = box.tshark(["-r", os.path.join(box.captures, name), "-T", "pdml"], plugin)
    return [set(re.findall(r'<(?:field|proto) name="([^"]+)"', packet)) for packet in pdml.split("<packet>")[1:]]


def replaced_by_tdstls(field, stock, ours):
    for names, when, _why in STOCK_FIELDS_REPLACED:
        if any(field == n or field.startswith(n + ".") for n in names) and when(stock, ours):
            return True
    return False


def group_stock_fields(box, truth, ck):
    """Every field stock Wireshark shows on a frame is still there with
    tdstls (a user's filters keep matching), but what STOCK_FIELDS_REPLACED
    lets decoded TLS or TDS replace."""
    for name in captures_of(box):
        stock, ours = fields_of_frames(box, name, False), fields_of_frames(box, name, True)
        ck.check(len(stock) == len(ours), "%s: same frame count (stock %d, tdstls %d)" % (name, len(stock), len(ours)))
        lost = ["%d: %s" % (i + 1, ", ".join(sorted(f for f in s - o if not replaced_by_tdstls(f, s, o))))
                for i, (s, o) in enumerate(zip(stock, ours))
                if any(not replaced_by_tdstls(f, s, o) for f in s - o)]
        ck.check(not lost, "%s: stock's fields kept on every frame (lost: %s)" % (name, "; ".join(lost[:5])))
    # the status bits and the PRELOGIN item, on a frame whose PRELOGIN carries TLS
    tls_prelogin = [r for r in box.frames("tsql-dhe-tls12.pcapng", fields=["tdstls.carrier", "tds.status.eom",
                                                                             "tds.prelogin"]) if r["tdstls.carrier"]]
    ck.check(tls_prelogin and all(r["tds.status.eom"] and r["tds.prelogin"] for r in tls_prelogin),
             "PRELOGIN frames carrying TLS have tds.status.eom and tds.prelogin (%d frames)" % len(tls_prelogin))


def group_two_pass(box, truth, ck):
    keep = [f for f in FIELDS if f not in ("_ws.expert.message",)]
    for name in captures_of(box):
        # on records a snapshot length cut, Wireshark's TLS dissector itself
        # shows handshake messages with -2 that one pass does not (stock too)
        fields = [f for f in keep if not (CUT_NAME.match(name) and f.startswith("tls."))]
        one = box.frames(name, fields=fields)
        two = box.frames(name, ["-2"], fields=fields)
        # where one pass cannot know what -2 knows: on a port not tdstls's,
        # a SQL connection's frames before its first payload (phase 1 with -2
        # only); on 1433, another protocol's (phase 1 in one pass only)
        c1, c2 = claimed(box, one, name), claimed(box, two, name, ["-2"])
        ck.check([r for r, a, b in zip(one, c1, c2) if a == b] == [r for r, a, b in zip(two, c1, c2) if a == b],
                 "%s: -2 gives the same fields as one pass" % name)
        bare = lambda r: not any(v for k, v in r.items() if k.startswith("tdstls."))   # noqa: E731
        ck.check(all((bare(r) and t["tdstls.phase"] == "1") if b else (r["tdstls.phase"] == "1" and bare(t))
                     for r, t, a, b in zip(one, two, c1, c2) if a != b),
                 "%s: frames only one pass or only -2 can label: phase 1 in that one, nothing in the other" % name)
        filtered = box.frames(name, ["-2", "-Y", "tdstls.phase == 3"], fields=["frame.number"])
        ck.check(len(filtered) == sum(r["tdstls.phase"] == "3" for r in one),
                 "%s: -2 -Y tdstls.phase == 3 matches the frames of phase 3" % name)


def group_decode_tls_pref(box, truth, ck):
    """tdstls.decode_tls:FALSE skips TLS decoding of PRELOGIN, never a diagnosis."""
    ours = [f for f in FIELDS if f.startswith("tdstls.")]
    for name in sorted(truth):
        on = box.frames(name, fields=ours)
        off = box.frames(name, ["-o", "tdstls.decode_tls:FALSE"], fields=ours + ["tls.handshake.type", "tds.type"])
        ck.check([{k: r[k] for k in ours} for r in off] == on, "%s: tdstls fields the same with decode_tls off" % name)
        if not name.startswith("tedious-tds8"):   # TDS 8 has no PRELOGIN-carried TLS
            ck.check(not any(r["tls.handshake.type"] and r["tds.type"] == "18" for r in off),
                     "%s: decode_tls off: no TLS decoded from PRELOGIN" % name)


def group_decode_as(box, truth, ck):
    """How a user chooses ports: the heuristic finds SQL Server on any port;
    Decode As or the port preference make tdstls take a port from its first
    frame; Decode As to another protocol, or --disable-heuristic
    tdstls_tcp, leave a port to others."""
    keep = ["frame.number", "tcp.stream", "tcp.len", "tdstls.phase", "tdstls.cipher_suite", "tdstls.dhe",
            "tdstls.dh.ys_leading_zero", "tdstls.close.initiator", "tls.handshake.type"]
    base = "crafted-dhe-ys-short.pcap"
    port = box.port(base)
    reference = box.frames(base, [] if port == 1433 else ["-d", "tcp.port==%d,tdstls" % port], fields=keep)
    ck.check(all(r["tdstls.phase"] for r in reference), "%s: every frame labelled on port %d" % (base, port))
    other = "crafted-dhe-ys-short-port51433.pcap"
    found = box.frames(other, fields=keep)
    labelled = claimed(box, found, other)
    ck.check([r for r, ok in zip(found, labelled) if ok] == [r for r, ok in zip(reference, labelled) if ok]
             and not any(r["tdstls.phase"] for r, ok in zip(found, labelled) if not ok),
             "TCP 51433: the heuristic finds the connection at its PRELOGIN")
    off = box.frames(other, ["--disable-heuristic", "tdstls_tcp"], fields=keep)
    ck.check(not any(r["tdstls.phase"] or r["tdstls.cipher_suite"] for r in off),
             "TCP 51433, --disable-heuristic tdstls_tcp: no tdstls")
    decoded = box.frames(other, ["--disable-heuristic", "tdstls_tcp", "-d", "tcp.port==51433,tdstls"], fields=keep)
    ck.check(decoded == reference, "Decode As tcp.port==51433,tdstls gives what port %d gives" % port)
    ck.check(any(r["tdstls.dh.ys_leading_zero"] for r in decoded), "Decode As: the short Ys is flagged")
    by_pref = box.frames(other, ["-o", "tdstls.tcp.port:1433,51433"], fields=keep)
    ck.check(by_pref == reference, "preference tdstls.tcp.port:1433,51433 analyses port 51433")
    for proto in ("tds", "http"):
        back = box.frames(base, ["-d", "tcp.port==%d,%s" % (port, proto)], fields=keep)
        ck.check(not any(r["tdstls.cipher_suite"] or r["tdstls.phase"] for r in back),
                 "Decode As %s on port %d switches tdstls off there" % (proto, port))


def group_keylog(box, truth, ck):
    # tds.type prints in decimal: 16 is LOGIN7
    for name, keys, tds_type in (("tsql-dhe-tls12.pcapng", "tsql-dhe-tls12.keys", "16"),
                                 ("tedious-tds8-strict.pcapng", "tedious-tds8-strict.keys", "16")):
        keylog = os.path.join(box.captures, keys)
        without = box.frames(name, fields=["frame.number", "tds.type"])
        rows = box.frames(name, ["-o", "tls.keylog_file:" + keylog], fields=["frame.number", "tds.type"])
        types = "|".join(r["tds.type"] for r in rows if r["tds.type"])
        plain = "|".join(r["tds.type"] for r in without if r["tds.type"])
        ck.check(tds_type not in plain.split("|"), "%s: without the keylog no LOGIN7 shows (%s)" % (name, plain))
        ck.check(tds_type in types.split("|"), "%s: with the keylog, the decrypted LOGIN7 (tds.type %s) shows; "
                 "types seen %s" % (name, tds_type, types))
        # phases from the decrypted TDS types: the same sequence, and no longer inferred
        phased = box.frames(name, ["-o", "tls.keylog_file:" + keylog],
                            fields=["tcp.stream", "tcp.len", "tdstls.phase", "tdstls.phase.inferred", "tds.type"])
        got = "".join(r["tdstls.phase"] or "-" for r in phased)
        ck.check(got == expected_phases(box, name, phased, box.phases[name]), "%s: with the keylog, phases %s"
                 % (name, got))
        told = [r for r in phased if r["tds.type"] and r["tdstls.phase"] in LOGIN_TO_COMMANDS]
        ck.check(told and not any(r["tdstls.phase.inferred"] for r in told),
                 "%s: with the keylog, login and command frames are not marked inferred" % name)
        ck.check(any(r["tdstls.phase.inferred"] for r in box.frames(name, fields=["tdstls.phase.inferred"])),
                 "%s: without it, they are" % name)


def check_no_dissector_bug(box, ck, name, passes=([], ["-2"])):
    """-nVx over a capture in each pass: Sandbox.tshark fails on a dissector
    bug reported on stderr; the tree must not show one either."""
    for extra in passes:
        out = box.tshark(["-nVx", "-r", os.path.join(box.captures, name)] + extra)
        ck.check("Dissector bug" not in out, "%s %s: no dissector bug" % (name, " ".join(extra)))


def frames_saying(box, name, text, extra=()):
    """The frames of a capture whose expert info holds this text."""
    rows = box.frames(name, list(extra), fields=["frame.number", "_ws.expert.message"])
    return [r["frame.number"] for r in rows if text in r["_ws.expert.message"]]


def group_hostile(box, truth, ck):
    """Absurd lengths and broken TCP: malformed or expert info, never a crash
    (Sandbox.tshark fails the test on a crash, abort or dissector bug)."""
    name = "crafted-hostile-lengths.pcap"
    check_no_dissector_bug(box, ck, name)
    rows = box.frames(name, fields=["frame.number", "tcp.stream", "tcp.len", "tdstls.phase", "_ws.expert.message"])
    ck.check(all(bool(r["tdstls.phase"]) == ok for r, ok in zip(rows, claimed(box, rows, name))),
             "%s: every frame keeps a phase" % name)
    ours = [r for r in rows if "Malformed TLS inside TDS" in r["_ws.expert.message"]]
    reasons = {m for r in ours for m in r["_ws.expert.message"].split(",") if "Malformed TLS inside TDS" in m}
    ck.check(len(ours) >= 4, "%s: tdstls.expert.malformed on %d frames (%s)" % (name, len(ours), "; ".join(reasons)))
    for want in ("too long to analyse", "DH parameters are cut short or empty", "cipher suite list is odd"):
        ck.check(any(want in m for m in reasons), "%s: malformed reason '%s' shown" % (name, want))
    # found by scripts/fuzz_captures.py: a mutated SYN+FIN+RST reuses the ports,
    # relative sequence numbers change between passes; -2 tripped TLS's
    # "frag_info && frag_info->offset == 0" assertion until PDUs were keyed by order
    check_no_dissector_bug(box, ck, "fuzzed-port-reuse-two-pass.pcap")
    # found by scripts/fuzz_captures.py: a mutated server record holds a
    # ClientHello header; Wireshark's TLS dissector then takes the client for
    # the server and trips its "fh" reassembly assertion on the client's next
    # record. tdstls flags it and hands that handshake's PRELOGIN TLS no further.
    name = "fuzzed-clienthello-from-server.pcap"
    check_no_dissector_bug(box, ck, name)
    ck.check(frames_saying(box, name, "Malformed TLS inside TDS"),
             "%s: the corrupt server flight is tdstls.expert.malformed" % name)
    # found by scripts/fuzz_captures.py: a mutated SYN from the server's port
    # swaps which side tdstls takes for the server, and the client's
    # ClientHello is lost. Wireshark's TLS dissector, fed the other side's
    # handshake before any ClientHello, took the wrong side for the server and
    # tripped its "fh" assertion (one pass and two); tdstls now hands it no
    # server handshake records before the client's ClientHello.
    name = "fuzzed-server-flight-before-clienthello.pcap"
    check_no_dissector_bug(box, ck, name)
    # Wireshark 4.6's TCP and TDS keep that mutated stream from tdstls (no
    # frame carries TLS to it): there is nothing to withhold then
    if any(r["tdstls.carrier"] for r in box.frames(name, fields=["tdstls.carrier"])):
        ck.check(frames_saying(box, name, "before the client's ClientHello"),
                 "%s: tdstls.expert.tls_not_decoded says why" % name)
    else:
        ck.skip("%s: this Wireshark hands tdstls none of its TLS; the withheld-records check does not apply" % name)
    # found by scripts/fuzz_captures.py: TCP reassembles a mutated stream
    # differently on the second pass and delivers a PRELOGIN PDU in frame 8
    # that the first pass never saw; handed to TLS (by stock tds too), it
    # trips TLS's "frag_info && frag_info->offset == 0". tdstls shows it as data.
    name = "fuzzed-pdu-only-on-second-pass.pcap"
    check_no_dissector_bug(box, ck, name, passes=(["-2"],))
    # only where TCP delivers frame 8's PDU on the second pass alone (4.0 to
    # 4.4; Wireshark 4.6's TCP reassembles it the same way on both passes)
    firsts = {r["frame.number"] for r in box.frames(name, fields=["frame.number", "tdstls.carrier"])
              if r["tdstls.carrier"]}
    seconds = {r["frame.number"] for r in box.frames(name, ["-2"], fields=["frame.number", "tdstls.carrier"])
               if r["tdstls.carrier"]}
    if "8" in seconds - firsts:
        ck.check(frames_saying(box, name, "did not deliver these bytes", ["-2"]) == ["8"],
                 "%s -2: frame 8 is the PDU only the second pass saw" % name)
    else:
        ck.skip("%s: this Wireshark's TCP delivers frame 8 alike on both passes; the check does not apply" % name)
    name = "crafted-retransmit-reorder.pcap"
    rows = box.frames(name)
    ck.check(sum(bool(r["tdstls.cipher_suite"]) for r in rows) == 1, "%s: one ServerHello despite the "
             "retransmitted flight" % name)
    ck.check(sum(bool(r["tdstls.dh.ys_leading_zero"]) for r in rows) == 1, "%s: the short Ys flagged once" % name)
    ck.check(all(bool(r["tdstls.phase"]) == ok for r, ok in zip(rows, claimed(box, rows, name))),
             "%s: every frame keeps a phase" % name)
    ck.check(rows[-1]["tdstls.phase"] == "7", "%s: still ends in Close" % name)


# The terminal's table: its columns, with the keys of -z tdstls,json they show
CONN_TEXT_COLUMNS = {"Stream": "stream", "Client": "client", "Server": "server", "Instance": "instance",
                     "Last phase": "last_phase", "Closed by": "closed_by", "Login": "login", "Diagnosis": "diagnosis"}


def text_table(out, titles):
    """The rows of an aligned table printed by -z tdstls,conn: each a dict
    title -> cell, cut at the offsets where the heading line puts the titles
    (so a cell out of line reads wrong)."""
    lines = out.splitlines()
    head = next((i for i, line in enumerate(lines) if line.startswith("Stream  ")), None)
    if head is None:
        return []
    starts = sorted((lines[head].index(t), t) for t in titles if re.search(r"(^|  )%s(  |$)" % re.escape(t),
                                                                            lines[head]))
    rows = []
    for line in lines[head + 1:]:
        if not line.strip():
            break
        cells = {}
        for k, (at, title) in enumerate(starts):
            end = starts[k + 1][0] if k + 1 < len(starts) else len(line)
            cells[title] = line[at:end].strip()
        rows.append(cells)
    return rows


def check_conn_text(box, truth, ck):
    """-z tdstls,conn reads at a glance: one aligned line per connection with
    the columns that say which failed and why (the diagnosis with its frame),
    a count of failures, where to read the remedy; ,wide has every column of
    the GUI's table, which -z tdstls,conn_table prints; no SQL Server: says so."""
    gui_titles = ["Stream", "Client", "Server", "Instance", "Diagnosis", "Last phase", "Closed by", "Login", "Auth",
                  "Windows user", "TDS", "Encryption", "TLS", "Cipher suite", "DHE negotiated",
                  "DH server value (Ys) starts 0x00", "DH client value (Yc) starts 0x00", "Phase times (ms)",
                  "Findings", "Certificate", "Redirect"]
    failed_total = 0
    for name, t in sorted(truth.items()):
        extra = keylog_options(box, name)
        path = os.path.join(box.captures, name)
        out = box.tshark(["-q", "-r", path, "-z", "tdstls,conn"] + extra)
        conns = box.export(name, extra)["connections"]
        failed = [c for c in conns if c["diagnosis_kind"] not in ("", "client_reset")]
        failed_total += len(failed)
        ck.check(("TDS TLS connections: %d, %d of them failed" % (len(conns), len(failed))) in out,
                 "%s: -z tdstls,conn counts %d connections, %d failed: %r" % (name, len(conns), len(failed),
                                                                             out.splitlines()[:1]))
        ck.check("|" not in out and "Filter for statistics" not in out, "%s: no pipes, no empty filter line" % name)
        rows = text_table(out, CONN_TEXT_COLUMNS)
        ck.check(len(rows) == len(conns), "%s: %d table lines for %d connections" % (name, len(rows), len(conns)))
        for row, c in zip(rows, conns):
            want = {title: str(c[key]) if c[key] != "" else "-" for title, key in CONN_TEXT_COLUMNS.items()
                    if title in row}
            if c["diagnosis_frame"]:
                want["Diagnosis"] = "%s (frame %s)" % (c["diagnosis"], c["diagnosis_frame"])
            ck.check(row == want, "%s: stream %s's line %s, expected %s" % (name, c["stream"], row, want))
            ck.check({"Stream", "Client", "Server", "Last phase", "Closed by", "Diagnosis"} <= set(row),
                     "%s: the narrow table's columns %s" % (name, sorted(row)))
        said_where = "-Y tdstls.diagnosis -T fields -e frame.number -e tdstls.diagnosis" in out
        ck.check(said_where == bool(failed), "%s: where to read the remedy is said (%s) when one failed" % (name, said_where))
        wide = box.tshark(["-q", "-r", path, "-z", "tdstls,conn,wide"] + extra)
        wide_rows = text_table(wide, gui_titles)
        ck.check(len(wide_rows) == len(conns) and all(set(r) == set(gui_titles) for r in wide_rows),
                 "%s: ,wide shows every column: %s" % (name, [sorted(set(gui_titles) - set(r)) for r in wide_rows]))
        ck.check(all(r["Findings"] == (c["checks"] or "-") for r, c in zip(wide_rows, conns)),
                 "%s: ,wide's Findings are the JSON's checks" % name)
    require(failed_total >= 10, "the corpus holds failed connections (%d)" % failed_total)
    # the GUI's table, as tshark prints it: every column, the answer to "why" near the front
    table = box.tshark(["-q", "-r", os.path.join(box.captures, "tsql-dhe-kb4557473-fin.pcapng"),
                        "-z", "tdstls,conn_table"])
    heads = next((line for line in table.splitlines() if line.startswith("Stream |")), "")
    cells = [h.strip() for h in heads.split("|") if h.strip()]
    ck.check(cells == gui_titles, "-z tdstls,conn_table's columns %s" % cells)
    # a filter, and a capture with no SQL Server connection
    one = box.tshark(["-q", "-r", os.path.join(box.captures, "tedious-routed-1433-to-11003.pcapng"),
                      "-o", "tls.keylog_file:" + os.path.join(box.captures, "tedious-routed-1433-to-11003.keys"),
                      "-z", "tdstls,conn,tcp.stream==1"])
    ck.check('TDS TLS connections matching "tcp.stream==1": 1,' in one and len(text_table(one, CONN_TEXT_COLUMNS)) == 1,
             "-z tdstls,conn,FILTER keeps one connection: %r" % one.splitlines()[:1])
    none = box.tshark(["-q", "-r", os.path.join(box.captures, "not-sql-http-1433.pcapng"), "-z", "tdstls,conn"])
    ck.check(none.strip() == "TDS TLS connections: none (no SQL Server connection in the capture)",
             "no SQL Server connection: said so: %r" % none)


def group_summary(box, truth, ck):
    scripts = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts")
    report = os.path.join(scripts, "tdstls_report.py")
    env = dict(os.environ, TSHARK=box.wrapper())
    dhe = dhe_suites(box)
    # one row per connection, against the lab server's account
    out = subprocess.run([sys.executable, report, "--format", "json", box.captures], env=env, capture_output=True,
                         text=True, check=True)
    rows = {r["file"]: r for r in json.loads(out.stdout)}
    for name, t in sorted(truth.items()):
        r = rows.get(name)
        ck.check(r is not None, "%s: a summary row" % name)
        if not r:
            continue
        expect = expected(t, dhe)
        initiator, kind, phase = expect["close"]
        ck.check(r["closed_by"] == "%s %s" % (initiator, "RST" if kind == "1" else "FIN"),
                 "%s: closed_by %s" % (name, r["closed_by"]))
        suite = int(t["suite"], 16) if "suite" in t else None
        ck.check(r["dhe"] == ("" if suite is None else "yes" if suite in dhe and suite >> 8 != 0x13 else "no"),
                 "%s: dhe %s" % (name, r["dhe"]))
        if "ys_len" in t:
            want = "yes" if leading_zero(t, "ys") else "no"
            ck.check(r["ys_zero"] == want, "%s: ys_zero %s, truth %s" % (name, r["ys_zero"], want))
            want = "yes" if leading_zero(t, "yc") else "no"
            ck.check(r["yc_zero"] == want, "%s: yc_zero %s, truth %s" % (name, r["yc_zero"], want))
        want_enc = {0: "off (login only)", 1: "on", 2: "not supported", 3: "required"}.get(t.get("encryption"))
        if name.startswith("tedious-tds8"):
            ck.check((r["tds"], r["encryption"], r["tls"]) == ("8.0", "strict", "TLS 1.3"), "%s: TDS 8" % name)
        elif want_enc:
            ck.check((r["tds"], r["encryption"]) == ("7.x", want_enc), "%s: encryption %s, truth %s"
                     % (name, r["encryption"], want_enc))
        ck.check(r["last_phase"].split()[0] == phase, "%s: last phase %s" % (name, r["last_phase"]))
        ck.check((r["diagnosis_kind"], r["diagnosis_by"]) == (expect["kind"] or "", expect["by"] or ""),
                 "%s: diagnosis %r by %r" % (name, r["diagnosis_kind"], r["diagnosis_by"]))
        ck.check(("KB 4557473" in r["diagnosis"]) == (expect["kind"] == "kb4557473"),
                 "%s: diagnosis %r" % (name, r["diagnosis"]))
    check_conn_text(box, truth, ck)
    # the capture-level DHE statistic on 600 connections, 3 of them aborted (built here)
    bulk = os.path.join(box.dir, "bulk600.pcap")
    cap = lambda n: os.path.join(box.captures, n)   # noqa: E731
    subprocess.run([sys.executable, os.path.join(scripts, "make_bulk.py"), bulk,
                    cap("tsql-dhe-tls12.pcapng") + ":300", cap("pytds-dhe-kb4557473-rst.pcapng") + ":2",
                    cap("jtds-dhe-tls12.pcapng") + ":297", cap("tsql-dhe-kb4557473-fin.pcapng") + ":1",
                    cap("pytds-ecdhe-tls12.pcapng") + ":50"], check=True, capture_output=True)
    os.chmod(bulk, 0o644)
    dhe_out = box.tshark(["-q", "-r", bulk, "-z", "tdstls,dhe"])
    ck.check("600 |3 |0 |3 of 600 DHE handshakes aborted after the client's Finished; consistent with a "
             "leading-zero mismatch between patched and unpatched peers" in dhe_out,
             "-z tdstls,dhe on the bulk capture: 3 of 600 (%s)" % dhe_out.strip().splitlines()[-2:])
    csv_out = subprocess.run([sys.executable, report, bulk], env=env, capture_output=True, text=True, check=True)
    lines = csv_out.stdout.splitlines()
    ck.check(lines[0] == "file,stream,client,server,instance,redirect,tds,encryption,tls,cipher_suite,dhe,ys_zero,yc_zero,"
             "last_phase,login,auth,windows_user,closed_by,phase_durations_ms,checks,diagnosis,certificate,diagnosis_kind,diagnosis_by,"
             "diagnosis_frame,instance_frame", "CSV columns: %s" % lines[0])
    ck.check(len(lines) == 651, "CSV: one row per connection (650), got %d" % (len(lines) - 1))
    ck.check(sum("KB 4557473" in line for line in lines) == 3, "CSV: 3 rows diagnosed KB 4557473")
    ck.check(len({line.split(",")[2] for line in lines[1:]}) == 650, "CSV: 650 distinct clients")
    ck.check("3 of 600 DHE handshakes aborted" in csv_out.stderr, "report prints the capture-level DHE line")
    # tshark's own error, by its first lines, not the tail of the list it prints after it
    bad = subprocess.run([sys.executable, report, "-d", "foo", cap("tsql-dhe-tls12.pcapng")], env=env,
                         capture_output=True, text=True)
    ck.check(bad.returncode == 1 and "doesn't follow the template" in bad.stderr and "Traceback" not in bad.stderr
             and len(bad.stderr.strip().splitlines()) == 1, "report -d foo: tshark's first lines, one line: %r"
             % bad.stderr[:300])
    # per-frame labels
    name = "tsql-dhe-tls12.pcapng"
    labels = subprocess.run([sys.executable, report, "--frames", "--format", "json", cap(name)], env=env,
                            capture_output=True, text=True, check=True)
    got = "".join(r["phase"] for r in json.loads(labels.stdout))
    ck.check(got == box.phases[name].replace(" ", ""), "--frames labels %s" % got)
    # packet comments that stock Wireshark shows
    annotated = os.path.join(box.dir, "annotated.pcapng")
    subprocess.run(["bash", os.path.join(scripts, "annotate_phases.sh"), cap("tsql-dhe-kb4557473-fin.pcapng"),
                    annotated], env=env, check=True, capture_output=True)
    os.chmod(annotated, 0o644)
    comments = [r["frame.comment"] for r in box.frames("../annotated.pcapng", plugin=False,
                                                       fields=["frame.number", "frame.comment"])]
    want = [p for p in box.phases["tsql-dhe-kb4557473-fin.pcapng"].replace(" ", "")]
    ck.check([c.split(":")[0] for c in comments] == ["tdstls phase " + p for p in want],
             "annotated comments follow the phases: %s" % comments[:4])
    ck.check(sum("KB 4557473" in c for c in comments) == 1, "the diagnosis comment is on the server's FIN")
    plain = subprocess.run(["bash", os.path.join(scripts, "annotate_phases.sh"), cap("not-sql-binary-9000.pcapng"),
                            os.path.join(box.dir, "plain.pcapng")], env=env, capture_output=True, text=True)
    ck.check(plain.returncode == 0 and "no frame of a SQL Server connection" in plain.stderr and not plain.stdout,
             "annotate_phases.sh on a capture without SQL Server says it wrote no phase: %r" % plain.stderr[:200])
    # timing: the login exchange, and the budget preference
    rows = box.frames(name, fields=["frame.number", "tcp.stream", "tcp.len", "tdstls.phase", "tdstls.login_time",
                                    "tdstls.phase.since_syn", "_ws.expert.message"])
    timed = [r for r in rows if r["tdstls.login_time"]]
    ck.check(len(timed) == 1 and timed[0]["tdstls.phase"] == "5", "login time on the first login-response frame")
    shown = set(expected_phases(box, name, rows, box.phases[name])) - {"-"}
    ck.check(sum(bool(r["tdstls.phase.since_syn"]) for r in rows) == len(shown),
             "phase start time on the first frame of each phase")
    ck.check(not any("over the" in r["_ws.expert.message"] for r in rows), "default budget: no slow-login warning")
    slow = box.frames(name, ["-o", "tdstls.login_budget_ms:1"], fields=["_ws.expert.message"])
    ck.check(sum("over the 1 ms budget" in r["_ws.expert.message"] for r in slow) == 1,
             "tdstls.login_budget_ms:1 warns once")
    off = box.frames(name, ["-o", "tdstls.login_budget_ms:0"], fields=["_ws.expert.message"])
    ck.check(not any("budget" in r["_ws.expert.message"] for r in off), "tdstls.login_budget_ms:0: no login check")


def group_check_prefs(box, truth, ck):
    """Each check preference silences its own expert info and nothing else;
    the fields stay, so filters keep working."""
    def kinds(rows):
        found = set()
        for sev, proto, msg in rows:
            if proto != "TDSTLS":
                continue
            if "negotiated" in msg or "offers TLS_DHE" in msg:
                found.add("dhe")
            if re.match(r"dh_Y[sc] has a leading zero", msg):
                found.add("leading_zero")
            if msg.startswith("Server") or msg.startswith("KB 4557473"):
                found.add("close")
        return found
    fields = [f for f in FIELDS if f.startswith("tdstls.")]
    # one capture with every kind: DHE, a leading zero, the server's abort
    for name in ("tsql-dhe-kb4557473-fin.pcapng", "crafted-dhe-ys-short.pcap"):
        default = kinds(expert_rows(box, name))
        default_fields = box.frames(name, fields=fields)
        for check in ("dhe", "leading_zero", "close"):
            opt = ["-o", "tdstls.check_%s:FALSE" % check]
            got = kinds(expert_rows(box, name, extra=opt))
            ck.check(check not in got and got == default - {check},
                     "%s: check_%s off removes only its expert info (%s -> %s)" % (name, check, default, got))
            ck.check(box.frames(name, opt, fields=fields) == default_fields,
                     "%s: check_%s off keeps every tdstls field" % (name, check))
    ck.check(kinds(expert_rows(box, "tsql-dhe-kb4557473-fin.pcapng")) >= {"dhe", "close"},
             "the KB 4557473 capture has DHE and close expert info by default")
    ck.check("leading_zero" in kinds(expert_rows(box, "crafted-dhe-ys-short.pcap")),
             "the short-Ys capture has leading-zero expert info by default")


def group_bulk(box, truth, ck):
    """The benchmark's tools (scripts/make_bulk.py, scripts/benchmark.py):
    each copy is its own connection and dissects as the original does, with
    the lab server's packet numbering and with SQL Server's; the benchmark
    runs end to end, timed and counted (no figure is checked, only that it
    measures)."""
    scripts = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts")
    fields = ["tcp.stream", "tcp.srcport", "tds.type", "tds.packet_number", "tdstls.phase", "tdstls.diagnosis",
              "tls.handshake.type"]
    parts = {"tsql-dhe-tls12.pcapng": 3, "pytds-ecdhe-tls12.pcapng": 2}

    def by_stream(rows):
        streams = {}
        for r in rows:
            streams.setdefault(r["tcp.stream"], []).append(
                (r["tdstls.phase"], r["tdstls.diagnosis"], r["tls.handshake.type"]))
        return streams

    for renumbered in (False, True):
        name = "bulk-%s.pcap" % ("sqlpid" if renumbered else "lab")
        subprocess.run([sys.executable, os.path.join(scripts, "make_bulk.py"), os.path.join(box.captures, name)]
                       + (["--sqlserver-packet-ids"] if renumbered else [])
                       + ["%s:%d" % (os.path.join(box.captures, c), n) for c, n in parts.items()],
                       check=True, capture_output=True)
        os.chmod(os.path.join(box.captures, name), 0o644)
        rows = box.frames(name, fields=fields)
        streams = by_stream(rows)
        ck.check(len(streams) == sum(parts.values()), "%s: %d connections, got %d"
                 % (name, sum(parts.values()), len(streams)))
        copies = list(streams.values())
        at = 0
        for capture, n in parts.items():
            original = list(by_stream(box.frames(capture, fields=fields)).values())[0]
            ck.check(all(c == original for c in copies[at:at + n]),
                     "%s: every copy of %s dissects as the original" % (name, capture))
            at += n
        if renumbered:
            # SQL Server numbers each message from 1: every server TDS packet here is a message of its own
            servers = {str(box.port(c)) for c in parts}
            server_ids = [r["tds.packet_number"] for r in rows if r["tcp.srcport"] in servers and r["tds.packet_number"]]
            ck.check(server_ids and set("|".join(server_ids).split("|")) == {"1"},
                     "%s: the server's TDS packets are numbered 1 (%s)" % (name, sorted(set(server_ids))))

    work = os.path.join(box.dir, "bench")
    for extra in ([], ["--instructions", "--jobs", "2"]):
        p = subprocess.run([sys.executable, os.path.join(scripts, "benchmark.py"), "--plugin-dir", box.plugins,
                            "--sizes", "3", "--repeats", "1", "--variants", "on,off", "--passes", "one-pass",
                            "--sqlserver-packet-ids", "--work", work] + extra,
                           capture_output=True, text=True, timeout=900)
        table_rows = [line.split("|") for line in p.stdout.splitlines() if line.startswith("| 3 | one-pass |")]
        what = "benchmark.py %s" % " ".join(extra)
        ck.check(p.returncode == 0 and len(table_rows) == 1, "%s: a table row (%s)" % (what, p.stderr[-300:]))
        if table_rows:
            cells = [c.strip() for c in table_rows[0]]
            ratio = cells[3] if extra else cells[5]             # on / off
            per_conn = cells[-2].split(", ")[0]                  # on, after start-up
            ck.check(re.fullmatch(r"\d+\.\d{3}", ratio) is not None, "%s: on / off measured (%s)" % (what, ratio))
            ck.check(re.fullmatch(r"-?\d+(\.\d+)?", per_conn) is not None,
                     "%s: cost per connection measured (%s)" % (what, per_conn))
            if extra:   # counted, not timed: three connections cost more than one
                ck.check(float(per_conn) > 0, "%s: instructions per connection > 0 (%s)" % (what, per_conn))


def load_browser_truth(captures):
    """The lab Browser's account of the requests it got, per capture."""
    with open(os.path.join(captures, "browser-truth.jsonl")) as f:
        return {c["file"]: c for c in map(json.loads, f)}


def group_browser(box, truth, ck):
    """SQL Server Browser (UDP 1434): requests and answers decoded and
    matched, the TCP port an answer gives analysed from its first frame and
    named in the tables, silence and a missing instance flagged; against
    the lab Browser's own account (browser-truth.jsonl)."""
    fields = ["frame.number", "udp.srcport", "tcp.stream", "tcp.len", "tcp.srcport", "tcp.dstport", "ssrp.type",
              "ssrp.instance", "ssrp.tcp_port", "ssrp.response_in", "ssrp.response_to", "tdstls.phase",
              "_ws.expert.message"]
    requests = lambda rows: [r for r in rows if r["ssrp.type"] and r["ssrp.type"] != "0x05"]   # noqa: E731
    answers = lambda rows: [r for r in rows if r["ssrp.type"] == "0x05"]                      # noqa: E731
    btruth = load_browser_truth(box.captures)
    require(len(btruth) >= 6 and {t["mode"] for t in btruth.values()} == {"normal", "none", "without-instance"},
             "the lab Browser's account covers answers, silence and a missing instance (%d captures)" % len(btruth))
    for name, t in sorted(btruth.items()):
        rows = box.frames(name, fields=fields)
        two = box.frames(name, ["-2"], fields=fields)
        asked, answered = requests(rows), answers(rows)
        ck.check(len(asked) == t["requests"] and len(answered) == t["answered"],
                 "%s: %d requests, %d answers decoded; the Browser got %d, answered %d"
                 % (name, len(asked), len(answered), t["requests"], t["answered"]))
        types = sorted({"0x%02x" % int(r["ssrp.type"], 16) for r in asked})
        ck.check(types == t["types"], "%s: request types %s, sent %s" % (name, types, t["types"]))
        if t["instance"]:
            ck.check(all(r["ssrp.instance"] == t["instance"] for r in asked), "%s: ssrp.instance %s" % (name, t["instance"]))
        # every answer links to a request, every answered request to its answer (-2: the link forward)
        ck.check(all(r["ssrp.response_to"] for r in answered), "%s: every answer names its request" % name)
        ck.check(sum(bool(r["ssrp.response_in"]) for r in requests(two)) == min(t["answered"], t["requests"]),
                 "%s -2: answered requests name their answer" % name)
        silent_flag = lambda rs: [r for r in rs if "no answer from sql server browser" in r["_ws.expert.message"].lower()]  # noqa
        unknown_flag = lambda rs: [r for r in rs if "knows no instance" in r["_ws.expert.message"]]  # noqa
        if t["mode"] == "none":
            ck.check(len(silent_flag(two)) == t["requests"], "%s: -2 flags each of the %d unanswered requests"
                     % (name, t["requests"]))
            # one pass: each request the client repeats flags the one before, unanswered; the last
            # request's own silence needs the whole capture
            repeats = [r["frame.number"] for r in silent_flag(rows)]
            want = [r["frame.number"] for r in asked[1:]] if not box.two_pass else [r["frame.number"] for r in asked]
            ck.check(repeats == want, "%s one pass: the repeats %s flagged, got %s" % (name, want, repeats))
            ck.check(not any(r["tcp.stream"] for r in rows), "%s: no TCP connection follows" % name)
        elif t["mode"] == "without-instance":
            ck.check(len(unknown_flag(rows)) == t["answered"] and not silent_flag(two),
                     "%s: each answer flagged for lacking %s" % (name, t["instance"]))
        else:
            ck.check(not silent_flag(two) and not unknown_flag(two), "%s: a good lookup is not flagged" % name)
            port = box.port(name)
            ck.check(all(r["ssrp.tcp_port"] == str(port) for r in answered),
                     "%s: the answers give TCP port %d" % (name, port))
            tcp = [r for r in rows if r["tcp.stream"]]
            ck.check(tcp and all(r["tdstls.phase"] for r in tcp),
                     "%s: every frame of the connection to %d has a phase, one pass" % (name, port))
            export = box.export(name)
            conns = export["connections"]
            ck.check(len(conns) >= 1 and all(c["instance"] == "SQLEXPRESS" and c["instance_frame"] ==
                                             answered[0]["frame.number"] for c in conns[:1]),
                     "%s: the connection table names the instance and the answer (%s)"
                     % (name, [(c["instance"], c["instance_frame"]) for c in conns]))
            ck.check([b["verdict"] for b in export["browser"]] == ["answered"] * t["requests"] and
                     all(b["tcp_port"] in (0, port) for b in export["browser"]),
                     "%s: -z tdstls,json lists each request as answered" % name)
    # nothing listens on UDP 1434: each ICMP port unreachable quoting a request says so when read,
    # and is no request of its own
    name = "tsql-instance-browser-unreachable.pcapng"
    rows = box.frames(name, fields=fields + ["icmp.type"])
    icmp = [r["frame.number"] for r in rows if r["icmp.type"] == "3"]
    said = [r["frame.number"] for r in rows if "ICMP port unreachable for a CLNT_UCAST_INST for SQLEXPRESS: nothing "
            "listens on UDP 1434" in r["_ws.expert.message"]]
    ck.check(len(icmp) >= 2 and said == icmp, "%s one pass: each ICMP unreachable %s flagged, got %s" % (name, icmp, said))
    browser = box.export(name)["browser"]
    ck.check(len(browser) == len(icmp) and all(b["verdict"] == "no answer" for b in browser),
             "%s: -z tdstls,json lists the %d requests, not their ICMP quotes: %s" % (name, len(icmp), browser))
    # the connection is analysed when the capture starts after its PRELOGIN,
    # through the Browser's answer; without it, tdstls cannot tell
    name = "pytds-instance-midstream.pcapng"
    rows = box.frames(name, fields=fields)
    got = "".join(r["tdstls.phase"] or "-" for r in rows if r["tcp.stream"])
    ck.check(re.fullmatch(r"0+7+", got) is not None, "%s: phases %s: unknown until the close, from the first frame"
             % (name, got))
    cut = os.path.join(box.dir, "midstream-no-browser.pcapng")
    subprocess.run(["editcap", os.path.join(box.captures, name), cut, "1-2"], check=True, capture_output=True)
    os.chmod(cut, 0o644)
    ck.check(not any(r["tdstls.phase"] for r in box.frames("../midstream-no-browser.pcapng", fields=fields)),
             "the same connection without the Browser's answer: nothing from tdstls")
    # messages no client here sends: DAC, a broadcast answered by two servers, malformed ones
    name = "crafted-ssrp-dac-broadcast-malformed.pcap"
    check_no_dissector_bug(box, ck, name)
    rows = box.frames(name, ["-2"], fields=fields + ["ssrp.dac_port", "ssrp.instance_name"])
    ck.check(rows[1]["ssrp.dac_port"] == "49173" and rows[1]["ssrp.response_to"] == "1", "DAC answer: port 49173")
    ck.check([r["ssrp.response_to"] for r in rows[3:5]] == ["3", "3"] and rows[4]["ssrp.instance_name"] ==
             "MSSQLSERVER|REPORTS" and rows[4]["ssrp.tcp_port"] == "1433|50200",
             "a broadcast: both servers' answers name it; two instances in one answer")
    bad = [r["frame.number"] for r in rows if "Malformed SQL Server Browser message" in r["_ws.expert.message"]]
    ck.check(bad == ["6", "7"], "an instance name over 32 bytes and a RESP_SIZE past the datagram: malformed (%s)"
             % bad)


def group_routing(box, truth, ck):
    """An Azure-style redirect: the gateway's login answer routes the client
    (ENVCHANGE type 20); with the keylog the route shows on the answer and
    both connections are linked in the frames and the table."""
    name, keys = "tedious-routed-1433-to-11003.pcapng", "tedious-routed-1433-to-11003.keys"
    keylog = ["-o", "tls.keylog_file:" + os.path.join(box.captures, keys)]
    fields = ["frame.number", "tcp.stream", "tcp.len", "tdstls.phase", "tdstls.login.ack", "tdstls.route.server",
              "tdstls.route.port", "tdstls.route.stream", "tdstls.redirected_from", "tds.type"]
    rows = box.frames(name, ["-2"] + keylog, fields=fields)
    streams = sorted({r["tcp.stream"] for r in rows if r["tcp.stream"]})
    ck.check(len(streams) == 2, "%s: two connections, the gateway's and the target's (%s)" % (name, streams))
    routed = [r for r in rows if r["tdstls.route.server"]]
    gateway_port, target_port = box.port(name), 11003
    ck.check(len(routed) == 1 and routed[0]["tdstls.route.server"] == "127.0.0.1" and
             routed[0]["tdstls.route.port"] == str(target_port) and routed[0]["tdstls.login.ack"] in ("1", "True"),
             "%s: the gateway's login answer acknowledges the login and routes to 127.0.0.1:%d" % (name, target_port))
    if routed:
        ck.check(routed[0]["tdstls.route.stream"] == streams[1] and routed[0]["tcp.stream"] == streams[0],
                 "%s -2: the route names the connection it led to (stream %s)" % (name, streams[1]))
    ck.check({r["tdstls.redirected_from"] for r in rows if r["tdstls.redirected_from"]} == {streams[0]},
             "%s: the target's connection says where it came from" % name)
    redirects = [(c["stream"], c["redirect"]) for c in box.export(name, keylog)["connections"]]
    ck.check(redirects == [(0, "to 127.0.0.1:%d (stream 1)" % target_port), (1, "from stream 0")],
             "%s: the table links them: %s" % (name, redirects))
    # in one pass the route is read before the client's next SYN: that
    # connection is SQL Server's from its SYN, as on a Browser's port
    one = box.frames(name, keylog, fields=["tcp.stream", "tcp.len", "tdstls.phase"])
    got = "".join(r["tdstls.phase"] or "-" for r in one if r["tcp.stream"] == "1")
    want = "111 2222 3333 4 5 6666 777".replace(" ", "")
    ck.check(got == want and box.phases[name].replace(" ", "").endswith(want),
             "%s one pass, keylog: the routed connection's phases %s, expected %s" % (name, got, want))
    # without the keylog the answer stays encrypted: no route, both connections still found
    plain = box.frames(name, fields=fields)
    ck.check(not any(r["tdstls.route.server"] for r in plain) and
             {r["tcp.stream"] for r in plain if r["tdstls.phase"]} == set(streams),
             "%s without the keylog: no route shown, both connections analysed" % name)
    servers = [c["server"] for c in box.export(name)["connections"]]
    ck.check(servers == ["127.0.0.1:%d" % gateway_port, "127.0.0.1:%d" % target_port],
             "%s: the table's servers are the gateway's and the target's: %s" % (name, servers))


def group_negatives(box, truth, ck):
    """Other protocols on the same machine: Wireshark shows them exactly as
    it does without tdstls (tshark -V). On 1433, in one pass, a
    connection's frames before its first payload carry tdstls's phase 1,
    as tdstls cannot know yet; -2 drops even those."""
    names = [n for n in captures_of(box) if n.startswith("not-sql-") or n in LEFT_TO_STOCK]
    require(len(names) >= 7, "negative captures: %s" % names)
    for name in names:
        path = os.path.join(box.captures, name)
        for extra in ([], ["-2"]):
            ours = box.tshark(["-V", "-r", path] + extra).split("\n\n")
            stock = box.tshark(["-V", "-r", path] + extra, plugin=False).split("\n\n")
            rows = box.frames(name, extra, fields=["frame.number", "tcp.stream", "tcp.len", "tdstls.phase"])
            allowed = claimed(box, rows, name, extra)
            # a frame's -V text without tdstls's subtree
            strip = lambda text: re.sub(r"(?m)^TDS TLS handshake analysis.*\n(^ .*\n?)*", "", text)  # noqa
            ck.check(len(ours) == len(stock) and all(strip(a).rstrip("\n") == b.rstrip("\n")
                                                     for a, b in zip(ours, stock)),
                     "%s %s: every frame dissected as without tdstls" % (name, " ".join(extra)))
            labelled = [bool(r["tdstls.phase"]) for r in rows]
            ck.check(labelled == allowed, "%s %s: tdstls items only on frames %s, got %s"
                     % (name, " ".join(extra), [r["frame.number"] for r, a in zip(rows, allowed) if a],
                        [r["frame.number"] for r, a in zip(rows, labelled) if a]))
        out = box.tshark(["-q", "-r", path, "-z", "tdstls,json"])
        ck.check(json.loads(out)["connections"] == [], "%s: no row in -z tdstls,json" % name)
        # TDS 4.2/5.0: one note on each connection's login, saying what it is, in both passes,
        # where tdstls dissects the port (1433; a port of its own is Wireshark's alone)
        for extra in ([], ["-2"]):
            rows = box.frames(name, extra, fields=["frame.number", "tds.type", "_ws.expert.message"])
            logins = [r["frame.number"] for r in rows if r["tds.type"].startswith("2")]
            noted = [r["frame.number"] for r in rows if "TDS 4.2/5.0 login (Sybase ASE" in r["_ws.expert.message"]]
            if name in LEFT_TO_STOCK and box.port(name) == 1433:
                ck.check(len(logins) == 2 and noted == logins, "%s %s: the note on each login %s, got %s"
                         % (name, " ".join(extra), logins, noted))
            else:
                ck.check(not noted, "%s %s: no TDS 4.2/5.0 note" % (name, " ".join(extra)))


def group_login_answer(box, truth, ck):
    """The server's answer to LOGIN7, where it is readable (login-only
    encryption, no encryption, or a keylog): a refused login (the lab sends
    error 18456 as SQL Server does) shows as tdstls.expert.login_failed on
    the answer's frame and in the table's Login column; an accepted one as
    LOGINACK ("ok"); an unreadable one leaves both empty."""
    fields = ["frame.number", "tds.type", "tdstls.phase", "tdstls.login.ack", "tdstls.login.error",
              "tdstls.login.error_state", "tdstls.login.error_message", "tdstls.login.program", "_ws.expert.message"]
    refused = padded = 0
    for name, t in sorted(truth.items()):
        extra = keylog_options(box, name)
        rows = box.frames(name, extra, fields=fields)
        answers = [r for r in rows if r["tdstls.login.ack"]]
        flagged = [r for r in rows if "Login failed (18456" in r["_ws.expert.message"]]
        login = [c["login"] for c in box.export(name, extra)["connections"]]
        readable = t.get("encryption") in (0, 2) or bool(extra)
        if t.get("login_error"):
            refused += 1
            ok = (len(flagged) == 1 and len(answers) == 1 and flagged[0] is answers[0]
                  and answers[0]["tdstls.login.error"] == str(t["login_error"])
                  and answers[0]["tdstls.login.error_state"] == "1" and answers[0]["tdstls.phase"] == "5"
                  and "Login failed for user" in answers[0]["tdstls.login.error_message"])
            ck.check(ok, "%s: error %s flagged once, on the login answer (phase 5): %s"
                     % (name, t["login_error"], [(r["frame.number"], r["tdstls.login.error"]) for r in answers]))
            ck.check(login == ["error 18456, state 1"], "%s: the table's Login column %s" % (name, login))
            # the diagnosis: on the answer, with what the capture shows and where the real state is
            said = box.frames(name, extra + ["-Y", "tdstls.diagnosis"],
                              fields=["frame.number", "tdstls.diagnosis.kind", "tdstls.diagnosis"])
            user = ("Windows user %s\\%s (NTLM" % (t["ntlm_domain"], t["ntlm_user"]) if t.get("ntlm_user")
                    else "Login failed for user '")
            text = said[0]["tdstls.diagnosis"] if len(said) == 1 else ""
            ck.check([r["frame.number"] for r in said] == [r["frame.number"] for r in answers]
                     and said[0]["tdstls.diagnosis.kind"] == "login_failed",
                     "%s: diagnosis login_failed on the answer's frame: %s" % (name, said))
            for part in ("error 18456, state 1", user, "SQL Server error log", "MSSQLSERVER_18456"):
                ck.check(part in text, "%s: the diagnosis says %r: %r" % (name, part, text[:160]))
        elif t["fail"] == "none" and readable and not t.get("routed_to"):
            ck.check(len(answers) == 1 and truthy(answers[0]["tdstls.login.ack"]) and not flagged,
                     "%s: LOGINACK read on one frame, no login error" % name)
            ck.check(login == ["ok"], "%s: the table's Login column %s" % (name, login))
            # the name the lab server sent, its NUL padding (SQL Server's) dropped
            program = t.get("program", "tdstls-lab")
            padded += program == "Microsoft SQL Server"
            ck.check(len(answers) == 1 and answers[0]["tdstls.login.program"] == program,
                     "%s: tdstls.login.program %r, expected %r"
                     % (name, [r["tdstls.login.program"] for r in answers], program))
        elif not readable:
            ck.check(not answers and login in ([""], []), "%s: the login answer is encrypted: nothing shown (%s)"
                     % (name, login))
    ck.check(refused >= 2, "captures with a refused login: %d" % refused)
    ck.check(padded >= 1, "captures whose LOGINACK pads the program name with NULs: %d" % padded)


def group_windows_auth(box, truth, ck):
    """Windows authentication (NTLM through SSPI): every leg of it is the
    login (phase 4), one pass and -2; the user the AUTHENTICATE names shows
    on that frame and on the login answer, and in the table; a refused
    Windows login names its user. In full encryption without the keylog the
    legs cannot be read: they are labelled by order and marked inferred."""
    fields = ["frame.number", "tcp.stream", "tcp.len", "tdstls.phase", "tdstls.phase.inferred", "tds.type",
              "ntlmssp.messagetype", "tdstls.login.windows_user", "tdstls.login.workstation",
              "tdstls.login.authenticate_frame", "tdstls.login.ack", "tdstls.login.error", "_ws.expert.message"]
    for name, want in sorted(WINDOWS_AUTH_PHASES.items()):
        t, keylog = truth[name], keylog_options(box, name)
        who = t["ntlm_domain"] + "\\" + t["ntlm_user"]
        for passes in ([], ["-2"]):
            rows = box.frames(name, keylog + passes, fields=fields)
            tag = "%s %s" % (name, " ".join(passes))
            got = "".join(r["tdstls.phase"] or "-" for r in rows)
            ck.check(got == expected_phases(box, name, rows, want, passes),
                     "%s: phases %s, expected %s" % (tag, got, want))
            # the AUTHENTICATE (SSPI packet, tds.type 17) and the server frame before it (the CHALLENGE)
            auth = [i for i, r in enumerate(rows) if "17" in r["tds.type"].split(",")]
            challenge = [i for i in range(auth[0] - 1, -1, -1) if rows[i]["tcp.len"] != "0"][:1] if auth else []
            legs = [rows[i] for i in challenge + auth]
            # (Wireshark 4.0's tds shows NTLM inside SPNEGO as data: no ntlmssp fields there)
            ck.check(len(auth) == 1 and ("0x00000003" in rows[auth[0]]["ntlmssp.messagetype"] or "spnego" in name)
                     and all(r["tdstls.phase"] == "4" and not truthy(r["tdstls.phase.inferred"]) for r in legs),
                     "%s: CHALLENGE and AUTHENTICATE frames are phase 4, not inferred: %s"
                     % (tag, [(r["frame.number"], r["tdstls.phase"], r["tdstls.phase.inferred"]) for r in legs]))
            answers = [r for r in rows if r["tdstls.login.ack"]]
            shown = [r for r in rows if r["tdstls.login.windows_user"]]
            ck.check(len(answers) == 1 and auth and [r["frame.number"] for r in shown]
                     == [rows[auth[0]]["frame.number"], answers[0]["frame.number"]]
                     and all(r["tdstls.login.windows_user"] == who and r["tdstls.login.workstation"]
                             == t["ntlm_workstation"] for r in shown)
                     and answers[0]["tdstls.login.authenticate_frame"] == rows[auth[0]]["frame.number"],
                     "%s: %s shown on the AUTHENTICATE and the login answer: %s"
                     % (tag, who, [(r["frame.number"], r["tdstls.login.windows_user"]) for r in shown]))
            ck.check(answers and answers[0]["tdstls.phase"] == "5", "%s: the login answer is phase 5" % tag)
            if t.get("login_error"):
                ck.check(any("for Windows user %s (NTLM)" % who in r["_ws.expert.message"] for r in answers),
                         "%s: the refused login names the Windows user" % tag)
        conns = box.export(name, keylog)["connections"]
        ck.check([c["windows_user"] for c in conns] == [who],
                 "%s: the table's Windows user column %s" % (name, [c["windows_user"] for c in conns]))
        ck.check([c["auth"] for c in conns] == ["NTLM"], "%s: the table's Auth column %s"
                 % (name, [c["auth"] for c in conns]))
        if not keylog:
            continue
        # without the keylog: nothing read, and the legs after LOGIN7 are told by order and marked inferred
        rows = box.frames(name, fields=fields)
        login_on = next(i for i, r in enumerate(rows) if r["tdstls.phase"] == "4")
        data = [r for r in rows[login_on:] if r["tcp.len"] != "0" and r["tdstls.phase"] != "7"]
        ck.check(len(data) >= 4 and all(truthy(r["tdstls.phase.inferred"]) for r in data)
                 and not any(r["tdstls.login.windows_user"] for r in rows),
                 "%s without its keylog: %d encrypted frames after the handshake, all marked inferred, no user"
                 % (name, len(data)))
    # LOGIN7's integrated-security flag off while its SSPI data holds NTLM (crafted from
    # tedious-ntlm-no-tls): the data shows (Auth NTLM, the user), a warning on LOGIN7 says they disagree
    crafted, original = "crafted-login7-ntlm-flag-off.pcap", "tedious-ntlm-no-tls.pcapng"
    fields = ["frame.number", "tds.type", "tdstls.login.auth", "tdstls.login.windows_user", "_ws.expert.message"]
    rows = box.frames(crafted, fields=fields)
    login7 = [r["frame.number"] for r in rows if r["tds.type"] == "16"]
    warned = [r["frame.number"] for r in rows if "fIntSecurity flag is off" in r["_ws.expert.message"]]
    ck.check(len(login7) == 1 and warned == login7, "%s: the disagreement on LOGIN7 (%s), said on %s"
             % (crafted, login7, warned))
    ck.check(any("holds an NTLM token: shown as NTLM" in r["_ws.expert.message"] for r in rows),
             "%s: the warning names what the data holds" % crafted)
    conns = box.export(crafted)["connections"]
    ck.check([(c["auth"], c["windows_user"]) for c in conns] == [("NTLM", "LAB\\labuser")],
             "%s: Auth and Windows user %s" % (crafted, [(c["auth"], c["windows_user"]) for c in conns]))
    ck.check([c["diagnosis_kind"] for c in conns] == [""], "%s: no diagnosis" % crafted)
    ck.check(not frames_saying(box, original, "fIntSecurity"), "%s: flag and data agree: no warning" % original)


KRB5_OID = "1.2.840.113554.1.2.2"


def group_kerberos(box, truth, ck):
    """Kerberos: LOGIN7 is the login, the answer with the SSPI token beside
    LOGINACK the login response, one pass and -2, with or without the
    keylog; where the answer (or, with the keylog, LOGIN7) is readable,
    tdstls.login.auth says Kerberos and the table's Auth column too."""
    fields = ["frame.number", "tcp.stream", "tcp.len", "tdstls.phase", "tds.type", "tdstls.login.ack",
              "tdstls.login.auth", "tdstls.login.auth_frame", "tdstls.login.windows_user"]
    for name, want in sorted(KERBEROS_PHASES.items()):
        ck.check(truth[name].get("gss_client") == "labuser@LAB.TEST" and truth[name].get("gss_mech") == KRB5_OID,
                 "%s: the lab accepted the client's Kerberos ticket" % name)
        keylog = keylog_options(box, name)
        for extra in ([], ["-2"], keylog, keylog + ["-2"]):
            rows = box.frames(name, extra, fields=fields)
            tag = "%s %s" % (name, " ".join(extra)[-24:])
            got = "".join(r["tdstls.phase"] or "-" for r in rows)
            ck.check(got == expected_phases(box, name, rows, want, extra), "%s: phases %s, expected %s"
                     % (tag, got, want))
            readable = "login-only" in name or (keylog and extra[:2] == keylog)   # the answer in clear, or decrypted
            answers = [r for r in rows if r["tdstls.login.ack"]]
            told = [r for r in rows if r["tdstls.login.auth"]]
            if readable:
                ck.check(len(answers) == 1 and answers[0]["tdstls.phase"] == "5" and told
                         and all(r["tdstls.login.auth"] == "Kerberos" for r in told)
                         and answers[0] in told and not any(r["tdstls.login.windows_user"] for r in rows),
                         "%s: the answer (phase 5) says Kerberos: %s"
                         % (tag, [(r["frame.number"], r["tdstls.login.auth"]) for r in told]))
            else:
                ck.check(not answers and not told, "%s: nothing read without the keylog" % tag)
        auths = [c["auth"] for c in box.export(name, keylog)["connections"]]
        ck.check(auths == ["Kerberos"], "%s: the table's Auth column %s" % (name, auths))
    # SQL Server logins where LOGIN7 is readable: no TLS, or a keylog
    for name in ("tsql-encrypt-notsup.pcapng", "tsql-dhe-tls12.pcapng"):
        auths = [c["auth"] for c in box.export(name, keylog_options(box, name))["connections"]]
        ck.check(auths == ["SQL Server"], "%s: the table's Auth column %s" % (name, auths))


def group_truncated(box, truth, ck):
    """Captures cut by a snapshot length: every frame's phase is the one
    the whole capture has, one pass and -2; no Malformed that stock tshark
    does not show too; a note on the frames the cut hides bytes of; the
    KB 4557473 shape recognised from the flights where the client's
    Finished is cut, and said to be inferred."""
    fields = ["frame.number", "tcp.stream", "tcp.len", "frame.len", "frame.cap_len", "tdstls.phase",
              "tdstls.diagnosis.kind", "tdstls.diagnosis", "_ws.malformed", "_ws.expert.message",
              "tdstls.expert.capture_cut"]
    cut_names = [n for n in captures_of(box) if CUT_NAME.match(n)]
    ck.check(len(cut_names) >= 10, "cut captures in the corpus: %d" % len(cut_names))
    for name in cut_names:
        length, original = CUT_NAME.match(name).groups()
        for passes in ([], ["-2"]):
            tag = "%s %s" % (name, " ".join(passes))
            rows = box.frames(name, passes, fields=fields)
            got = "".join(r["tdstls.phase"] or "-" for r in rows)
            want = expected_phases(box, original, rows, box.phases[original], passes)
            ck.check(got == want, "%s: phases %s, expected %s (as %s)" % (tag, got, want, original))
            stock = box.frames(name, passes, plugin=False, fields=["frame.number", "_ws.malformed"])
            ours = [r["frame.number"] for r in rows if r["_ws.malformed"]]
            theirs = [r["frame.number"] for r in stock if r["_ws.malformed"]]
            ck.check(ours == theirs and not any("Malformed TLS inside TDS" in r["_ws.expert.message"] for r in rows),
                     "%s: Malformed frames %s, as stock %s, none of tdstls's" % (tag, ours, theirs))
            cut_frames = [r for r in rows if int(r["frame.cap_len"]) < int(r["frame.len"])]
            noted = [r for r in rows if r["tdstls.expert.capture_cut"]]
            ck.check(noted and all(int(r["frame.cap_len"]) < int(r["frame.len"]) for r in noted)
                     and len(noted) <= len(cut_frames),
                     "%s: the cut noted on %d of the %d cut frames, on no other" % (tag, len(noted), len(cut_frames)))
            kinds = [r["tdstls.diagnosis.kind"] for r in rows if r["tdstls.diagnosis.kind"]]
            want_kind = CUT_DIAGNOSES.get(name)
            ck.check(kinds == ([want_kind] if want_kind else []), "%s: diagnosis %s, expected %s"
                     % (tag, kinds, want_kind))
            if want_kind == "kb4557473":
                said = [r for r in rows if r["tdstls.diagnosis.kind"]][0]
                ck.check("snapshot length cut it" in said["tdstls.diagnosis"]
                         and "inferred from a truncated capture" in said["_ws.expert.message"]
                         and said["tcp.len"] == "0",
                         "%s: KB 4557473 told from the flights, on the server's close, said to be inferred" % tag)
    # no whole capture of the corpus is said to be cut
    for name in captures_of(box):
        if not CUT_NAME.match(name):
            rows = box.frames(name, DECODE_AS.get(name, []), fields=["frame.number", "tdstls.expert.capture_cut"])
            ck.check(not any(r["tdstls.expert.capture_cut"] for r in rows), "%s: no frame said to be cut" % name)


def parse_ladder(text):
    """-z tdstls,ladder as {stream: [(frame, phase, direction, what)]} and
    {frame: diagnosis kind} for the frames with a diagnosis line."""
    conns, diagnosed, stream, phase, last = {}, {}, None, None, None
    for line in text.splitlines():
        m = re.match(r"^=== tcp\.stream (\d+): ", line)
        if m:
            stream = m.group(1)
            conns[stream] = []
            continue
        m = re.match(r"^  \((\d)\) ", line)
        if m:
            phase = m.group(1)
            continue
        m = re.match(r"^ +(\d+) +\d+\.\d{6}  client (-->|<--) server  (.+)$", line)
        if m and stream is not None:
            last = m.group(1)
            conns[stream].append((last, phase, m.group(2), m.group(3)))
            continue
        m = re.match(r"^ +!! (\w+): ", line)
        if m:
            diagnosed[last] = m.group(1)
    return conns, diagnosed


def group_ladder(box, truth, ck):
    """-z tdstls,ladder: every labelled frame once, under its connection and
    the heading of its phase (as tdstls.phase says, -2), in frame order; the
    diagnosis under the frame that carries it; the direction from the ports."""
    for name in sorted(truth):
        extra = DECODE_AS.get(name, []) if not box.moved else []
        rows = box.frames(name, ["-2"] + extra, fields=["frame.number", "tcp.stream", "tcp.srcport", "tcp.dstport",
                                                        "tdstls.phase", "tdstls.diagnosis.kind"])
        text = box.tshark(["-q", "-2", "-r", os.path.join(box.captures, name), "-z", "tdstls,ladder"] + extra)
        conns, diagnosed = parse_ladder(text)
        want = {}
        for r in rows:
            if r["tdstls.phase"]:
                want.setdefault(r["tcp.stream"], []).append((r["frame.number"], r["tdstls.phase"]))
        got = {k: [(f, p) for f, p, _, _ in v] for k, v in conns.items()}
        ck.check(got == want, "%s: the ladder lists every labelled frame under its phase (%d connections)"
                 % (name, len(want)))
        server = box.port(name)
        by_frame = {r["frame.number"]: r for r in rows}
        arrows = [(d == "<--") == (by_frame[f]["tcp.srcport"] == str(server))
                  for v in conns.values() for f, _, d, _ in v if f in by_frame]
        ck.check(all(arrows) and arrows, "%s: arrows point from the sender" % name)
        ck.check(diagnosed == {r["frame.number"]: r["tdstls.diagnosis.kind"] for r in rows
                               if r["tdstls.diagnosis.kind"]},
                 "%s: the diagnosis under its frame (%s)" % (name, diagnosed))
        # the GUI's table (Statistics > TDS TLS ladder), as tshark prints it: the same frames and phases
        table = box.tshark(["-q", "-2", "-r", os.path.join(box.captures, name), "-z", "tdstls,ladder_table"] + extra)
        rows_t = [[c.strip() for c in line.split("|")] for line in table.splitlines() if re.match(r"^\d+ \|", line)]
        got_t = {}
        for c in rows_t:
            got_t.setdefault(c[0], []).append((c[2], c[1].split()[0]))
        ck.check(got_t == want, "%s: the ladder table has the same frames and phases" % name)
        syns = [w for v in conns.values() for f, p, _, w in v if p == "1"]
        ck.check(all(w in ("SYN", "SYN, ACK", "ACK") for w in syns), "%s: the TCP handshake told by its flags (%s)"
                 % (name, sorted(set(syns))))


CHECKS_LIST = None      # --list-checks: prints the core's checks table

# Capture shapes (scripts/reshape_capture.py): what each must show beside the original
SHAPES = ("vlan", "sll", "sll2", "null", "ipv6")
# jtds-dhe-tls12 without frame 4 (the client's PRELOGIN, lost): the server's
# ACK of the lost segment tells nothing (it stays 1, the phase before it);
# its answer is still pre-login, and the 8-byte header segments of jTDS's
# TLS PRELOGIN packets still the TLS handshake (hand-checked)
LOST_PRELOGIN_PHASES = "1111 22 3333333333 4 5 6666 777"
# Captures whose 16-byte-segment copy cannot show the original's phases, and why
MSS16_DIFFERS = {
    "tedious-tds8-port14331.pcapng": "TDS 8 on a port of its own is found by the ALPN tds/8.0 in the ClientHello's "
                                     "first segment; 16 bytes do not reach it (a real MSS, 536 bytes or more, does)",
    "tsql-kerberos-login-only.pcapng": "the answer's first 16 bytes show an SSPI token (Kerberos's AP-REP), which "
                                       "would carry the login on; LOGINACK behind it, which ends it, is only known "
                                       "when the answer is whole: its earlier pieces stay in the login",
}


def group_shapes(box, truth, ck):
    """The corpus reshaped as networks and capture tools reshape it: 802.1Q
    VLAN, Linux cooked v1 and v2 (tcpdump -i any), BSD loopback (Npcap on
    Windows loopback), IPv6, every frame twice (Docker bridges, netsh trace on
    Hyper-V), many connections interleaved in one file, a segment lost. Each
    shows the phases and the diagnosis of the original."""
    reshape = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts", "reshape_capture.py")
    fields = ["tcp.srcport", "tcp.dstport", "tcp.len", "tdstls.phase", "tdstls.diagnosis.kind"]
    originals = {}                      # capture -> its rows, read once

    def made(shape, out, *inputs):
        path = os.path.join(box.dir, out)
        subprocess.run([sys.executable, reshape, shape, path] + [os.path.join(box.captures, i) for i in inputs],
                       check=True, capture_output=True)
        os.chmod(path, 0o644)
        return "../" + out

    def seen(rows):
        return ("".join(r["tdstls.phase"] or "-" for r in rows),
                [(i, r["tdstls.diagnosis.kind"]) for i, r in enumerate(rows) if r["tdstls.diagnosis.kind"]])

    names = sorted(n for n in truth if n not in KEYLOGS)
    for name in names:
        original = originals[name] = box.frames(name, fields=fields)
        phases, diagnosed = seen(original)
        for shape in SHAPES:
            got = seen(box.frames(made(shape, "shape-" + shape + ".pcap", name), fields=fields))
            ck.check(got == (phases, diagnosed), "%s as %s: phases and diagnosis %s, the original's %s"
                     % (name, shape, got, (phases, diagnosed)))
        twice = seen(box.frames(made("twice", "shape-twice.pcap", name), fields=fields))
        want = ("".join(p * 2 for p in phases), [(2 * i, kind) for i, kind in diagnosed])
        ck.check(twice == want, "%s, every frame twice: %s, expected %s" % (name, twice, want))
        # a small MSS: each TCP payload in pieces of 16 bytes, each piece with its frame's phase
        lengths = [int(r["tcp.len"] or 0) for r in original]
        pieces = "".join(p * max(1, -(-n // 16)) for p, n in zip(phases, lengths))
        got = seen(box.frames(made("mss:16", "shape-mss16.pcap", name), fields=fields))[0]
        if name in MSS16_DIFFERS:
            ck.skip("%s in 16-byte segments: %s" % (name, MSS16_DIFFERS[name]))
        else:
            ck.check(got == pieces, "%s in 16-byte segments: phases %s, expected %s" % (name, got, pieces))
    # many connections in one file, overlapping: each as on its own
    mixed = [n for n in names if truth[n].get("client_port")][:8]
    ports = [truth[n]["client_port"] for n in mixed]
    require(len(mixed) == 8 and len(set(ports)) == 8, "eight captures with distinct client ports: %s" % ports)
    rows = box.frames(made("interleave", "shape-interleaved.pcap", *mixed), fields=fields)
    for name, port in zip(mixed, ports):
        of_port = lambda frames: [r for r in frames if str(port) in (r["tcp.srcport"], r["tcp.dstport"])]  # noqa
        own, alone = seen(of_port(rows)), seen(of_port(originals[name]))
        ck.check(own[0] == alone[0], "%s interleaved with %d others: phases %s, alone %s"
                 % (name, len(mixed) - 1, own[0], alone[0]))
        ck.check([k for _, k in own[1]] == [k for _, k in alone[1]], "%s interleaved: diagnosis %s, alone %s"
                 % (name, own[1], alone[1]))
    # a capture begun mid-connection, in the middle of a TDS message cut into
    # segments: every piece of a message whose header is seen takes its phase
    # (tsql-encrypt-notsup in 16-byte segments, from the second piece of the
    # SQL batch on: its header is in the third piece)
    small = made("mss:16", "shape-notsup-mss16.pcap", "tsql-encrypt-notsup.pcapng")
    mid = os.path.join(box.dir, "shape-midstream-pieces.pcap")
    subprocess.run(["editcap", "-r", os.path.join(box.captures, small), mid, "32-40"], check=True, capture_output=True)
    os.chmod(mid, 0o644)
    rows = box.frames("../shape-midstream-pieces.pcap", fields=["tdstls.phase", "tdstls.phase.since_syn"])
    got = "".join(r["tdstls.phase"] for r in rows)
    ck.check(got == "666666777", "mid-connection pieces of a SQL batch and its answer: phases %s, expected "
             "666666777" % got)
    tree = box.tshark(["-r", mid, "-V", "-O", "tdstls", "-Y", "frame.number == 1"])
    ck.check("Phase starts after this connection's first frame in the capture (its SYN is not in it)" in tree
             and "after SYN" not in tree, "mid-connection: the phase's start counts from the first frame seen")
    # a segment missing: the client's PRELOGIN
    lost = box.frames(made("drop:4", "shape-lost-prelogin.pcap", "jtds-dhe-tls12.pcapng"), fields=fields)
    got = "".join(r["tdstls.phase"] for r in lost)
    ck.check(got == LOST_PRELOGIN_PHASES.replace(" ", ""), "jtds-dhe-tls12 without its PRELOGIN: phases %s, "
             "expected %s" % (got, LOST_PRELOGIN_PHASES))


GROUPS = {name[len("group_"):]: fn for name, fn in globals().items() if name.startswith("group_")}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--plugin", required=True)
    ap.add_argument("--captures", required=True)
    ap.add_argument("--list-checks", help="tests/list_checks of this build")
    ap.add_argument("--move-ports", action="store_true",
                    help="move every capture's port 1433 elsewhere first (MOVED_PORTS): no Decode As, no preference")
    ap.add_argument("--two-pass", action="store_true", help="every tshark run reads its capture twice (-2)")
    ap.add_argument("group", choices=sorted(GROUPS))
    args = ap.parse_args()
    global CHECKS_LIST
    CHECKS_LIST = args.list_checks
    box = Sandbox(os.path.abspath(args.plugin), os.path.abspath(args.captures), args.move_ports, args.two_pass)
    ck = Checker()
    try:
        GROUPS[args.group](box, load_truth(box.captures), ck)
    except AssertionError as e:
        ck.check(False, str(e))
    finally:
        shutil.rmtree(box.dir, ignore_errors=True)
    mode = " (ports moved%s)" % (", -2" if args.two_pass else "") if args.move_ports else ""
    print("%s%s: %d passed, %d failed, %d skipped" % (args.group, mode, ck.passed, ck.failed, ck.skipped))
    sys.exit(1 if ck.failed else 0)


if __name__ == "__main__":
    main()
