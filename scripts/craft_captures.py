#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Hand-crafted captures, for cases no real stack here produces on demand.
Each file is named crafted-*.pcap and listed in test-captures/README.md.

usage: craft_captures.py OUTDIR

crafted-dhe-ys-short.pcap: a complete, otherwise normal TDS 7.4 login with
TLS_DHE_RSA_WITH_AES_256_GCM_SHA384 whose ServerKeyExchange carries dh_Ys in
the minimal encoding, one byte shorter than p (what a GnuTLS or Schannel
server writes when Y has a leading zero byte). The lab server is OpenSSL,
which pads, so this encoding cannot be had from it. The encrypted parts are
random bytes: Wireshark cannot decrypt them and does not need to.

crafted-dhe-ys-short-port51433.pcap: the same bytes with the server on TCP
51433, where nothing decodes TDS until the user says Decode As ... tdstls.

crafted-hostile-lengths.pcap: eight connections, each with one absurd length
(TDS, TLS record, handshake message, DH p and Ys, suite list) after a normal
PRELOGIN exchange. They must show as malformed or expert info, never crash.

crafted-retransmit-reorder.pcap: the crafted DHE login with the server's
flight retransmitted and two client segments swapped.

crafted-login7-ntlm-flag-off.pcap: tedious-ntlm-no-tls.pcapng (a real NTLM
login without TLS) with one bit cleared: LOGIN7's fIntSecurity flag, so the
flag says SQL Server authentication while the SSPI data still holds NTLM.
No client here sends that contradiction.
"""
import json
import os
import random
import struct
import sys

from reshape_capture import LINKTYPE_ETHERNET, read_frames, write_frames
from reshape_capture import checksum as csum  # the Internet checksum (RFC 1071)
from tds_lab_server import prelogin_options

CLIENT = ("127.0.0.1", 50123)
# RFC 7919 ffdhe2048 prime
FFDHE2048_P = bytes.fromhex(
    "FFFFFFFFFFFFFFFFADF85458A2BB4A9AAFDC5620273D3CF1D8B9C583CE2D3695A9E13641146433FBCC939DCE249B3EF9"
    "7D2FE363630C75D8F681B202AEC4617AD3DF1ED5D5FD65612433F51F5F066ED0856365553DED1AF3B557135E7F57C935"
    "984F0C70E0E68B77E2A689DAF3EFE8721DF158A136ADE73530ACCA4F483A797ABC0AB182B324FB61D108A94BB2C8E3FB"
    "B96ADAB760D7F4681D4F42A3DE394DF4AE56EDE76372BB190B07A7C8EE0A6D709E02FCE1CDF7E2ECC03404CD28342F61"
    "9172FE9CE98583FF8E4F1232EEF28183C3FE3B1B4C6FAD733BB5FCBC2EC22005C58EF1837D1683B2C6F34A26C1B2EFFA"
    "886B423861285C97FFFFFFFFFFFFFFFF")




class TcpConversation:
    """Ethernet/IPv4/TCP frames of one connection with consistent numbering."""

    def __init__(self, server_port, client_port=50123, t0=1_700_000_000.0):
        global SERVER, CLIENT
        SERVER = ("127.0.0.1", server_port)
        CLIENT = ("127.0.0.1", client_port)
        self.frames, self.t = [], t0
        self.seq = {CLIENT: 1000, SERVER: 5000}

    def _frame(self, src, dst, flags, payload=b""):
        peer = SERVER if src == CLIENT else CLIENT
        ack = self.seq[peer] if flags != 0x02 else 0
        tcp = struct.pack("!HHIIBBHHH", src[1], dst[1], self.seq[src], ack, 5 << 4, flags, 65535, 0, 0)
        pseudo = struct.pack("!4s4sBBH", bytes(map(int, src[0].split("."))), bytes(map(int, dst[0].split("."))),
                             0, 6, len(tcp) + len(payload))
        tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp + payload)) + tcp[18:]
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), 0, 0x4000, 64, 6, 0,
                         bytes(map(int, src[0].split("."))), bytes(map(int, dst[0].split("."))))
        ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
        eth = b"\0" * 12 + b"\x08\x00"
        self.t += 0.001
        self.frames.append((self.t, eth + ip + tcp + payload))
        self.seq[src] += len(payload) + (1 if flags & 0x03 else 0)

    def handshake(self):
        self._frame(CLIENT, SERVER, 0x02)
        self._frame(SERVER, CLIENT, 0x12)
        self._frame(CLIENT, SERVER, 0x10)

    def send(self, src, data):
        dst = SERVER if src == CLIENT else CLIENT
        self._frame(src, dst, 0x18, data)
        self._frame(dst, src, 0x10)

    def close(self, first):
        other = SERVER if first == CLIENT else CLIENT
        self._frame(first, other, 0x11)
        self._frame(other, first, 0x11)
        self._frame(first, other, 0x10)

    def write(self, path):
        write_pcap(path, self.frames)


def write_pcap(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for t, data in frames:
            f.write(struct.pack("<IIII", int(t), int((t % 1) * 1e6), len(data), len(data)) + data)


def tds(ptype, payload, packet_id=1):
    return struct.pack(">BBHHBB", ptype, 1, len(payload) + 8, 0, packet_id, 0) + payload


def record(ctype, body):
    return struct.pack(">BHH", ctype, 0x0303, len(body)) + body


def handshake(mtype, body):
    return struct.pack(">B", mtype) + len(body).to_bytes(3, "big") + body


def vec16(b):
    return struct.pack(">H", len(b)) + b


def prelogin(encryption):
    return prelogin_options([(0x00, bytes([16, 0, 0x10, 0, 0, 0])), (0x01, bytes([encryption]))])


def crafted_dhe_ys_short(path, rng, server_port=1433):
    rb = lambda n: bytes(rng.getrandbits(8) for _ in range(n))  # noqa: E731
    c = TcpConversation(server_port)
    c.handshake()
    c.send(CLIENT, tds(0x12, prelogin(1)))
    c.send(SERVER, tds(0x04, prelogin(3)))
    suites = struct.pack(">4H", 0x009F, 0x009E, 0xC030, 0x00FF)
    hello = struct.pack(">H", 0x0303) + rb(32) + b"\x00" + vec16(suites) + b"\x01\x00"
    c.send(CLIENT, tds(0x12, record(22, handshake(1, hello))))
    server_hello = struct.pack(">H", 0x0303) + rb(32) + b"\x00" + struct.pack(">HB", 0x009F, 0)
    certificate = (0).to_bytes(3, "big")   # empty list: random DER would be Malformed in stock X.509
    ys = b"\x5a" + rb(len(FFDHE2048_P) - 2)   # minimal encoding: len(p) - 1 bytes
    ske = vec16(FFDHE2048_P) + vec16(b"\x02") + vec16(ys) + b"\x04\x01" + vec16(rb(256))
    flight = (record(22, handshake(2, server_hello)) + record(22, handshake(11, certificate))
              + record(22, handshake(12, ske)) + record(22, handshake(14, b"")))
    c.send(SERVER, tds(0x12, flight))
    yc = b"\x9c" + rb(len(FFDHE2048_P) - 1)
    client_flight = record(22, handshake(16, vec16(yc))) + record(20, b"\x01") + record(22, rb(40))
    c.send(CLIENT, tds(0x12, client_flight, 2))
    c.send(SERVER, tds(0x12, record(20, b"\x01") + record(22, rb(40)), 2))
    c.send(CLIENT, record(23, rb(250)))   # LOGIN7, encrypted
    c.send(SERVER, record(23, rb(180)))   # login response
    c.send(CLIENT, record(23, rb(70)))    # SELECT 1
    c.send(SERVER, record(23, rb(60)))
    c.close(CLIENT)
    c.write(path)


def crafted_hostile_lengths(path, rng):
    """One connection per absurd length, each after a normal PRELOGIN
    exchange; "c" marks what the client sends, "s" the server."""
    rb = lambda n: bytes(rng.getrandbits(8) for _ in range(n))  # noqa: E731
    hello_ok = struct.pack(">H", 0x0303) + rb(32) + b"\x00" + vec16(struct.pack(">H", 0x009F)) + b"\x01\x00"
    server_hello = record(22, handshake(2, struct.pack(">H", 0x0303) + rb(32) + b"\x00"
                                        + struct.pack(">HB", 0x009F, 0)))
    odd_suites = struct.pack(">H", 0x0303) + rb(32) + b"\x00" + b"\x00\x03\x00\x9f\x00" + b"\x01\x00"
    cases = [
        # TDS header length 3: below its own header
        [("c", struct.pack(">BBHHBB", 0x12, 1, 3, 0, 1, 0) + rb(40))],
        # a TLS record announcing 18000 bytes, 100 delivered, then the end
        [("c", tds(0x12, struct.pack(">BHH", 22, 0x0303, 18000) + rb(100)))],
        # a ClientHello whose handshake length is 2^24 - 1
        [("c", tds(0x12, record(22, b"\x01\xff\xff\xff" + rb(60))))],
        # ServerKeyExchange whose p length (0xFFFF) runs past the message
        [("c", tds(0x12, record(22, handshake(1, hello_ok)))),
         ("s", tds(0x12, server_hello + record(22, handshake(12, b"\xff\xff" + rb(30)))))],
        # ServerKeyExchange with an empty dh_Ys
        [("c", tds(0x12, record(22, handshake(1, hello_ok)))),
         ("s", tds(0x12, server_hello + record(22, handshake(12, vec16(FFDHE2048_P) + vec16(b"\x02") + vec16(b"")))))],
        # a ClientHello whose suite list has an odd length
        [("c", tds(0x12, record(22, handshake(1, odd_suites))))],
        # an empty handshake record, a heartbeat record, a ClientKeyExchange before any hello
        [("c", tds(0x12, record(22, b"") + record(24, rb(20)) + record(22, handshake(16, vec16(rb(256))))))],
        # TDS length 0xFFFF with far less behind it: never completes
        [("c", struct.pack(">BBHHBB", 0x12, 1, 0xFFFF, 0, 1, 0) + rb(200))],
    ]
    frames = []
    for n, steps in enumerate(cases):
        c = TcpConversation(1433, 50200 + n, 1_700_000_000.0 + n)
        c.handshake()
        c.send(CLIENT, tds(0x12, prelogin(1)))
        c.send(SERVER, tds(0x04, prelogin(3)))
        for who, data in steps:
            c.send(CLIENT if who == "c" else SERVER, data)
        c.close(CLIENT)
        frames += c.frames
    write_pcap(path, frames)


def crafted_retransmit_reorder(path, rng):
    """The crafted DHE login with its server flight sent twice (a
    retransmission) and two client segments swapped (out of order)."""
    crafted_dhe_ys_short(path, rng)
    data = open(path, "rb").read()
    header, body, frames = data[:24], data[24:], []
    while body:
        incl = struct.unpack("<I", body[8:12])[0]
        frames.append(body[:16 + incl])
        body = body[16 + incl:]
    big = max(range(len(frames)), key=lambda i: len(frames[i]))        # the server flight
    frames.insert(big + 1, frames[big])                                 # retransmitted
    data_frames = [i for i, f in enumerate(frames) if len(f) > 16 + 54 and i > big + 2]
    a, b = data_frames[0], data_frames[2]
    frames[a], frames[b] = frames[b], frames[a]                         # out of order
    with open(path, "wb") as f:
        f.write(header + b"".join(frames))


def udp_frame(src, dst, payload):
    """Ethernet/IPv4/UDP frame from src to dst ((address, port) pairs)."""
    udp = struct.pack("!HHHH", src[1], dst[1], 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0x4000, 64, 17, 0,
                     bytes(map(int, src[0].split("."))), bytes(map(int, dst[0].split("."))))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return b"\0" * 12 + b"\x08\x00" + ip + udp


def ssrp_response(text):
    data = text.encode("ascii")
    return struct.pack("<BH", 0x05, len(data)) + data


def crafted_ssrp(path):
    """SQL Server Browser messages no client here sends: the DAC request and
    its answer, a broadcast answered by two servers, and malformed ones."""
    client, bcast = ("127.0.0.1", 50001), ("255.255.255.255", 1434)
    server_a, server_b = ("127.0.0.2", 1434), ("127.0.0.3", 1434)
    inst = "ServerName;%s;InstanceName;%s;IsClustered;No;Version;16.0.1000.6;tcp;%d;;"
    messages = [
        (client, server_a, b"\x0f\x01SQLEXPRESS\0"),                          # CLNT_UCAST_DAC
        (server_a, client, struct.pack("<BHBH", 0x05, 6, 0x01, 49173)),          # its answer: DAC port 49173
        (client, bcast, b"\x02"),                                               # CLNT_BCAST_EX
        (server_a, client, ssrp_response(inst % ("A", "SQLEXPRESS", 49172))),
        (server_b, client, ssrp_response(inst % ("B", "MSSQLSERVER", 1433) + inst % ("B", "REPORTS", 50200))),
        (client, server_a, b"\x04" + b"N" * 40 + b"\0"),                       # instance name over 32 bytes
        (server_a, client, struct.pack("<BH", 0x05, 500) + b"ServerName;A;Instanc"),   # RESP_SIZE past the end
    ]
    t = 1_700_000_100.0
    frames = []
    for src, dst, payload in messages:
        t += 0.01
        frames.append((t, udp_frame(src, dst, payload)))
    write_pcap(path, frames)


def crafted_login7_ntlm_flag_off(path, source):
    """source with fIntSecurity (LOGIN7 OptionFlags2, bit 0x80) cleared in
    the client's LOGIN7; every other byte as captured."""
    frames, done = [], False
    for ns, pkt, orig in read_frames(source):
        ihl = (pkt[14] & 0x0F) * 4
        tcp = 14 + ihl
        payload = tcp + (pkt[tcp + 12] >> 4) * 4
        dst_port, = struct.unpack_from("!H", pkt, tcp + 2)
        if not done and dst_port == 1433 and len(pkt) > payload + 8 + 25 and pkt[payload] == 0x10:
            pkt = bytearray(pkt)
            pkt[payload + 8 + 25] &= 0x7F
            pkt, done = bytes(pkt), True
        frames.append((ns, pkt, orig))
    if not done:
        sys.exit("%s: no LOGIN7 to the server" % source)
    write_frames(path, LINKTYPE_ETHERNET, frames)


def main():
    if len(sys.argv) != 2 or not os.path.isdir(sys.argv[1]):
        sys.exit("usage: craft_captures.py OUTDIR   (an existing folder, e.g. test-captures)")
    out = sys.argv[1]
    rng = random.Random(4557473)   # fixed seed: the same bytes every run
    crafted_dhe_ys_short(os.path.join(out, "crafted-dhe-ys-short.pcap"), rng)
    truth = {"file": "crafted-dhe-ys-short.pcap", "client_port": CLIENT[1], "fail": "none", "encryption": 3,
             "suite": "0x009f", "p_len": len(FFDHE2048_P), "ys_len": len(FFDHE2048_P) - 1, "ys_first": 0x5A,
             "yc_len": len(FFDHE2048_P), "yc_first": 0x9C}
    crafted_hostile_lengths(os.path.join(out, "crafted-hostile-lengths.pcap"), random.Random(1))
    crafted_retransmit_reorder(os.path.join(out, "crafted-retransmit-reorder.pcap"), random.Random(4557473))
    crafted_ssrp(os.path.join(out, "crafted-ssrp-dac-broadcast-malformed.pcap"))
    corpus = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test-captures")
    crafted_login7_ntlm_flag_off(os.path.join(out, "crafted-login7-ntlm-flag-off.pcap"),
                                 os.path.join(corpus, "tedious-ntlm-no-tls.pcapng"))
    # The same login on a port no dissector knows, for Decode As.
    crafted_dhe_ys_short(os.path.join(out, "crafted-dhe-ys-short-port51433.pcap"), random.Random(4557473), 51433)
    with open(os.path.join(out, "ground-truth.jsonl"), "a") as f:
        f.write(json.dumps(truth, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
