#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A listener for TDS 4.2/5.0 clients (Sybase ASE's protocol; FreeTDS with
TDSVER=5.0): it reads each connection's login packets (type 0x02) up to the
last one (status EOM) and closes. It speaks no TDS 5.0; the captures it
helps make show a Sybase-style login on 1433, which tdstls leaves to
Wireshark's TDS dissector.

usage: lab_tds5_server.py PORT            (serves until killed)
"""
import socket
import struct
import sys


def read_exactly(conn, n):
    data = b""
    while len(data) < n:
        more = conn.recv(n - len(data))
        if not more:
            raise EOFError
        data += more
    return data


def serve(conn):
    conn.settimeout(10)
    try:
        while True:
            kind, status, length = struct.unpack("!BBH", read_exactly(conn, 4))
            read_exactly(conn, max(length, 8) - 4)
            if kind != 0x02 or status & 0x01:
                break
    except (EOFError, OSError, struct.error):
        pass
    conn.close()


def main():
    if len(sys.argv) != 2 or not sys.argv[1].isdigit():
        sys.exit("usage: lab_tds5_server.py PORT")
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", int(sys.argv[1])))
    listener.listen(4)
    while True:
        conn, _ = listener.accept()
        serve(conn)


if __name__ == "__main__":
    main()
