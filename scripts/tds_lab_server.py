#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A small TDS lab server for loopback captures.

It behaves like SQL Server on the wire, as far as tdstls cares:
PRELOGIN response, the TLS handshake carried inside TDS PRELOGIN packets
(type 0x12, or 0x04 with --tls-in-type04), raw TLS records on TCP after the
handshake (TDS 7.x), LOGIN7 answered with LOGINACK + ENVCHANGE + DONE, an SQL
batch answered with one INT row, and a close after the client's. A LOGIN7
that asks for Windows authentication (an NTLM NEGOTIATE in its SSPI field)
gets an NTLM CHALLENGE in an SSPI token, and the client's SSPI packet (0x11,
the NTLM AUTHENTICATE) is accepted unchecked; Kerberos or SPNEGO there goes
through GSSAPI, against a lab KDC's keytab (KRB5_KTNAME) or NTLM_USER_FILE. TDS 8 strict
(--strict) puts TLS first on TCP with ALPN tds/8.0 and PRELOGIN inside it.

--fail picks one of the failure modes users meet; see FAILURES below.

For every connection it prints one JSON line on stdout with what it saw of the
handshake (client port, suite, DH lengths and first bytes), the ground truth
that scripts/make_corpus.sh uses to pick connections out of a bulk capture.
"""
import argparse
import json
import os
import socket
import ssl
import struct
import sys
import time

import tls_peek

FAILURES = {
    "none": "normal login, query, close after the client",
    "fin-before-prelogin-response": "read PRELOGIN, close (FIN) without answering",
    "fin-after-client-hello": "read the ClientHello, close (FIN): no common version/suite, as Schannel does",
    "alert-after-client-hello": "demand TLS 1.3 from a TLS 1.2 client: OpenSSL sends a fatal protocol_version "
                                "alert, then FIN",
    "fin-after-client-finished": "read ClientKeyExchange/ChangeCipherSpec/Finished, close (FIN) without the "
                                 "server's Finished: the KB 4557473 signature",
    "rst-after-client-finished": "same point, but close with RST",
    "alert-after-client-finished": "same point, but send a fatal bad_record_mac alert first (as Schannel does "
                                   "when the keys differ), then FIN",
    "login-error": "answer the login (LOGIN7, or with Windows authentication the NTLM AUTHENTICATE) with error 18456 state 1 (as SQL Server answers a wrong password: the real "
                   "state goes to its error log only) instead of LOGINACK; the client closes",
}

# A fatal bad_record_mac (20) alert record, clear: the server has not switched to encryption yet.
ALERT_BAD_RECORD_MAC = bytes([21, 3, 3, 0, 2, 2, 20])

TDS_SQL_BATCH, TDS_RESPONSE, TDS_LOGIN7, TDS_SSPI, TDS_PRELOGIN = 0x01, 0x04, 0x10, 0x11, 0x12
STATUS_EOM = 0x01
ENCRYPT_OFF, ENCRYPT_ON, ENCRYPT_NOT_SUP, ENCRYPT_REQ = 0, 1, 2, 3


class Closed(Exception):
    pass


class Wire:
    """The TCP socket, with TDS framing and chunked writes.

    segment > 0 cuts every write into chunks of that many bytes, each sent on
    its own (TCP_NODELAY), so TDS packets straddle TCP segments."""

    def __init__(self, sock, packet_size, segment, split_messages=False):
        self.sock = sock
        self.split_messages = split_messages
        self.packet_size = packet_size
        self.segment = segment
        self.packet_id = 0
        self.pending = b""

    def send(self, data):
        if self.segment <= 0:
            self.sock.sendall(data)
            return
        for i in range(0, len(data), self.segment):
            self.sock.sendall(data[i:i + self.segment])
            time.sleep(0.003)

    def recv_exact(self, n):
        while len(self.pending) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise Closed()
            self.pending += chunk
        out, self.pending = self.pending[:n], self.pending[n:]
        return out

    def read_packet(self):
        header = self.recv_exact(8)
        ptype, status, length = header[0], header[1], struct.unpack(">H", header[2:4])[0]
        if length < 8:
            raise Closed()
        return ptype, status, self.recv_exact(length - 8)

    def read_message(self):
        """Packets until end-of-message: (type, payload)."""
        payload = b""
        while True:
            ptype, status, data = self.read_packet()
            payload += data
            if status & STATUS_EOM:
                return ptype, payload

    def frame(self, ptype, payload):
        """TDS packets of at most packet_size bytes, EOM on the last one.
        Packet ids run on per connection. SQL Server instead starts each
        message at 1 (MS-TDS 2.2.3.1.5); the corpus was made this way, and
        make_bulk.py --sqlserver-packet-ids renumbers copies as SQL Server."""
        room = self.packet_size - 8
        chunks = [payload[i:i + room] for i in range(0, len(payload), room)] or [b""]
        out = b""
        for i, chunk in enumerate(chunks):
            self.packet_id = (self.packet_id + 1) & 0xFF
            last = i == len(chunks) - 1
            status = STATUS_EOM if last or self.split_messages else 0
            out += struct.pack(">BBHHBB", ptype, status, len(chunk) + 8, 0, self.packet_id, 0) + chunk
        return out

    def send_message(self, ptype, payload):
        self.send(self.frame(ptype, payload))


def ucs2(s):
    return s.encode("utf-16-le")


def prelogin_options(options):
    """PRELOGIN option list: [(token, bytes)] -> payload."""
    header_len = 5 * len(options) + 1
    head, body = b"", b""
    for token, value in options:
        head += struct.pack(">BHH", token, header_len + len(body), len(value))
        body += value
    return head + b"\xff" + body


def parse_prelogin(payload):
    options, i = {}, 0
    while i < len(payload) and payload[i] != 0xFF and i + 5 <= len(payload):
        token, off, ln = struct.unpack(">BHH", payload[i:i + 5])
        options[token] = payload[off:off + ln]
        i += 5
    return options


def prelogin_response(encryption):
    return prelogin_options([
        (0x00, bytes([16, 0, 0x10, 0x00, 0, 0])),  # VERSION 16.0.4096
        (0x01, bytes([encryption])),
        (0x02, b"\x00"),                           # INSTOPT
        (0x03, b""),                               # THREADID
        (0x04, b"\x00"),                           # MARS off
    ])


def tds72_or_later(login7):
    """LOGIN7's TDSVersion (little-endian at offset 4): 7.2 widened UserType and row counts."""
    return len(login7) >= 8 and struct.unpack("<I", login7[4:8])[0] >= 0x72090002


def done_token(status, curcmd, rows, wide):
    return b"\xfd" + struct.pack("<HH", status, curcmd) + struct.pack("<Q" if wide else "<I", rows)


def routing_envchange(route):
    """ENVCHANGE type 20 (MS-TDS 2.2.7.9): send the client to HOST:PORT, as
    Azure SQL's gateway and read-only routing do, right after LOGINACK."""
    host, port = route.rsplit(":", 1)
    value = b"\x00" + struct.pack("<HH", int(port), len(host)) + ucs2(host)    # protocol 0 = TCP
    body = b"\x14" + struct.pack("<H", len(value)) + value + b"\x00\x00"        # old value: none
    return b"\xe3" + struct.pack("<H", len(body)) + body


# LOGINACK's program name: the lab's own, or what SQL Server (2000, 2019
# and 2022 captures) sends, padded with two NUL characters
PROGRAM_NAMES = {"lab": "tdstls-lab", "sqlserver": "Microsoft SQL Server\0\0"}


def login_response(wide, route=None, prog=PROGRAM_NAMES["lab"]):
    def envchange(kind, new, old):
        body = bytes([kind, len(new)]) + ucs2(new) + bytes([len(old)]) + ucs2(old)
        return b"\xe3" + struct.pack("<H", len(body)) + body

    ack_body = (b"\x01" + bytes([0x74, 0x00, 0x00, 0x04]) + bytes([len(prog)]) + ucs2(prog)
                + bytes([16, 0, 0x10, 0x00]))
    collation = b"\x07" + bytes([5]) + b"\x09\x04\xd0\x00\x34" + b"\x00"
    return (envchange(1, "master", "")
            + b"\xe3" + struct.pack("<H", len(collation)) + collation
            + b"\xad" + struct.pack("<H", len(ack_body)) + ack_body
            + (routing_envchange(route) if route else b"")
            + envchange(4, "4096", "4096")
            + done_token(0, 0, 0, wide))


def login_error_response(wide, user="sa"):
    """ERROR token (MS-TDS 2.2.7.10) and a DONE with DONE_ERROR: what SQL
    Server sends for a failed login. Number 18456, class 14, state 1: SQL
    Server tells the client state 1 whatever the cause and writes the real
    one (8 for a wrong password) to its error log (Microsoft's
    MSSQLSERVER_18456 article)."""
    msg, server = "Login failed for user '%s'." % user, "tdstls-lab"
    body = (struct.pack("<IBB", 18456, 1, 14) + struct.pack("<H", len(msg)) + ucs2(msg)
            + bytes([len(server)]) + ucs2(server) + bytes([0])
            + struct.pack("<I" if wide else "<H", 1))
    return b"\xaa" + struct.pack("<H", len(body)) + body + done_token(0x02, 0, 0, wide)


def login7_sspi(login7):
    """The SSPI blob of a LOGIN7 that asks for Windows authentication
    (OptionFlags2 fIntSecurity; ibSSPI/cbSSPI at offsets 78/80, cbSSPILong at
    90 when cbSSPI is 0xFFFF: MS-TDS 2.2.6.4), else b''."""
    if len(login7) < 94 or not login7[25] & 0x80:
        return b""
    offset, length = struct.unpack("<HH", login7[78:82])
    if length == 0xFFFF:
        length = struct.unpack("<I", login7[90:94])[0]
    return login7[offset:offset + length]


# What Windows sends in a CHALLENGE ([MS-NLMP] 2.2.1.2): Unicode, NTLM, sign,
# always sign, target type domain, extended session security, target info,
# version, 128-bit, key exchange, 56-bit.
NTLM_CHALLENGE_FLAGS = 0xE28A8215


def ntlm_challenge():
    """An NTLM CHALLENGE for domain LAB from server SQLLAB; the lab checks no
    response, so the server challenge is fixed."""
    def av(av_id, value):
        return struct.pack("<HH", av_id, len(value)) + value
    target = ucs2("LAB")
    info = (av(2, ucs2("LAB")) + av(1, ucs2("SQLLAB")) + av(4, ucs2("lab.local"))
            + av(3, ucs2("sqllab.lab.local")) + av(7, struct.pack("<Q", 133000000000000000)) + av(0, b""))
    fixed = 56
    return (b"NTLMSSP\0" + struct.pack("<I", 2) + struct.pack("<HHI", len(target), len(target), fixed)
            + struct.pack("<I", NTLM_CHALLENGE_FLAGS) + bytes.fromhex("0123456789abcdef") + bytes(8)
            + struct.pack("<HHI", len(info), len(info), fixed + len(target))
            + bytes([10, 0, 0x63, 0x45, 0, 0, 0, 15]) + target + info)


def ntlm_names(authenticate):
    """Domain, user and workstation of an NTLM AUTHENTICATE ([MS-NLMP]
    2.2.1.3), for the ground truth."""
    if len(authenticate) < 64 or not authenticate.startswith(b"NTLMSSP\0") or authenticate[8] != 3:
        return {"ntlm": "not an AUTHENTICATE"}
    flags = struct.unpack("<I", authenticate[60:64])[0]
    out = {}
    for name, at in (("ntlm_domain", 28), ("ntlm_user", 36), ("ntlm_workstation", 44)):
        length, _, offset = struct.unpack("<HHI", authenticate[at:at + 8])
        raw = authenticate[offset:offset + length]
        out[name] = raw.decode("utf-16-le" if flags & 1 else "latin-1", "replace")
    return out


def gss_login(read_message, send_message, sspi, peek):
    """A login through GSSAPI (python3-gssapi; make_corpus.sh group
    kerberos): Kerberos, checked with the service key of the keytab
    KRB5_KTNAME names (a lab KDC), or SPNEGO, whose NTLM (gss-ntlmssp) is
    checked against NTLM_USER_FILE. Each server token goes in an SSPI token
    and the client answers with an SSPI packet (0x11) until the context is
    complete; the last token, if any, goes back beside LOGINACK, in the same
    answer (MS-TDS 2.2.6.8)."""
    import gssapi                           # python3-gssapi: only this group needs it
    ctx = gssapi.SecurityContext(usage="accept")
    token = ctx.step(sspi)
    legs = 0
    while not ctx.complete and legs < 4:
        legs += 1
        send_message(TDS_RESPONSE, b"\xed" + struct.pack("<H", len(token)) + token)
        ptype, answer = read_message()
        if ptype != TDS_SSPI:
            raise Closed()
        if b"NTLMSSP\0" in answer:         # NTLM inside SPNEGO: its AUTHENTICATE names the user
            peek.info.update(ntlm_names(answer[answer.index(b"NTLMSSP\0"):]))
        token = ctx.step(answer)
    if not ctx.complete:
        raise Closed()
    peek.info["sspi_negotiate_len"] = len(sspi)
    peek.info["gss_mech"] = ctx.mech.dotted_form
    peek.info["gss_client"] = str(ctx.initiator_name).rstrip("\0")
    return b"\xed" + struct.pack("<H", len(token)) + token if token else b""


def windows_login(read_message, send_message, sspi, peek):
    """The SSPI exchange of a Windows login; what goes before LOGINACK in the
    answer. NTLM: CHALLENGE in an SSPI token (0xED), the client's
    AUTHENTICATE in an SSPI packet (0x11); anything else goes to GSSAPI."""
    if not sspi.startswith(b"NTLMSSP\0"):
        return gss_login(read_message, send_message, sspi, peek)
    challenge = ntlm_challenge()
    send_message(TDS_RESPONSE, b"\xed" + struct.pack("<H", len(challenge)) + challenge)
    ptype, authenticate = read_message()
    if ptype != TDS_SSPI:
        raise Closed()
    peek.info["sspi_negotiate_len"] = len(sspi)
    peek.info.update(ntlm_names(authenticate))
    return b""


def select_one_response(wide):
    user_type = struct.pack("<I" if wide else "<H", 0)
    colmetadata = b"\x81" + struct.pack("<H", 1) + user_type + struct.pack("<H", 0x0001) + b"\x26\x04" + b"\x00"
    row = b"\xd1" + b"\x04" + struct.pack("<i", 1)
    return colmetadata + row + done_token(0x10, 0xC1, 1, wide)


def answer_batch(ptype, payload, wide):
    """A SELECT gets one INT row (jTDS reads @@MAX_PRECISION at login, and an
    int suits it); anything else (drivers' SET batches) a bare DONE."""
    if ptype == TDS_SQL_BATCH and ucs2("SELECT ") in payload:
        return select_one_response(wide)
    return done_token(0, 0, 0, wide)


def make_context(args):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    if args.dhparams:
        ctx.load_dh_params(args.dhparams)
    if args.ciphers:
        ctx.set_ciphers(args.ciphers)
    versions = {"1.0": ssl.TLSVersion.TLSv1, "1.1": ssl.TLSVersion.TLSv1_1, "1.2": ssl.TLSVersion.TLSv1_2,
                "1.3": ssl.TLSVersion.TLSv1_3}
    if args.tls in ("1.0", "1.1"):
        # OpenSSL 3 allows TLS 1.0 and 1.1 only at security level 0
        ctx.set_ciphers((args.ciphers or "DEFAULT") + ":@SECLEVEL=0")
    if args.tls in versions:
        ctx.minimum_version = ctx.maximum_version = versions[args.tls]
    if args.fail == "alert-after-client-hello":
        # TLS 1.3 only: a TLS 1.2 client (pytds) gets a fatal protocol_version
        # alert from the server, which then closes.
        ctx.minimum_version = ctx.maximum_version = ssl.TLSVersion.TLSv1_3
    if args.strict:
        ctx.set_alpn_protocols(["tds/8.0"])
    else:
        # A TLS 1.3 server sends session tickets after the handshake; inside
        # TDS 7.x they would land after the client has switched to raw TLS.
        # SQL Server sends none there, and neither do we.
        ctx.num_tickets = 0
    if args.keylog:
        ctx.keylog_filename = args.keylog
    return ctx


class TlsInTds:
    """Server TLS driven through memory BIOs, its records carried in TDS."""

    def __init__(self, ctx, wire, carrier_type, peek):
        self.incoming, self.outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        self.tls = ctx.wrap_bio(self.incoming, self.outgoing, server_side=True)
        self.wire, self.carrier_type, self.peek = wire, carrier_type, peek

    def flush_in_tds(self):
        data = self.outgoing.read()
        if data:
            self.peek.feed(data, from_server=True)
            self.wire.send_message(self.carrier_type, data)

    def flush_raw(self):
        data = self.outgoing.read()
        if data:
            self.wire.send(data)

    def feed(self, data, from_client=True):
        if from_client:
            self.peek.feed(data, from_server=False)
        self.incoming.write(data)

    def handshake_step(self):
        """True once the handshake is done."""
        try:
            self.tls.do_handshake()
            return True
        except ssl.SSLWantReadError:
            return False

    def read_raw_record(self):
        header = self.wire.recv_exact(5)
        return header + self.wire.recv_exact(struct.unpack(">H", header[3:5])[0])

    def read_plain(self, n):
        """Decrypted bytes, reading raw TLS records from TCP as needed."""
        out = b""
        while len(out) < n:
            try:
                out += self.tls.read(n - len(out))
            except ssl.SSLWantReadError:
                self.incoming.write(self.read_raw_record())
            except ssl.SSLZeroReturnError:
                raise Closed()
        return out

    def write_plain(self, data):
        self.tls.write(data)
        self.flush_raw()


def abort(sock, how):
    if how == "rst":
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()
    else:
        sock.shutdown(socket.SHUT_WR)
        time.sleep(0.05)
        sock.close()


def serve_tds7(conn, args, ctx, peek):
    wire = Wire(conn, args.packet_size, args.segment, args.split_messages)
    ptype, payload = wire.read_message()
    if ptype != TDS_PRELOGIN:
        raise Closed()
    if args.fail == "fin-before-prelogin-response":
        return abort(conn, "fin")
    client_enc = parse_prelogin(payload).get(0x01, b"\x02")[0]
    if args.encryption == "notsup" or client_enc == ENCRYPT_NOT_SUP:
        answer = ENCRYPT_NOT_SUP
    elif args.encryption == "off":
        answer = ENCRYPT_ON if client_enc in (ENCRYPT_ON, ENCRYPT_REQ) else ENCRYPT_OFF
    else:
        answer = ENCRYPT_REQ
    peek.info["encryption"] = answer
    wire.send_message(TDS_RESPONSE, prelogin_response(answer))

    tls = None
    if answer != ENCRYPT_NOT_SUP:
        carrier = TDS_RESPONSE if args.tls_in_type04 else TDS_PRELOGIN
        tls = TlsInTds(ctx, wire, carrier, peek)
        flights = 0
        while True:
            ptype, payload = wire.read_message()
            flights += 1
            tls.feed(payload)
            if flights == 1 and args.fail == "fin-after-client-hello":
                return abort(conn, "fin")
            if flights == 2 and args.fail in ("fin-after-client-finished", "rst-after-client-finished"):
                return abort(conn, args.fail[:3])
            if flights == 2 and args.fail == "alert-after-client-finished":
                peek.feed(ALERT_BAD_RECORD_MAC, from_server=True)
                wire.send_message(carrier, ALERT_BAD_RECORD_MAC)
                return abort(conn, "fin")
            try:
                done = tls.handshake_step()
            except ssl.SSLError:
                tls.flush_in_tds()  # the alert
                return abort(conn, "fin")
            tls.flush_in_tds()
            if done:
                break

    # LOGIN7: encrypted unless encryption is not supported.
    def read_message():
        if tls is None or not encrypted_now[0]:
            return wire.read_message()
        ptype, payload = None, b""
        while True:
            header = tls.read_plain(8)
            body = tls.read_plain(struct.unpack(">H", header[2:4])[0] - 8)
            ptype, payload = header[0], payload + body
            if header[1] & STATUS_EOM:
                return ptype, payload

    def send_message(ptype, payload):
        if tls is None or not encrypted_now[0]:
            wire.send_message(ptype, payload)
        else:
            tls.write_plain(wire.frame(ptype, payload))

    encrypted_now = [tls is not None]
    ptype, payload = read_message()
    if ptype != TDS_LOGIN7:
        raise Closed()
    if answer == ENCRYPT_OFF:
        encrypted_now[0] = False  # only the login packet is encrypted
    wide = tds72_or_later(payload)
    sspi = login7_sspi(payload)
    before_loginack = windows_login(read_message, send_message, sspi, peek) if sspi else b""
    if args.fail == "login-error":          # the client reads the error and closes
        user = (peek.info.get("gss_client") or "%s\\%s" % (peek.info["ntlm_domain"], peek.info["ntlm_user"])
                if sspi else "sa")
        send_message(TDS_RESPONSE, login_error_response(wide, user))
        peek.info["login_error"] = 18456
        while conn.recv(4096):
            pass
        raise Closed()
    send_message(TDS_RESPONSE, before_loginack + login_response(wide, args.route, PROGRAM_NAMES[args.program]))
    peek.info["program"] = PROGRAM_NAMES[args.program].rstrip("\0")
    if args.route:                          # the client goes elsewhere: it closes first
        peek.info["routed_to"] = args.route
        while conn.recv(4096):
            pass
        raise Closed()
    while True:
        ptype, payload = read_message()
        send_message(TDS_RESPONSE, answer_batch(ptype, payload, wide))


def serve_tds8(conn, args, ctx, peek):
    """TDS 8 strict: TLS first on TCP, TDS inside it."""
    wire = Wire(conn, args.packet_size, args.segment)
    tls = TlsInTds(ctx, wire, None, peek)
    while True:
        tls.feed(tls.read_raw_record())
        try:
            done = tls.handshake_step()
        except ssl.SSLError:
            tls.flush_raw()
            return abort(conn, "fin")
        data = tls.outgoing.read()
        if data:
            peek.feed(data, from_server=True)
            wire.send(data)
        if done:
            break

    def read_message():
        payload = b""
        while True:
            header = tls.read_plain(8)
            payload += tls.read_plain(struct.unpack(">H", header[2:4])[0] - 8)
            if header[1] & STATUS_EOM:
                return header[0], payload

    ptype, _ = read_message()
    if ptype != TDS_PRELOGIN:
        raise Closed()
    tls.write_plain(wire.frame(TDS_RESPONSE, prelogin_response(ENCRYPT_REQ)))
    ptype, payload = read_message()
    if ptype != TDS_LOGIN7:
        raise Closed()
    wide = tds72_or_later(payload)
    sspi = login7_sspi(payload)
    before_loginack = (windows_login(read_message, lambda t, p: tls.write_plain(wire.frame(t, p)), sspi, peek)
                       if sspi else b"")
    tls.write_plain(wire.frame(TDS_RESPONSE, before_loginack + login_response(wide, None, PROGRAM_NAMES[args.program])))
    peek.info["program"] = PROGRAM_NAMES[args.program].rstrip("\0")
    while True:
        ptype, payload = read_message()
        tls.write_plain(wire.frame(TDS_RESPONSE, answer_batch(ptype, payload, wide)))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=1433)
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--dhparams", help="PEM DH parameters (needed for TLS_DHE_* suites)")
    p.add_argument("--ciphers", help="OpenSSL cipher string for TLS <= 1.2, e.g. DHE-RSA-AES256-GCM-SHA384")
    p.add_argument("--tls", choices=["1.0", "1.1", "1.2", "1.3", "any"], default="any")
    p.add_argument("--encryption", choices=["off", "on", "req", "notsup"], default="on")
    p.add_argument("--packet-size", type=int, default=4096, help="largest TDS packet the server sends")
    p.add_argument("--segment", type=int, default=0, help="cut writes into TCP segments of this size")
    p.add_argument("--split-messages", action="store_true",
                   help="end every TDS packet of a TLS flight as a message, so records straddle messages")
    p.add_argument("--tls-in-type04", action="store_true", help="carry server TLS in TDS type 0x04 packets")
    p.add_argument("--strict", action="store_true", help="TDS 8: TLS first, ALPN tds/8.0")
    p.add_argument("--fail", choices=sorted(FAILURES), default="none")
    p.add_argument("--program", choices=sorted(PROGRAM_NAMES), default="lab",
                   help="LOGINACK's program name: the lab's, or SQL Server's (NUL-padded, as SQL Server sends it)")
    p.add_argument("--keylog", help="write TLS secrets here (SSLKEYLOGFILE format)")
    p.add_argument("--connections", type=int, default=0, help="exit after this many (0: run until killed)")
    p.add_argument("--route", metavar="HOST:PORT",
                   help="answer LOGIN7 with a routing ENVCHANGE to HOST:PORT (as Azure SQL's gateway), then wait "
                        "for the client to close")
    p.add_argument("--browser", metavar="INSTANCE",
                   help="also answer SQL Server Browser requests (UDP 1434) for this instance on --port")
    p.add_argument("--browser-answer", choices=["normal", "none", "without-instance"], default="normal",
                   help="none: the Browser reads requests and never answers; without-instance: it answers "
                        "with another instance only (see lab_browser.py)")
    args = p.parse_args()
    if args.packet_size < 9:
        p.error("--packet-size must leave room for the 8-byte TDS header")

    ctx = make_context(args)
    if args.browser:
        import lab_browser
        lab_browser.start(args.browser, args.port, args.browser_answer, args.host)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((args.host, args.port))
    listener.listen(64)
    print(json.dumps({"listening": args.port}), flush=True)
    served = 0
    while args.connections == 0 or served < args.connections:
        conn, peer = listener.accept()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn.settimeout(20)
        peek = tls_peek.HandshakePeek()
        peek.info["client_port"] = peer[1]
        peek.info["fail"] = args.fail
        try:
            (serve_tds8 if args.strict else serve_tds7)(conn, args, ctx, peek)
        except (Closed, ConnectionError, socket.timeout, ssl.SSLError, OSError) as e:
            peek.info.setdefault("ended", type(e).__name__)
            if os.environ.get("TDS_LAB_DEBUG"):
                import traceback; traceback.print_exc()
        finally:
            try:
                conn.close()
            except OSError:
                pass
        served += 1
        print(json.dumps(peek.info), flush=True)


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    main()
