#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Reshape an Ethernet capture as networks and capture tools reshape them,
to check that tdstls shows the same on each shape. The payload and the TCP
segments stay as they were; only the link and network layers change.

usage: reshape_capture.py SHAPE OUT IN [IN ...]

SHAPE is one of:
  vlan        every frame with an 802.1Q tag (VLAN 100)
  sll         Linux cooked capture v1 (what `tcpdump -i any` wrote until libpcap 1.10)
  sll2        Linux cooked capture v2 (`tcpdump -i any` since libpcap 1.10)
  null        BSD loopback, as Npcap captures Windows loopback (a 4-byte address family)
  ipv6        IPv4 turned into IPv6 (fd00::a.b.c.d), TCP checksums recomputed
  twice       every frame captured twice, as Docker bridges and `netsh trace` on Hyper-V do
  drop:N,...  frames N,... (1-based) missing, as a capture that lost them
  mss:N       every TCP payload longer than N bytes cut into segments of N bytes (IPv4), as a
              path with a small MSS carries a large TDS packet
  interleave  several captures in one file, their connections overlapping in time (1 ms
              apart), as on a busy server

IN is pcap or pcapng with Ethernet frames (editcap converts it first); OUT is
a nanosecond pcap.
"""
import os
import struct
import subprocess
import sys
import tempfile

LINKTYPE_NULL, LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2 = 0, 1, 113, 276
ETH_IPV4, ETH_IPV6, ETH_VLAN = 0x0800, 0x86DD, 0x8100


def read_frames(path):
    """[(ns since the epoch, captured bytes, original length)] of an Ethernet capture."""
    with tempfile.TemporaryDirectory() as tmp:
        pcap = os.path.join(tmp, "in.pcap")
        subprocess.run(["editcap", "-F", "nsecpcap", path, pcap], check=True, capture_output=True)
        data = open(pcap, "rb").read()
    magic, = struct.unpack_from("<I", data, 0)
    if magic != 0xA1B23C4D:
        raise SystemExit("%s: editcap wrote no little-endian nanosecond pcap" % path)
    link, = struct.unpack_from("<I", data, 20)
    if link != LINKTYPE_ETHERNET:
        raise SystemExit("%s: link type %d; reshape_capture.py reads Ethernet captures" % (path, link))
    frames, at = [], 24
    while at + 16 <= len(data):
        sec, nsec, incl, orig = struct.unpack_from("<IIII", data, at)
        frames.append((sec * 10**9 + nsec, data[at + 16:at + 16 + incl], orig))
        at += 16 + incl
    return frames


def write_frames(path, link, frames):
    out = [struct.pack("<IHHiIII", 0xA1B23C4D, 2, 4, 0, 0, 262144, link)]
    for ns, pkt, orig in frames:
        out.append(struct.pack("<IIII", ns // 10**9, ns % 10**9, len(pkt), orig) + pkt)
    with open(path, "wb") as f:
        f.write(b"".join(out))


def vlan(pkt):
    return pkt[:12] + struct.pack("!HH", ETH_VLAN, 100) + pkt[12:], 4


def sll(pkt):
    # packet type 0 (to us), ARPHRD_ETHER, the source MAC, the EtherType
    return struct.pack("!HHH", 0, 1, 6) + pkt[6:12] + b"\0\0" + pkt[12:14] + pkt[14:], 2


def sll2(pkt):
    # EtherType, reserved, interface 1, ARPHRD_ETHER, packet type 0, the source MAC
    return pkt[12:14] + b"\0\0" + struct.pack("!IHBB", 1, 1, 0, 6) + pkt[6:12] + b"\0\0" + pkt[14:], 6


def null(pkt):
    family = 2 if struct.unpack_from("!H", pkt, 12)[0] == ETH_IPV4 else 24
    return struct.pack("<I", family) + pkt[14:], -10


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def ipv6(pkt):
    if struct.unpack_from("!H", pkt, 12)[0] != ETH_IPV4 or len(pkt) < 34:
        return pkt, 0
    ip = pkt[14:]
    ihl = (ip[0] & 0x0F) * 4
    total, = struct.unpack_from("!H", ip, 2)
    proto = ip[9]
    src, dst = (b"\xfd" + b"\0" * 11 + ip[12:16]), (b"\xfd" + b"\0" * 11 + ip[16:20])
    payload = bytearray(ip[ihl:])
    length = total - ihl
    if proto == 6 and len(payload) >= 20 and len(payload) == length:   # whole segments: the checksum anew
        struct.pack_into("!H", payload, 16, 0)
        pseudo = src + dst + struct.pack("!IxxxB", length, 6)
        struct.pack_into("!H", payload, 16, checksum(pseudo + bytes(payload)))
    header = struct.pack("!IHBB", 6 << 28, length, proto, ip[8]) + src + dst
    return pkt[:12] + struct.pack("!H", ETH_IPV6) + header + bytes(payload), 40 - ihl


def ipv4_tcp(pkt):
    """(IP header offset, IP header length, TCP header length) of an
    Ethernet/IPv4/TCP frame captured whole, or None."""
    if len(pkt) < 34 or struct.unpack_from("!H", pkt, 12)[0] != ETH_IPV4 or pkt[23] != 6:
        return None
    ihl = (pkt[14] & 0x0F) * 4
    total, = struct.unpack_from("!H", pkt, 16)
    if len(pkt) != 14 + total or len(pkt) < 14 + ihl + 20:
        return None
    return 14, ihl, (pkt[14 + ihl + 12] >> 4) * 4


def cut_segments(frame, mss):
    """The frame, or its TCP payload cut into segments of mss bytes: each
    with the sequence number of its first byte, PSH and FIN on the last."""
    ns, pkt, orig = frame
    shape = ipv4_tcp(pkt)
    if not shape:
        return [frame]
    ip, ihl, thl = shape
    tcp = ip + ihl
    payload = pkt[tcp + thl:]
    if len(payload) <= mss:
        return [frame]
    seq, = struct.unpack_from("!I", pkt, tcp + 4)
    flags = pkt[tcp + 13]
    out = []
    for k, at in enumerate(range(0, len(payload), mss)):
        piece = payload[at:at + mss]
        last = at + mss >= len(payload)
        head = bytearray(pkt[:tcp + thl])
        struct.pack_into("!H", head, ip + 2, ihl + thl + len(piece))
        struct.pack_into("!H", head, ip + 10, 0)
        struct.pack_into("!H", head, ip + 10, checksum(bytes(head[ip:ip + ihl])))
        struct.pack_into("!I", head, tcp + 4, (seq + at) & 0xFFFFFFFF)
        head[tcp + 13] = flags if last else flags & ~0x09          # PSH and FIN on the last piece only
        segment = bytearray(head[tcp:]) + piece
        struct.pack_into("!H", segment, 16, 0)
        pseudo = bytes(head[ip + 12:ip + 20]) + struct.pack("!xBH", 6, len(segment))
        struct.pack_into("!H", segment, 16, checksum(pseudo + bytes(segment)))
        new = bytes(head[:tcp]) + bytes(segment)
        out.append((ns + k, new, len(new)))
    return out


RESHAPE = {"vlan": (vlan, LINKTYPE_ETHERNET), "sll": (sll, LINKTYPE_LINUX_SLL),
           "sll2": (sll2, LINKTYPE_LINUX_SLL2), "null": (null, LINKTYPE_NULL), "ipv6": (ipv6, LINKTYPE_ETHERNET)}


def main():
    if len(sys.argv) < 4:
        print(__doc__.strip().split("\n\n")[1], file=sys.stderr)
        sys.exit(2)
    shape, out, inputs = sys.argv[1], sys.argv[2], sys.argv[3:]
    if shape != "interleave" and len(inputs) != 1:
        raise SystemExit("reshape_capture.py %s: one input capture, %d given" % (shape, len(inputs)))
    if shape in RESHAPE:
        fn, link = RESHAPE[shape]
        frames = []
        for ns, pkt, orig in read_frames(inputs[0]):
            new, grown = fn(pkt)
            frames.append((ns, new, orig + grown))
        write_frames(out, link, frames)
    elif shape == "twice":
        write_frames(out, LINKTYPE_ETHERNET, [f for f in read_frames(inputs[0]) for _ in range(2)])
    elif shape.startswith("mss:") and shape[4:].isdigit() and int(shape[4:]) > 0:
        mss = int(shape[4:])
        write_frames(out, LINKTYPE_ETHERNET, [f for frame in read_frames(inputs[0]) for f in cut_segments(frame, mss)])
    elif shape.startswith("drop:"):
        gone = {int(n) for n in shape[5:].split(",")}
        write_frames(out, LINKTYPE_ETHERNET, [f for i, f in enumerate(read_frames(inputs[0]), 1) if i not in gone])
    elif shape == "interleave":
        merged = []
        for k, path in enumerate(inputs):
            frames = read_frames(path)
            t0 = frames[0][0] if frames else 0
            # each capture starts 1 ms after the one before; the order within each is kept
            merged += [(10**18 + k * 10**6 + ns - t0, k, i, pkt, orig) for i, (ns, pkt, orig) in enumerate(frames)]
        merged.sort()
        write_frames(out, LINKTYPE_ETHERNET, [(ns, pkt, orig) for ns, _, _, pkt, orig in merged])
    else:
        raise SystemExit("reshape_capture.py: unknown shape %r (vlan, sll, sll2, null, ipv6, twice, drop:N, mss:N, "
                         "interleave)" % shape)


if __name__ == "__main__":
    main()
