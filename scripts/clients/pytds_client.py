#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Logs in with pytds (Python / pyOpenSSL), runs SELECT 1, disconnects.
usage: pytds_client.py PORT|\\INSTANCE CAFILE [COUNT] [--validate-host] [--spnego]
COUNT connections, one after another. pytds always checks the certificate
chain against CAFILE during the handshake; --validate-host also checks the
server name (127.0.0.1) against the certificate, after the handshake.
\\INSTANCE: connect to 127.0.0.1\\INSTANCE, the port from SQL Server Browser
(pytds asks with CLNT_UCAST_EX on UDP 1434).
--spnego: Windows authentication as Windows clients send it, Kerberos inside
SPNEGO (RFC 4178), by MIT's GSSAPI (python3-gssapi), for the service
MSSQLSvc/127.0.0.1:PORT and the ticket in KRB5CCNAME."""
import sys

import pytds


class SpnegoAuth:
    """pytds's authentication interface (as pytds.login.KerberosAuth) over
    GSSAPI with the SPNEGO mechanism: the token LOGIN7 carries, then an
    answer to each server token until the context is complete."""
    def __init__(self, service):
        import gssapi
        spnego = gssapi.OID.from_int_seq("1.3.6.1.5.5.2")
        name = gssapi.Name(service, gssapi.NameType.kerberos_principal)
        flags = gssapi.RequirementFlag.mutual_authentication | gssapi.RequirementFlag.out_of_sequence_detection
        self.context = gssapi.SecurityContext(name=name, mech=spnego, usage="initiate", flags=flags)

    def create_packet(self):
        return self.context.step()

    def handle_next(self, packet):
        token = self.context.step(packet)
        return token or b""

    def close(self):
        pass


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
        login = {"auth": SpnegoAuth("MSSQLSvc/127.0.0.1:%d" % port)} if "--spnego" in sys.argv else \
            {"user": "sa", "password": "pw"}
        with pytds.connect(server=server, port=port, cafile=cafile, validate_host=validate_host, login_timeout=5,
                           disable_connect_retry=True, **login) as conn:
            with conn.cursor() as cur:
                cur.execute("SELECT 1")
                cur.fetchall()
    except Exception as e:  # failure modes are the point of some captures
        failures += 1
        print("pytds:", e, file=sys.stderr)
sys.exit(1 if failures else 0)
