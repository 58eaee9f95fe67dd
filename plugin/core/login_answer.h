/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * What a server's answer to LOGIN7 says, read from its token stream
 * (MS-TDS 2.2.7): LOGINACK (the login succeeded), ERROR (why it did not:
 * 18456 is a failed login), and ENVCHANGE routing (type 20: Azure SQL and
 * read-only routing send the client to another server and port), and SSPI
 * (Windows authentication goes on: the client must answer the server's
 * token with an SSPI packet before the login's outcome comes). Readable
 * where the answer is in clear (login-only encryption) or decrypted (a
 * keylog). No epan dependency.
 */
#ifndef TDSTLS_LOGIN_ANSWER_H
#define TDSTLS_LOGIN_ANSWER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LOGIN_TEXT_MAX 128
#define TDS_TOKEN_SSPI 0xED              /* MS-TDS 2.2.7.22 */

struct login_answer {
    bool loginack;                   /* LOGINACK: the login succeeded */
    uint32_t tds_version;            /* LOGINACK's TDSVersion, as sent (e.g. 0x74000004) */
    char program[LOGIN_TEXT_MAX];    /* LOGINACK's ProgName */
    bool error;                      /* an ERROR token (the first is kept) */
    uint32_t error_number;           /* e.g. 18456, login failed */
    uint8_t error_state, error_class;
    char error_message[LOGIN_TEXT_MAX];
    bool routed;                     /* ENVCHANGE type 20 */
    uint16_t route_port;
    char route_server[LOGIN_TEXT_MAX];
    bool sspi;                       /* an SSPI token: an authentication round trip (NTLM's CHALLENGE) */
    uint8_t sspi_auth;               /* enum login_auth: the mechanism its SSPI token shows */
};

/* An answer that only carries the authentication on: an SSPI token without
 * LOGINACK, ERROR or routing. The last SPNEGO token (Kerberos's) comes with
 * LOGINACK, and that answer ends the login (MS-TDS 2.2.6.8, "SSPI"; no lab
 * capture holds Kerberos: from the specification). */
static inline bool login_answer_continues(const struct login_answer *a)
{
    return a->sspi && !a->loginack && !a->error && !a->routed;
}

/* Reads the tokens of a server's login response payload (after the TDS
 * header). Stops at the first DONE, at an unknown token, or where the data
 * ends (a token may continue in the next packet: not an error). True when
 * it found LOGINACK, ERROR or a routing ENVCHANGE; a->sspi tells an SSPI
 * token either way. */
bool login_answer_read(const uint8_t *payload, size_t len, struct login_answer *a);

#endif
