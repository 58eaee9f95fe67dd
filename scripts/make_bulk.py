#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Builds a large capture from corpus captures: each copy of a connection gets
its own client address and port and its own time, so every copy is a distinct
TCP connection (its own tcp.stream).

usage: make_bulk.py OUT.pcap CAPTURE:COUNT [CAPTURE:COUNT ...] [--gap SECONDS]

Copies start --gap seconds apart (longer than any corpus connection lasts, so
frames come out in time order and are streamed to disk). Only the client
side's address and port change; the server stays 127.0.0.1:1433. Checksums
are not recomputed (Wireshark does not check them by default).
"""
import argparse
import os
import struct
import subprocess
import tempfile

PCAP_HEADER = struct.Struct("<IHHiIII")
RECORD = struct.Struct("<IIII")
ETHERNET = 1


def read_pcap(path):
    """Frames of a capture as (seconds, bytes), via editcap -F pcap for pcapng."""
    with tempfile.NamedTemporaryFile(suffix=".pcap") as tmp:
        subprocess.run(["editcap", "-F", "pcap", path, tmp.name], check=True, capture_output=True)
        data = open(tmp.name, "rb").read()
    magic, _, _, _, _, _, linktype = PCAP_HEADER.unpack_from(data)
    if linktype != ETHERNET:
        raise SystemExit("%s: link type %d, expected Ethernet" % (path, linktype))
    nano = magic == 0xA1B23C4D
    frames, at = [], PCAP_HEADER.size
    while at + RECORD.size <= len(data):
        sec, frac, incl, _ = RECORD.unpack_from(data, at)
        at += RECORD.size
        frames.append((sec + frac / (1e9 if nano else 1e6), data[at:at + incl]))
        at += incl
    return frames


def client_side(frame):
    """(ip offset, tcp offset, client is source) of an IPv4/TCP frame, or None."""
    if len(frame) < 14 + 20 + 20 or frame[12:14] != b"\x08\x00" or frame[14 + 9] != 6:
        return None
    ip = 14
    tcp = ip + (frame[ip] & 0x0F) * 4
    sport, dport = struct.unpack_from("!HH", frame, tcp)
    return ip, tcp, dport == 1433 or (sport != 1433 and sport > dport)


def retarget(frame, client_ip, client_port):
    found = client_side(frame)
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
    args = ap.parse_args()

    plan = []                                  # (frames of one connection, copies)
    for part in args.parts:
        path, count = part.rsplit(":", 1)
        frames = read_pcap(path)
        if frames[-1][0] - frames[0][0] >= args.gap:
            raise SystemExit("%s lasts longer than --gap %s s" % (path, args.gap))
        plan.append((frames, int(count)))
    n = written = 0
    base = 1_700_000_000
    with open(args.out + ".tmp", "wb") as out:
        out.write(PCAP_HEADER.pack(0xA1B2C3D4, 2, 4, 0, 0, 262144, ETHERNET))
        for frames, count in plan:
            start = frames[0][0]
            for _ in range(count):
                # 50,000 ports per client address 127.1.x.y
                client_ip = bytes([127, 1, (n // 50000) // 255 % 256, (n // 50000) % 255 + 1])
                client_port = 10000 + n % 50000
                for t, data in frames:
                    usec = int(round((n * args.gap + t - start) * 1e6))
                    out.write(RECORD.pack(base + usec // 1000000, usec % 1000000, len(data), len(data)))
                    out.write(retarget(data, client_ip, client_port))
                    written += 1
                n += 1
    os.replace(args.out + ".tmp", args.out)
    print("%s: %d connections, %d frames" % (args.out, n, written))


if __name__ == "__main__":
    main()
