# SPDX-License-Identifier: GPL-2.0-or-later
"""Reads the clear part of a TLS 1.2/1.3 handshake as the lab server sends and
receives it, and records the facts the corpus README promises per connection:
suite, DH p/Ys/Yc lengths and first bytes. Independent of the plugin on
purpose: it is the ground truth the plugin's tests are checked against."""


class _Direction:
    def __init__(self):
        self.records = b""      # raw bytes not yet cut into records
        self.handshake = b""    # handshake bytes not yet cut into messages
        self.encrypted = False  # after ChangeCipherSpec


class HandshakePeek:
    def __init__(self):
        self.info = {}
        self.dirs = {True: _Direction(), False: _Direction()}

    def feed(self, data, from_server):
        d = self.dirs[from_server]
        d.records += data
        while len(d.records) >= 5:
            length = int.from_bytes(d.records[3:5], "big")
            if len(d.records) < 5 + length:
                return
            ctype, body = d.records[0], d.records[5:5 + length]
            d.records = d.records[5 + length:]
            if ctype == 20:
                d.encrypted = True
            elif ctype == 21 and not d.encrypted and len(body) == 2:
                self.info["alert"] = {"from_server": from_server, "level": body[0], "desc": body[1]}
            elif ctype == 22 and not d.encrypted:
                d.handshake += body
                self._messages(d, from_server)

    def _messages(self, d, from_server):
        while len(d.handshake) >= 4:
            length = int.from_bytes(d.handshake[1:4], "big")
            if len(d.handshake) < 4 + length:
                return
            mtype, body = d.handshake[0], d.handshake[4:4 + length]
            d.handshake = d.handshake[4 + length:]
            if mtype == 2:
                self._server_hello(body)
            elif mtype == 12:
                self._server_key_exchange(body)
            elif mtype == 16:
                self._client_key_exchange(body)

    def _server_hello(self, body):
        sid_len = body[34]
        suite = int.from_bytes(body[35 + sid_len:37 + sid_len], "big")
        self.info["suite"] = "0x%04x" % suite

    def _server_key_exchange(self, body):
        # Only DHE carries p first; ECDHE starts with curve_type 3.
        if not self.info.get("suite") or body[:1] == b"\x03":
            return
        p_len = int.from_bytes(body[0:2], "big")
        g_off = 2 + p_len
        g_len = int.from_bytes(body[g_off:g_off + 2], "big")
        ys_off = g_off + 2 + g_len
        ys_len = int.from_bytes(body[ys_off:ys_off + 2], "big")
        ys = body[ys_off + 2:ys_off + 2 + ys_len]
        self.info.update(p_len=p_len, ys_len=ys_len, ys_first=ys[0] if ys else None)

    def _client_key_exchange(self, body):
        if "p_len" not in self.info:
            return
        yc_len = int.from_bytes(body[0:2], "big")
        yc = body[2:2 + yc_len]
        self.info.update(yc_len=yc_len, yc_first=yc[0] if yc else None)
