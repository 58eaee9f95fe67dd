#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A binary protocol that is not TDS, for the negative captures: messages of
a type byte, a status byte, a 2-byte big-endian total length and a body,
echoed back. Its first message has a TDS PRELOGIN header (type 0x12,
status 0x01, a right length) over a body that is no PRELOGIN option
table; another is a TLS handshake record header over zeros: what a careless
heuristic would take for SQL Server.

usage: lab_binary_server.py PORT            (serves until killed)
       lab_binary_server.py PORT --client   (sends the messages, reads the echoes)
"""
import os
import random
import socket
import struct
import sys

# the client's messages: type, status, body
MESSAGES = [(0x12, 0x01, bytes(range(1, 40))),
            (0x16, 0x03, b"\x01\x00\x40" + bytes(64)),
            (0x42, 0x00, random.Random(20261202).randbytes(300))]


def frame(kind, status, body):
    return struct.pack("!BBH", kind, status, 4 + len(body)) + body


def read_message(conn):
    kind, status, length = struct.unpack("!BBH", read_exactly(conn, 4))
    return kind, status, read_exactly(conn, max(length - 4, 0))


def read_exactly(conn, n):
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data


def serve(port):
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(8)
    while True:
        conn, _ = listener.accept()
        with conn:
            try:
                while True:
                    conn.sendall(frame(*read_message(conn)))
            except (ConnectionError, OSError):
                pass


def client(port):
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        for message in MESSAGES:
            conn.sendall(frame(*message))
            read_message(conn)


if __name__ == "__main__":
    if len(sys.argv) < 2 or not sys.argv[1].isdigit():
        sys.exit("usage: lab_binary_server.py PORT [--client]\n" + __doc__)
    (client if "--client" in sys.argv else serve)(int(sys.argv[1]))
    os._exit(0)
