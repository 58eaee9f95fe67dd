#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Logs in with pytds (Python / pyOpenSSL), runs SELECT 1, disconnects.
usage: pytds_client.py PORT|\\INSTANCE CAFILE [COUNT] [--validate-host] [--spnego | --spnego-ntlm]
COUNT connections, one after another. pytds always checks the certificate
chain against CAFILE during the handshake; --validate-host also checks the
server name (127.0.0.1) against the certificate, after the handshake.
\\INSTANCE: connect to 127.0.0.1\\INSTANCE, the port from SQL Server Browser
(pytds asks with CLNT_UCAST_EX on UDP 1434).
--spnego: Windows authentication as Windows clients send it, Kerberos inside
SPNEGO (RFC 4178), by MIT's GSSAPI (python3-gssapi), for the service
MSSQLSvc/127.0.0.1:PORT and the ticket in KRB5CCNAME. --spnego-ntlm: SPNEGO
with no ticket, as a Windows client falls back to NTLM: gss-ntlmssp with the
credentials in NTLM_USER_FILE."""
import sys

import pytds
import pytds.tds
from pytds import tds_base


def process_auth(session):
    """pytds 1.11 answers a server's SSPI token in a packet of LOGIN7's type
    (0x10); MS-TDS 2.2.6.8 says an SSPI packet (0x11), as Windows clients
    send it. The same as pytds's own, with the packet type right."""
    size = session._reader.get_smallint()
    answer = session.authentication.handle_next(tds_base.readall(session._reader, size))
    if answer:
        session._writer.begin_packet(tds_base.PacketType.AUTH)
        session._writer.write(answer)
        session._writer.flush()


pytds.tds._token_map[tds_base.TDS_AUTH_TOKEN] = process_auth


class SpnegoAuth:
    """pytds's authentication interface (as pytds.login.KerberosAuth) over
    GSSAPI with the SPNEGO mechanism: the token LOGIN7 carries, then an
    answer to each server token until the context is complete."""
    def __init__(self, service, name_type):
        import gssapi
        spnego = gssapi.OID.from_int_seq("1.3.6.1.5.5.2")
        name = gssapi.Name(service, name_type)
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
        login = {"user": "sa", "password": "pw"}
        if "--spnego" in sys.argv or "--spnego-ntlm" in sys.argv:
            import gssapi
            # Kerberos names the SPN with its port; gss-ntlmssp takes only a host-based name
            login = {"auth": SpnegoAuth("MSSQLSvc/127.0.0.1:%d" % port, gssapi.NameType.kerberos_principal)
                     if "--spnego" in sys.argv else SpnegoAuth("MSSQLSvc@127.0.0.1", gssapi.NameType.hostbased_service)}
        with pytds.connect(server=server, port=port, cafile=cafile, validate_host=validate_host, login_timeout=5,
                           disable_connect_retry=True, **login) as conn:
            with conn.cursor() as cur:
                cur.execute("SELECT 1")
                cur.fetchall()
    except Exception as e:  # failure modes are the point of some captures
        failures += 1
        print("pytds:", e, file=sys.stderr)
sys.exit(1 if failures else 0)
