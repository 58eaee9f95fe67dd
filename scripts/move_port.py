#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Move a capture's TCP port: every TCP segment from or to port FROM gets
port TO instead, checksum updated (RFC 1624), nothing else changed. Reads
and writes pcap and pcapng alike (pcapng stays pcapng, comments and all),
Ethernet (VLAN tags too), Linux cooked and raw IP.

usage: move_port.py IN OUT FROM:TO [FROM:TO ...]

What a SQL Server on a named instance, an Azure redirect or a listener
looks like, from a capture made on 1433: the test suite runs over such
copies (tests/tshark_tests.py --move-ports).
"""
import struct
import sys

LINKTYPE_ETHERNET, LINKTYPE_RAW, LINKTYPE_LINUX_SLL, LINKTYPE_IPV4, LINKTYPE_IPV6 = 1, 101, 113, 228, 229


def ip_offset(link, pkt):
    """Offset of the IP header in a frame, or None."""
    if link == LINKTYPE_ETHERNET:
        at, ethertype = 14, struct.unpack_from("!H", pkt, 12)[0] if len(pkt) >= 14 else 0
        while ethertype in (0x8100, 0x88A8) and len(pkt) >= at + 4:
            ethertype = struct.unpack_from("!H", pkt, at + 2)[0]
            at += 4
        return at if ethertype in (0x0800, 0x86DD) else None
    if link == LINKTYPE_LINUX_SLL:
        return 16 if len(pkt) >= 16 and struct.unpack_from("!H", pkt, 14)[0] in (0x0800, 0x86DD) else None
    if link in (LINKTYPE_RAW, LINKTYPE_IPV4, LINKTYPE_IPV6):
        return 0
    return None


def tcp_offset(pkt, at):
    """Offset of the TCP header after the IP header at `at`, or None."""
    if len(pkt) < at + 20:
        return None
    version = pkt[at] >> 4
    if version == 4:
        if pkt[at + 9] != 6 or struct.unpack_from("!H", pkt, at + 6)[0] & 0x1FFF:   # not TCP, or a fragment
            return None
        return at + (pkt[at] & 0x0F) * 4
    if version == 6 and len(pkt) >= at + 40 and pkt[at + 6] == 6:        # no extension headers
        return at + 40
    return None


def fold(x):
    while x >> 16:
        x = (x & 0xFFFF) + (x >> 16)
    return x


MOVED = [0]     # segments moved, for the summary line


def move(link, pkt, moves):
    """The frame with its TCP ports moved; the same bytes when nothing moves."""
    at = ip_offset(link, pkt)
    tcp = tcp_offset(pkt, at) if at is not None else None
    if tcp is None or len(pkt) < tcp + 4:
        return pkt
    out = bytearray(pkt)
    has_checksum = len(pkt) >= tcp + 18
    checksum = struct.unpack_from("!H", out, tcp + 16)[0] if has_checksum else 0
    changed = False
    for field in (tcp, tcp + 2):
        old = struct.unpack_from("!H", out, field)[0]
        new = moves.get(old)
        if new is None:
            continue
        struct.pack_into("!H", out, field, new)
        changed = True
        if has_checksum:    # RFC 1624: HC' = ~(~HC + ~m + m')
            checksum = ~fold((~checksum & 0xFFFF) + (~old & 0xFFFF) + new) & 0xFFFF
    if has_checksum:
        struct.pack_into("!H", out, tcp + 16, checksum)
    MOVED[0] += changed
    return bytes(out)


def pcap(data, moves):
    magic = data[:4]
    endian = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    link = struct.unpack_from(endian + "I", data, 20)[0] & 0x0FFFFFFF
    out, at = [data[:24]], 24
    while at + 16 <= len(data):
        caplen = struct.unpack_from(endian + "I", data, at + 8)[0]
        out.append(data[at:at + 16])
        out.append(move(link, data[at + 16:at + 16 + caplen], moves))
        at += 16 + caplen
    out.append(data[at:])
    return b"".join(out)


def pcapng(data, moves):
    out, at, endian, links = [], 0, "<", []
    while at + 12 <= len(data):
        btype = struct.unpack_from(endian + "I", data, at)[0]
        if btype == 0x0A0D0D0A:                                     # section header: byte order, new interfaces
            endian = "<" if data[at + 8:at + 12] == b"\x4d\x3c\x2b\x1a" else ">"
            links = []
        blen = struct.unpack_from(endian + "I", data, at + 4)[0]
        if blen < 12 or at + blen > len(data):
            break
        block = data[at:at + blen]
        if btype == 1:                                              # interface description
            links.append(struct.unpack_from(endian + "H", block, 8)[0])
        elif btype == 6 and blen >= 32:                             # enhanced packet
            iface, caplen = struct.unpack_from(endian + "I", block, 8)[0], struct.unpack_from(endian + "I", block, 20)[0]
            if iface < len(links) and 28 + caplen <= blen:
                block = block[:28] + move(links[iface], block[28:28 + caplen], moves) + block[28 + caplen:]
        out.append(block)
        at += blen
    out.append(data[at:])
    return b"".join(out)


def main():
    if len(sys.argv) < 4:
        sys.exit("usage: move_port.py IN OUT FROM:TO [FROM:TO ...]\n" + __doc__)
    moves = {}
    for arg in sys.argv[3:]:
        a, b = arg.split(":")
        moves[int(a)] = int(b)
    with open(sys.argv[1], "rb") as f:
        data = f.read()
    if data[:4] == b"\x0a\x0d\x0d\x0a":
        moved = pcapng(data, moves)
    elif data[:4] in (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d"):
        moved = pcap(data, moves)
    else:
        sys.exit("%s: not a pcap or pcapng file" % sys.argv[1])
    with open(sys.argv[2], "wb") as f:
        f.write(moved)
    print("%s: %d TCP segments moved" % (sys.argv[2], MOVED[0]))


if __name__ == "__main__":
    main()
