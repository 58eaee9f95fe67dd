#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Logs in with pytds (Python / pyOpenSSL), runs SELECT 1, disconnects.
usage: pytds_client.py PORT|\\INSTANCE CAFILE [COUNT] [--validate-host]
COUNT connections, one after another. pytds always checks the certificate
chain against CAFILE during the handshake; --validate-host also checks the
server name (127.0.0.1) against the certificate, after the handshake.
\\INSTANCE: connect to 127.0.0.1\\INSTANCE, the port from SQL Server Browser
(pytds asks with CLNT_UCAST_EX on UDP 1434)."""
import sys

import pytds

args = [a for a in sys.argv[1:] if not a.startswith("--")]
if len(args) < 2:
    sys.exit(__doc__.split("\n")[1])
server, port = ("127.0.0.1" + args[0], None) if args[0].startswith("\\") else ("127.0.0.1", int(args[0]))
cafile = args[1]
count = int(args[2]) if len(args) > 2 else 1
validate_host = "--validate-host" in sys.argv
failures = 0
for _ in range(count):
    try:
        with pytds.connect(server=server, port=port, user="sa", password="pw", cafile=cafile,
                           validate_host=validate_host, login_timeout=5, disable_connect_retry=True) as conn:
            with conn.cursor() as cur:
                cur.execute("SELECT 1")
                cur.fetchall()
    except Exception as e:  # failure modes are the point of some captures
        failures += 1
        print("pytds:", e, file=sys.stderr)
sys.exit(1 if failures else 0)
