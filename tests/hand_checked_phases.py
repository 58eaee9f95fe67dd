# SPDX-License-Identifier: GPL-2.0-or-later
"""The phase of every frame of every corpus capture, checked by hand.

tshark_tests.py compares tdstls.phase with these, one pass and -2
(expected_phases() puts "-" where tdstls cannot know yet, on a port not
1433 in one pass). Cut copies (cut<LEN>-NAME) take NAME's sequence.
"-" is a frame with no phase: SQL Server Browser (UDP), other protocols.
"""

# Phase of every frame, checked by hand against each capture (tshark -V):
# 1 TCP handshake, 2 pre-login, 3 TLS handshake, 4 login, 5 login response,
# 6 commands, 7 close. Bare ACKs take the phase of the moment.
PHASES = {
    # SYN SYN/ACK ACK | PRELOGIN ACK response ACK | ClientHello ServerHello.. CKE/CCS/Fin NST/CCS/Fin |
    # LOGIN7 login response | batch, response | FIN FIN ACK
    "tsql-dhe-tls12.pcapng": "111 2222 3333 45 66 777",
    # login-only encryption: LOGIN7 encrypted, the rest in clear TDS
    "tsql-encrypt-off.pcapng": "111 2222 3333 45 66 777",
    # no TLS at all
    "tsql-encrypt-notsup.pcapng": "111 2222 45 66 777",
    # TDS 8: TLS first, PRELOGIN inside it, then login
    # ClientHello ACK server-flight ACK, client CCS+Finished+PRELOGIN (either phase fits: 3) |
    # session tickets, PRELOGIN response, ACK | LOGIN7 | login response | SET batch..., SELECT 1 | close
    "tedious-tds8-strict.pcapng": "111 33333 222 4 5 6666 777",
    "tsql-fail-fin-before-prelogin-response.pcapng": "111 22 777",
    "tsql-fail-fin-after-client-hello.pcapng": "111 2222 3 777",
    "pytds-fail-alert.pcapng": "111 2222 33 777",               # ClientHello, server's fatal alert
    "tsql-dhe-kb4557473-fin.pcapng": "111 2222 333 777",        # CH, server flight, CKE/CCS/Finished; FIN
    "pytds-dhe-kb4557473-rst.pcapng": "111 2222 333 7",         # same, then the server's RST
    # jTDS sends each TDS header as a segment of its own: the 8-byte segment
    # opening the PRELOGIN that carries the ClientHello (and the one opening
    # the client's second flight) belongs to the TLS handshake, not pre-login
    "jtds-dhe-tls12.pcapng": "111 2222 3333333333 4 5 6666 777",
    "jtds-cert-untrusted.pcapng": "111 2222 33333 777",         # the client quits after the server's flight
    # the server's writes cut into 100-byte segments: the first segment of
    # the login response (frame 34, completed in 35) is already phase 5
    "tsql-server-segments-100.pcapng": "111 2222 " + "3" * 25 + " 4 555 66 777",
    # 7-byte segments: every piece of a server PDU (TCP hands only the last
    # to a dissector) and the client's ACKs while it arrives take its phase:
    # PRELOGIN answer (16 frames with ACKs), ClientHello and server flight
    # (314), LOGIN7, login response (30), batch and its answer (16)
    "tsql-server-segments-7.pcapng": "111 " + "2" * 16 + " " + "3" * 314 + " 4 " + "5" * 30 + " " + "6" * 16 + " 777",

    # --- the rest of the corpus, checked the same way (tshark -V, one pass and -2) ---
    # the same login as tsql-dhe-tls12 from other clients and servers
    "pytds-ecdhe-tls12.pcapng": "111 2222 3333 4 5 666666 777",
    "pytds-dhe-yc-leading-zero.pcapng": "111 2222 3333 4 5 666666 777",
    "pytds-dhe-ys-leading-zero.pcapng": "111 2222 3333 4 5 666666 777",
    "pytds-tls-in-type04.pcapng": "111 2222 3333 4 5 666666 777",      # server's TLS in type 0x04 packets
    "tedious-rsa-tls12.pcapng": "111 2222 3333 4 5 6666 777",
    "tsql-dhe-yc-short.pcapng": "111 2222 3333 4 5 66 777",
    "tsql-ecdhe-split-messages.pcapng": "111 2222 3333 4 5 66 777",
    "tsql-server-tls10-only.pcapng": "111 2222 3333 4 5 66 777",
    # login-only encryption: LOGIN7 encrypted (4), the answer with the padded program name clear (5)
    "tsql-loginack-program-padded.pcapng": "111 2222 3333 4 5 66 777",
    # pytds refuses the server's TLS 1.0: ClientHello, the server's flight, the client's FIN
    "pytds-server-tls10-refused.pcapng": "111 2222 33 777",
    # the server's flight in 150-byte segments: every piece and the client's ACKs are the handshake's
    "pytds-dhe-split.pcapng": "111 2222 " + "3" * 23 + " 4 5 666666 777",
    # crafted: every segment ACKed
    "crafted-dhe-ys-short.pcap": "111 2222 33333333 44 55 6666 777",
    "crafted-dhe-ys-short-port51433.pcap": "111 2222 33333333 44 55 6666 777",
    # the server flight retransmitted (11: 3); LOGIN7 (13) captured before the
    # client's second flight: the server's CCS/Finished (15) and the client's
    # CKE/CCS/Finished (17), which TCP hands to no dissector, are the TLS
    # handshake's by their own PRELOGIN headers; the ACKs between keep the
    # login's phase, which the connection had reached
    "crafted-retransmit-reorder.pcap": "111 2222 33333 44 3 4 3 4 55 6666 777",
    # tedious-ntlm-no-tls with LOGIN7's fIntSecurity cleared: the legs are read as they are
    "crafted-login7-ntlm-flag-off.pcap": "111 2222 444 5 6666 777",
    # one connection per absurd length, each after a normal PRELOGIN exchange:
    # a TDS header of length 3 (not a packet: pre-login goes on), a record of
    # 18000 bytes, a 2^24 handshake, two broken ServerKeyExchanges, an odd
    # suite list, heartbeat and empty records, a PRELOGIN never completed
    "crafted-hostile-lengths.pcap": "111 222222 777 " + "111 2222 33 777 " * 2 + "111 2222 3333 777 " * 2
                                    + "111 2222 33 777 " * 3,
    # failures: the client quits after the server's flight (certificate), or
    # after the whole handshake (name check); the server's alert or close
    "pytds-cert-expired.pcapng": "111 2222 33 777",
    "pytds-cert-untrusted.pcapng": "111 2222 33 777",
    "tsql-cert-untrusted.pcapng": "111 2222 33 777",
    "pytds-cert-wrong-name.pcapng": "111 2222 3333 777",
    "tedious-cert-untrusted.pcapng": "111 2222 3333 777",
    "pytds-ecdhe-alert-after-client-finished.pcapng": "111 2222 3333 777",
    "tsql-dhe-alert-after-client-finished.pcapng": "111 2222 3333 777",
    "pytds-ecdhe-rst-after-client-finished.pcapng": "111 2222 333 7",
    "tedious-ecdhe-fin-after-client-finished.pcapng": "111 2222 333 777",
    "tedious-tls11-only.pcapng": "111 2222 33 777",                     # ClientHello, protocol_version alert
    "tedious-no-common-suite.pcapng": "111 2222 33 77777",              # the server's FIN retransmitted
    # the login refused: error 18456 is the login response (no TLS for tedious)
    "tedious-login-error-18456.pcapng": "111 2222 4 5 777",
    "tsql-login-error-18456.pcapng": "111 2222 3333 4 5 777",
    # named instances: the SQL Server Browser request and answer (UDP) carry no phase
    "tsql-instance-dhe-kb4557473.pcapng": "-- 111 2222 333 777",
    "tsql-instance-fin-after-client-hello.pcapng": "-- 111 2222 3 777",
    "pytds-instance-login.pcapng": "-- 111 2222 3333 4 5 666666 777",
    "tedious-instance-login.pcapng": "-------- 111 2222 3333 4 5 6666 777",   # four broadcasts answered
    "jtds-instance-login.pcapng": "-- 111 2222 " + "3" * 10 + " 4 5 6666 777",
    "tsql-instance-unknown.pcapng": "-" * 32,                           # no such instance: no connection
    "tsql-instance-browser-silent.pcapng": "----",
    "tsql-instance-browser-unreachable.pcapng": "--------",           # requests and ICMP: no connection
    "tsql-connection-refused.pcapng": "17 17",                          # SYN, RST: twice
    # begins after the TLS handshake: nothing tells the phase of encrypted
    # records (0, unknown) until the close
    "pytds-instance-midstream.pcapng": "-- 00000000 777",
    "tedious-tds8-port14331.pcapng": "111 33333 222 4 5 6666 777",      # as tedious-tds8-strict
    # a gateway's login answer routes the client to 11003: both connections
    "tedious-routed-1433-to-11003.pcapng": "111 2222 3333 4 5 777 111 2222 3333 4 5 6666 777",
    "crafted-ssrp-dac-broadcast-malformed.pcap": "-------",             # SQL Server Browser only
    # mutated streams (fuzz finds): the phases their bytes show
    # ClientHello lost; the server's flight, the client's second flight, ...
    "fuzzed-clienthello-from-server.pcap": "111 2222 333 4 5 66 777",
    # frame 4's PRELOGIN header announces more than comes: the client's next
    # 525 bytes (8) continue it; the server's answer (6) is a TCP stream of
    # its own to Wireshark, seen from its middle (0); 10 carries FIN+SYN+RST
    "fuzzed-pdu-only-on-second-pass.pcap": "111 22 0 22 3 7777777",
    "fuzzed-port-reuse-two-pass.pcap": "111 2222 33 7777777",          # 10 carries FIN+SYN+RST
    # a mutated SYN from 1433 (4) starts a stream whose client is 1433: its
    # TDS answer is pre-login (5), the flights the handshake's; a SYN with
    # 40 bytes of 0xaa from another address (10) is not SQL Server's; a
    # stray ACK of a stream seen from its middle (12) is 0
    "fuzzed-server-flight-before-clienthello.pcap": "1111 2 3333 - 3 0",
    # not SQL Server: nothing, but on 1433 in one pass a connection's frames
    # before its first payload (tdstls cannot know yet)
    "not-sql-binary-9000.pcapng": "-" * 28,
    "not-sql-http-1433.pcapng": ("111" + "-" * 9) * 2,
    # TDS 5.0 (FreeTDS TDSVER=5.0), left to stock tds: as other traffic on 1433
    "tsql-tds50-sybase-login.pcapng": ("111" + "-" * 5) * 2,
    "not-sql-https-h2-1433.pcapng": ("111" + "-" * 13) * 2,
    "not-sql-tls-server-no-alpn-1433.pcapng": ("111" + "-" * 15) * 2,
    "not-sql-https-http11-443.pcapng": "-" * 36,
    "not-sql-randpkt-tcp.pcapng": "-" * 300,
}

# Windows authentication (NTLM through SSPI), checked by hand (tshark -V,
# with the keylog where there is one): LOGIN7 with the NTLM NEGOTIATE, the
# server's CHALLENGE in an SSPI token, the client's AUTHENTICATE in an SSPI
# packet (0x11) are the login, phase 4; LOGINACK or the login error is 5.
WINDOWS_AUTH_PHASES = {
    # ... | LOGIN7 (encrypted) CHALLENGE AUTHENTICATE (clear) | LOGINACK | batch, response | close
    "tsql-ntlm-login-only.pcapng": "111 2222 3333 444 5 66 777",
    "tsql-ntlm-login-error-18456.pcapng": "111 2222 3333 444 5 777",    # error 18456 instead of LOGINACK
    "tedious-ntlm-no-tls.pcapng": "111 2222 444 5 6666 777",            # no TLS: every leg clear
    "tsql-ntlm-full.pcapng": "111 2222 3333 444 5 66 777",              # full encryption, keylog
    "tedious-ntlm-full.pcapng": "111 2222 3333 444 5 6666 777",
    # jTDS: TDS headers as segments of their own (see jtds-dhe-tls12 in PHASES)
    "jtds-ntlm-full.pcapng": "111 2222 3333333333 444 5 6666 777",
    # NTLM inside SPNEGO, as Windows falls back from Kerberos (pytds, MIT's GSSAPI with gss-ntlmssp,
    # no ticket): NegTokenInit in LOGIN7, NegTokenResp legs around CHALLENGE and AUTHENTICATE
    "pytds-spnego-ntlm-full.pcapng": "111 2222 3333 444 5 666666 777",
}

# Kerberos (FreeTDS against a lab KDC): LOGIN7 carries the AP-REQ, the
# server's answer the AP-REP in an SSPI token beside LOGINACK (MS-TDS
# 2.2.6.8): one round trip, as a SQL Server login; the same with or
# without the keylog.
KERBEROS_PHASES = {
    # LOGIN7 (encrypted), the server's ACK | SSPI token + LOGINACK (clear) | batch, ACK, response | close
    "tsql-kerberos-login-only.pcapng": "111 2222 3333 44 5 666 777",
    "tsql-kerberos-full.pcapng": "111 2222 3333 4 5 66 777",
    # Kerberos inside SPNEGO (pytds, MIT's GSSAPI), full encryption: LOGIN7, the server's ACK | answer
    "pytds-spnego-kerberos-full.pcapng": "111 2222 3333 44 5 6666666 777",
}


# Where a newer Wireshark's own dissectors hand a capture's frames to
# tdstls differently, the sequence from that version on (major, minor),
# checked by hand with that version's tshark, and what differs. On the
# capture's own port only: moved to another port (tshark_tests.py
# --move-ports, with Decode As), these captures show PHASES' sequences.
PHASES_SINCE_ON_OWN_PORT = {
    (4, 4): {
        # The mutated SYN from 1433 (4) makes 10036 the stream's server
        # port. Wireshark 4.0's TCP then still offers the payload to port
        # 1433's dissector, tdstls; 4.4 and 4.6 give it to stock tds's
        # heuristic instead (seen with tshark 4.6.9: tdstls's dissector is
        # never called for frames 5-11, and with --disable-heuristic tds_tcp
        # they are bare data; 4.4.19 shows the same phases). tdstls sees the
        # stream only in its post-dissector: frame 5, a TDS answer from the
        # side the SYN made the client, tells nothing (1); the flights'
        # PRELOGIN headers say pre-login (2); no TLS reaches tdstls (no 3).
        "fuzzed-server-flight-before-clienthello.pcap": "1111 1 2222 - 2 0",
    },
}


def phases_for(version, own_port=True):
    """PHASES as Wireshark `version` (a (major, minor) tuple) must show
    them, on each capture's own port or (own_port False) moved."""
    phases = dict(PHASES)
    for since, changed in sorted(PHASES_SINCE_ON_OWN_PORT.items()):
        if own_port and version >= since:
            phases.update(changed)
    return phases
