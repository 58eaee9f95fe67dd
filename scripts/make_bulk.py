#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Builds a large capture from corpus captures: each copy of a connection gets
its own client address and port and its own time, so every copy is a distinct
TCP connection (its own tcp.stream).

usage: make_bulk.py OUT.pcap CAPTURE:COUNT [CAPTURE:COUNT ...] [--gap SECONDS]

Copies start --gap seconds apart (longer than any corpus connection lasts, so
frames come out in time order and are streamed to disk). Only the client
side's address and port change; the server (the port the first SYN goes
to) stays as it is. Checksums
are not recomputed (Wireshark does not check them by default).

--sqlserver-packet-ids renumbers the server's TDS packets as SQL Server
numbers them: PacketID 1 for the first packet of each message, counting up
within it (MS-TDS 2.2.3.1.5 and its product note 7; the server responses of
its examples carry 1). The lab server that made the corpus numbers them on
across the connection, which leaves single-packet messages unfinished in
stock tds's reassembly table.
"""
import argparse
import os
import struct
import subprocess
import sys
import tempfile

PCAP_HEADER = struct.Struct("<IHHiIII")
RECORD = struct.Struct("<IIII")
ETHERNET = 1


class Unfit(SystemExit):
    """A capture make_bulk cannot copy (not Ethernet, or longer than --gap)."""


def read_pcap(path):
    """Frames of a capture as (seconds, bytes), via editcap -F pcap for pcapng."""
    with tempfile.NamedTemporaryFile(suffix=".pcap") as tmp:
        subprocess.run(["editcap", "-F", "pcap", path, tmp.name], check=True, capture_output=True)
        data = open(tmp.name, "rb").read()
    magic, _, _, _, _, _, linktype = PCAP_HEADER.unpack_from(data)
    if linktype != ETHERNET:
        raise Unfit("%s: link type %d, expected Ethernet" % (path, linktype))
    nano = magic == 0xA1B23C4D
    frames, at = [], PCAP_HEADER.size
    while at + RECORD.size <= len(data):
        sec, frac, incl, _ = RECORD.unpack_from(data, at)
        at += RECORD.size
        frames.append((sec + frac / (1e9 if nano else 1e6), data[at:at + incl]))
        at += incl
    return frames


def tcp_of(frame):
    """(ip offset, tcp offset) of an IPv4/TCP frame, or None."""
    if len(frame) < 14 + 20 + 20 or frame[12:14] != b"\x08\x00" or frame[14 + 9] != 6:
        return None
    ip = 14
    return ip, ip + (frame[ip] & 0x0F) * 4


def server_port_of(frames):
    """The port the capture's first SYN (without ACK) goes to; 1433 when
    the capture holds none."""
    for _, data in frames:
        found = tcp_of(data)
        if found and data[found[1] + 13] & 0x12 == 0x02:
            return struct.unpack_from("!H", data, found[1] + 2)[0]
    return 1433


def client_side(frame, server_port=1433):
    """(ip offset, tcp offset, client is source) of an IPv4/TCP frame, or None."""
    found = tcp_of(frame)
    if not found:
        return None
    ip, tcp = found
    sport, dport = struct.unpack_from("!HH", frame, tcp)
    return ip, tcp, dport == server_port or (sport != server_port and sport > dport)


TLS_TYPES = range(20, 25)


def server_packet_ids(frames, server_port):
    """{frame index: {payload offset: PacketID}} renumbering the server's TDS
    packets per message. Walks the server's byte stream (in TCP sequence
    order) unit by unit: a TLS record (raw, as in TDS 8 or after a TDS 7
    handshake) is skipped whole, a TDS packet gets its number."""
    stream, where, isn = bytearray(), [], None     # where: (frame index, stream offset, payload offset, length)
    for i, (_, data) in enumerate(frames):
        found = client_side(data, server_port)
        if not found or found[2]:
            continue
        ip, tcp, _ = found
        seq, flags = struct.unpack_from("!I", data, tcp + 4)[0], data[tcp + 13]
        if flags & 0x02:                                 # SYN+ACK: the server's initial sequence number
            isn = seq + 1
            continue
        payload = tcp + (data[tcp + 12] >> 4) * 4
        end = ip + struct.unpack_from("!H", data, ip + 2)[0]
        if isn is None or end <= payload:
            continue
        rel = (seq - isn) & 0xFFFFFFFF
        if rel != len(stream):                           # only an in-order stream is renumbered
            return {}
        where.append((i, rel, payload, end - payload))
        stream += data[payload:end]
    ids, at, next_id = {}, 0, 1
    while at + 8 <= len(stream):
        if stream[at] in TLS_TYPES and stream[at + 1] == 3:
            at += 5 + struct.unpack_from("!H", stream, at + 3)[0]
            continue
        length = struct.unpack_from("!H", stream, at + 2)[0]
        if length < 8:
            break
        ids[at + 6] = next_id
        next_id = 1 if stream[at + 1] & 0x01 else (next_id + 1) & 0xFF
        at += length
    patches = {}
    for i, rel, payload, length in where:
        for pos in range(rel, rel + length):
            if pos in ids:
                patches.setdefault(i, {})[payload + pos - rel] = ids[pos]
    return patches


def renumber(frame, patches):
    b = bytearray(frame)
    for offset, packet_id in patches.items():
        b[offset] = packet_id
    return bytes(b)


def retarget(frame, client_ip, client_port, server_port):
    found = client_side(frame, server_port)
    if not found:
        return frame
    ip, tcp, client_is_src = found
    b = bytearray(frame)
    b[ip + (12 if client_is_src else 16):ip + (16 if client_is_src else 20)] = client_ip
    struct.pack_into("!H", b, tcp + (0 if client_is_src else 2), client_port)
    return bytes(b)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("parts", nargs="+", help="CAPTURE:COUNT")
    ap.add_argument("--gap", type=float, default=1.0, help="seconds between connection starts")
    ap.add_argument("--skip-unfit", action="store_true",
                    help="leave out (with a note) captures that are not Ethernet or last longer than --gap")
    ap.add_argument("--sqlserver-packet-ids", action="store_true",
                    help="number the server's TDS packets per message, as SQL Server does")
    args = ap.parse_args()

    plan = []                                  # (frames of one connection, copies)
    for part in args.parts:
        path, count = part.rsplit(":", 1)
        try:
            frames = read_pcap(path)
            if not frames:
                raise Unfit("%s: no frames" % path)
            if frames[-1][0] - frames[0][0] >= args.gap:
                raise Unfit("%s lasts longer than --gap %s s" % (path, args.gap))
        except Unfit as e:
            if not args.skip_unfit:
                raise
            print("make_bulk: left out: %s" % e, file=sys.stderr)
            continue
        server_port = server_port_of(frames)
        if args.sqlserver_packet_ids:
            patches = server_packet_ids(frames, server_port)
            frames = [(t, renumber(data, patches.get(i, {}))) for i, (t, data) in enumerate(frames)]
        plan.append((frames, int(count), server_port))
    n = written = 0
    base = 1_700_000_000
    with open(args.out + ".tmp", "wb") as out:
        out.write(PCAP_HEADER.pack(0xA1B2C3D4, 2, 4, 0, 0, 262144, ETHERNET))
        for frames, count, server_port in plan:
            start = frames[0][0]
            for _ in range(count):
                # 50,000 ports per client address 127.1.x.y
                client_ip = bytes([127, 1, (n // 50000) // 255 % 256, (n // 50000) % 255 + 1])
                client_port = 10000 + n % 50000
                for t, data in frames:
                    usec = int(round((n * args.gap + t - start) * 1e6))
                    out.write(RECORD.pack(base + usec // 1000000, usec % 1000000, len(data), len(data)))
                    out.write(retarget(data, client_ip, client_port, server_port))
                    written += 1
                n += 1
    os.replace(args.out + ".tmp", args.out)
    print("%s: %d connections, %d frames" % (args.out, n, written))


if __name__ == "__main__":
    main()
