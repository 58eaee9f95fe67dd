#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Logs in with pytds (Python / pyOpenSSL), runs SELECT 1, disconnects.
usage: pytds_client.py PORT CAFILE [COUNT]   (COUNT connections, one after another)"""
import sys

import pytds

port, cafile = int(sys.argv[1]), sys.argv[2]
count = int(sys.argv[3]) if len(sys.argv) > 3 else 1
failures = 0
for _ in range(count):
    try:
        with pytds.connect(server="127.0.0.1", port=port, user="sa", password="pw", cafile=cafile,
                           validate_host=False, login_timeout=5, disable_connect_retry=True) as conn:
            with conn.cursor() as cur:
                cur.execute("SELECT 1")
                cur.fetchall()
    except Exception as e:  # failure modes are the point of some captures
        failures += 1
        print("pytds:", e, file=sys.stderr)
sys.exit(1 if failures else 0)
