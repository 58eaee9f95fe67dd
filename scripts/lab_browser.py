#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The lab's SQL Server Browser: answers SQL Server Resolution Protocol
([MC-SQLR]) requests on UDP 1434 for one instance of the lab server.

tds_lab_server.py --browser NAME starts it in a thread; alone:
  lab_browser.py NAME TCPPORT [normal|none|without-instance]
ANSWER normal: as SQL Server Browser does (CLNT_BCAST_EX and CLNT_UCAST_EX:
every instance; CLNT_UCAST_INST: the instance named, if it is ours;
CLNT_UCAST_DAC: the DAC port, TCPPORT + 1). none: reads requests, answers
nothing (a stopped Browser behind a firewall that drops UDP 1434).
without-instance: answers every request with another instance only (the
instance asked for is not on this server).
"""
import json
import socket
import struct
import sys
import threading

SERVER_NAME = "LAB"
VERSION = "16.0.1000.6"


def instance_text(name, port):
    return "ServerName;%s;InstanceName;%s;IsClustered;No;Version;%s;tcp;%d;;" % (SERVER_NAME, name, VERSION, port)


def answer(request, name, port, mode):
    """The SVR_RESP to one request, or None."""
    if mode == "none" or not request:
        return None
    kind = request[0]
    if mode == "without-instance":
        text = instance_text("OTHER", port + 100)
    elif kind in (0x02, 0x03):
        text = instance_text(name, port)
    elif kind == 0x04:
        asked = request[1:].split(b"\0")[0].decode("ascii", "replace")
        if asked.upper() != name.upper():
            return None
        text = instance_text(name, port)
    elif kind == 0x0F:                                       # [MC-SQLR] 2.2.6: version 1, the DAC port
        return struct.pack("<BHBH", 0x05, 6, 0x01, port + 1)
    else:
        return None
    data = text.encode("ascii")
    return struct.pack("<BH", 0x05, len(data)) + data


def serve(name, port, mode="normal", host="127.0.0.1"):
    """Answers until killed, and logs each request as a JSON line: what the
    test suite checks the dissector against."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 1434))
    while True:
        request, peer = sock.recvfrom(2048)
        reply = answer(request, name, port, mode)
        if reply:
            sock.sendto(reply, peer)
        asked = request[2 if request[:1] == b"\x0f" else 1:].split(b"\0")[0].decode("ascii", "replace")
        print(json.dumps({"browser_request": "0x%02x" % request[0] if request else None,
                          "instance": asked if request[:1] in (b"\x04", b"\x0f") else "",
                          "answered": reply is not None, "mode": mode}), flush=True)


def start(name, port, mode="normal", host="127.0.0.1"):
    threading.Thread(target=serve, args=(name, port, mode, host), daemon=True).start()


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    serve(sys.argv[1], int(sys.argv[2]), sys.argv[3] if len(sys.argv) > 3 else "normal")
